import * as v from "valibot";
import { formatCount } from "../lib/format";
import { COMMENT_MAX_LENGTH } from "../lib/copy";

const AnswerSchema = v.object({
  rating: v.pipe(
    v.string("Please choose one of the five faces."),
    v.regex(/^[1-5]$/, "Please choose one of the five faces."),
    v.transform(Number),
  ),
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

export type AnswerParse =
  /** `baseVersion`: the version of the ticket's answer the form showed (0: none). */
  | { ok: true; rating: number; comment: string | undefined; baseVersion: number }
  | { ok: false; problem: string; rating: number | undefined; comment: string | undefined };

/** The answer part of the survey form; on a problem, gives back what the customer typed. */
export function parseAnswerForm(form: Record<string, string>): AnswerParse {
  const result = v.safeParse(AnswerSchema, {
    rating: form.rating,
    comment: form.comment,
    base_version: form.base_version,
  });
  if (result.success) {
    const { rating, comment, base_version: baseVersion } = result.output;
    return { ok: true, rating, comment, baseVersion };
  }
  const rating = /^[1-5]$/.test(form.rating ?? "") ? Number(form.rating) : undefined;
  return { ok: false, problem: result.issues[0].message, rating, comment: form.comment };
}
