import { ratingLabel } from "../lib/copy";
import { slackEscape } from "../services/slack";

/** One alert per ticket per day: a low answer within a day of the last alert waits until the day has passed. */
export const ALERT_SPACING_MS = 24 * 60 * 60_000;

/** A low answer (a version of the ticket's answer), as the alert rule needs it. */
export interface LowAnswer {
  /** A hash of the version's rating and comment. */
  contentKey: string;
  /** When the version was stored. */
  at: number;
}

/**
 * Whether a low answer raises an alert, and from when it may go out: at most one per ticket per day,
 * so a different low answer within a day of the last alert waits for the day to pass; the same
 * answer as the last alert raises nothing; an answer stored again (`nextAnswerAt`) before the day has
 * passed replaces the waiting one.
 */
export function alertDue(
  answer: LowAnswer,
  last: { at: number; contentKey: string } | null,
  nextAnswerAt: number | null,
): { raise: true; notBefore: number } | { raise: false; why: string } {
  if (last?.contentKey === answer.contentKey) return { raise: false, why: "the same answer as the last alert" };
  const notBefore = Math.max(answer.at, last ? last.at + ALERT_SPACING_MS : 0);
  if (replacedBeforeItsDay({ at: answer.at, notBefore }, nextAnswerAt))
    return { raise: false, why: "replaced by a later answer before its day" };
  return { raise: true, notBefore };
}

/** An alert waiting for its day is withdrawn by the next answer stored before that day. */
export function replacedBeforeItsDay(alert: { at: number; notBefore: number }, nextAnswerAt: number | null): boolean {
  return alert.notBefore > alert.at && nextAnswerAt !== null && nextAnswerAt < alert.notBefore;
}

export interface LowRatingFacts {
  ticketId: number;
  rating: number;
  comment: string | null;
  team: string;
}

/** What marks an alert's note on the ticket, so that an attempt whose outcome is unknown can be looked for. */
export function noteMarker(alert: { ticketId: number; version: number }): string {
  return `hedgehog-csat alert ${alert.ticketId}.${alert.version}`;
}

/** The internal note of a low rating on its ticket (Zendesk, or PostHog Support, where it is markdown). */
export function internalNote(f: LowRatingFacts, marker: string): string {
  return [
    `CSAT survey answer: ${f.rating}/5 (${ratingLabel(f.rating)})`,
    f.comment ? `Comment: ${f.comment}` : "No comment was left.",
    "",
    `Added by hedgehog-csat (${marker}).`,
  ].join("\n");
}

export function slackMessage(f: LowRatingFacts, ticketUrl: string | null): { text: string } {
  const where = ticketUrl ? `<${ticketUrl}|ticket #${f.ticketId}>` : `ticket #${f.ticketId}`;
  const lines = [
    `:hedgehog: Low CSAT: *${f.rating}/5* (${ratingLabel(f.rating)}) on ${where} for ${slackEscape(f.team)}`,
    f.comment ? `> ${slackEscape(f.comment).replace(/\n/g, "\n> ")}` : "_No comment._",
  ];
  return { text: lines.join("\n") };
}
