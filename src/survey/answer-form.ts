import * as v from "valibot";
import { formatCount } from "../lib/format";
import { asksReasons, COMMENT_MAX_LENGTH } from "../lib/copy";

const CHOOSE_A_FACE = "Please choose one of the five faces.";
const NOT_A_FACE = "That rating is not one of the five faces (1 to 5). Please choose a face.";

/** The rating, comment and base version of the survey form. */
const AnswerFields = v.object({
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

/** The reason checkboxes' values: none, one (a field), or several (the field repeated, one per box). */
const ReasonIdsSchema = v.pipe(
  v.optional(v.union([v.string(), v.array(v.string())]), []),
  v.transform((ids) => (typeof ids === "string" ? [ids] : ids).filter((id) => id !== "")),
);

/**
 * The answer part of the survey form, for hono's valibot validator. Loose: the link's own fields
 * travel in the same form and are checked by the link's rules, before this. The reasons are checked
 * against LOW_RATING_REASONS (a setting) by `chosenReasons`.
 */
export const AnswerFormSchema = v.looseObject({
  ...AnswerFields.entries,
  reason: ReasonIdsSchema,
});

export const REASON_NOT_OFFERED =
  "One of the reasons you chose is no longer offered. Please choose again from the list.";

/**
 * The reasons to keep, in the order the page lists them, each once. Reasons sent with a rating above 3
 * (a page without script shows them for every rating) are not kept: they answer a question that rating
 * does not ask.
 */
export function chosenReasons(
  rating: number,
  ids: string[],
  known: readonly string[],
): { ok: true; reasons: string[] } | { ok: false; problem: string } {
  if (!ids.every((id) => known.includes(id))) return { ok: false, problem: REASON_NOT_OFFERED };
  return { ok: true, reasons: asksReasons(rating) ? known.filter((id) => ids.includes(id)) : [] };
}

/**
 * What the customer typed, to show again beside a problem: the rating only if it is one of the five,
 * the reasons only those the list offers.
 */
export function typedAnswer(
  form: Record<string, unknown>,
  known: readonly string[],
): { rating: number | undefined; comment: string | undefined; reasons: string[] } {
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  const rating = text(form.rating);
  const ids = v.safeParse(ReasonIdsSchema, form.reason);
  return {
    rating: /^[1-5]$/.test(rating ?? "") ? Number(rating) : undefined,
    comment: text(form.comment),
    reasons: ids.success ? known.filter((id) => ids.output.includes(id)) : [],
  };
}
