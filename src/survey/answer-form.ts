import * as v from "valibot";
import { COMMENT_MAX_LENGTH } from "./copy";

const AnswerSchema = v.object({
  rating: v.pipe(
    v.string("Please choose one of the five faces."),
    v.regex(/^[1-5]$/, "Please choose one of the five faces."),
    v.transform(Number),
  ),
  comment: v.optional(
    v.pipe(
      v.string(),
      v.transform((s) => s.replace(/\r\n/g, "\n").trim()),
      v.maxLength(
        COMMENT_MAX_LENGTH,
        `Your comment is longer than ${COMMENT_MAX_LENGTH.toLocaleString("en-GB")} characters. Please shorten it.`,
      ),
      v.transform((s) => (s === "" ? undefined : s)),
    ),
  ),
});

export type AnswerParse =
  | { ok: true; rating: number; comment: string | undefined }
  | { ok: false; problem: string; rating: number | undefined; comment: string | undefined };

/** The answer part of the survey form; on a problem, gives back what the customer typed. */
export function parseAnswerForm(form: Record<string, string>): AnswerParse {
  const result = v.safeParse(AnswerSchema, { rating: form.rating, comment: form.comment });
  if (result.success) return { ok: true, rating: result.output.rating, comment: result.output.comment };
  const rating = /^[1-5]$/.test(form.rating ?? "") ? Number(form.rating) : undefined;
  return { ok: false, problem: result.issues[0].message, rating, comment: form.comment };
}
