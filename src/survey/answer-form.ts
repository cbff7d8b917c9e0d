import * as v from "valibot";
import { formatCount } from "../lib/format";
import { asksReasons, COMMENT_MAX_LENGTH } from "../lib/copy";

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
  /**
   * `baseVersion`: the version of the ticket's answer the form showed (0: none). `reasons`: the ids
   * chosen for "What went wrong?", in the list's order; always empty for a rating above 3.
   */
  | { ok: true; rating: number; comment: string | undefined; reasons: string[]; baseVersion: number }
  | { ok: false; problem: string; rating: number | undefined; comment: string | undefined; reasons: string[] };

/** The checkboxes' values as the form sends them: every `reason` field, joined by commas (see readForm). */
const ReasonsSchema = (known: readonly string[]) =>
  v.pipe(
    v.optional(v.string(), ""),
    v.transform((s) => s.split(",").filter((id) => id !== "")),
    v.check(
      (ids) => ids.every((id) => known.includes(id)),
      "One of the reasons you chose is no longer offered. Please choose again from the list.",
    ),
    // Each once, in the order the page lists them, whatever order the browser sent them in.
    v.transform((ids) => known.filter((id) => ids.includes(id))),
  );

/**
 * The answer part of the survey form; on a problem, gives back what the customer typed. Reasons sent
 * with a rating above 3 (a page without script shows them for every rating) are not kept: they answer
 * a question that rating does not ask.
 */
export function parseAnswerForm(form: Record<string, string>, reasonIds: readonly string[]): AnswerParse {
  const result = v.safeParse(v.object({ ...AnswerSchema.entries, reason: ReasonsSchema(reasonIds) }), {
    rating: form.rating,
    comment: form.comment,
    base_version: form.base_version,
    reason: form.reason,
  });
  if (result.success) {
    const { rating, comment, base_version: baseVersion, reason } = result.output;
    return { ok: true, rating, comment, reasons: asksReasons(rating) ? reason : [], baseVersion };
  }
  const rating = /^[1-5]$/.test(form.rating ?? "") ? Number(form.rating) : undefined;
  const reasons = (form.reason ?? "").split(",").filter((id) => reasonIds.includes(id));
  return { ok: false, problem: result.issues[0].message, rating, comment: form.comment, reasons };
}
