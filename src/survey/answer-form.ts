import * as v from "valibot";
import { formatCount } from "../lib/format";
import { COMMENT_MAX_LENGTH } from "../lib/copy";

const CHOOSE_A_FACE = "Please choose one of the five faces.";
const NOT_A_FACE = "That rating is not one of the five faces (1 to 5). Please choose a face.";

/**
 * The answer part of the survey form, for hono's valibot validator. Loose: the link's own fields
 * travel in the same form and are checked by the link's rules, before this.
 */
export const AnswerFormSchema = v.looseObject({
  rating: v.pipe(
    v.optional(v.string(CHOOSE_A_FACE), ""),
    v.minLength(1, CHOOSE_A_FACE),
    v.regex(/^[1-5]$/, NOT_A_FACE),
    v.transform(Number),
  ),
  /** The version of the ticket's answer the form showed (0: none). */
  base_version: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,9}$/, "This form was changed; please open the survey again."),
      v.transform(Number),
    ),
    "0",
  ),
  comment: v.optional(
    v.pipe(
      v.string(),
      v.transform((s) => s.replace(/\r\n/g, "\n").trim()),
      v.maxLength(
        COMMENT_MAX_LENGTH,
        `Your comment is longer than ${formatCount(COMMENT_MAX_LENGTH)} characters. Please shorten it.`,
      ),
      v.transform((s) => (s === "" ? undefined : s)),
    ),
  ),
});

/** What the customer typed, to show again beside a problem: the rating only if it is one of the five. */
export function typedAnswer(form: Record<string, string>): { rating: number | undefined; comment: string | undefined } {
  return { rating: /^[1-5]$/.test(form.rating ?? "") ? Number(form.rating) : undefined, comment: form.comment };
}
