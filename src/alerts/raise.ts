import { sha256Hex } from "../lib/ids";
import type { QueueMessage } from "../queue-message";
import type { Settings } from "../config";
import { cancelWaitingAlerts, createAlert, raisedAlert } from "./alerts-store";
import { requestWriteback } from "./ticket-rating-store";

/** An answer being stored, as the alert rules need it. */
export interface AnswerFacts {
  ticketId: number;
  /** The version this write makes. */
  version: number;
  rating: number;
  comment: string | null;
  /** The write's time. */
  at: number;
}

/**
 * What a stored answer owes the team: a low answer (1 or 2) an alert, at most one per ticket per day
 * (see createAlert); an answer raised above 2 the cancelling of an alert still waiting for its day.
 * Statements for the answer's own transaction, so the alert cannot be lost between the two writes.
 */
export async function lowRatingAlertOwed(db: D1Database, answer: AnswerFacts): Promise<D1PreparedStatement[]> {
  if (answer.rating > 2) {
    // Only an edit can have an alert waiting (alerts come from earlier low answers); a first answer
    // adds nothing to its write, as nine in ten survey posts are.
    return answer.version > 1 ? [cancelWaitingAlerts(db, answer)] : [];
  }
  const contentKey = (await sha256Hex(`${answer.rating}\n${answer.comment ?? ""}`)).slice(0, 32);
  return createAlert(db, { ...answer, contentKey });
}

/**
 * Once the answer is stored: an alert that may go now is queued at once; one that must wait is queued
 * by the ten-minute cron when its day has passed (which also queues alerts whose message was lost).
 */
export async function queueLowRatingAlert(
  queue: Queue<QueueMessage>,
  answer: AnswerFacts,
  results: D1Result[],
): Promise<boolean> {
  const alert = answer.rating <= 2 ? raisedAlert(results) : null;
  if (!alert || alert.notBefore > answer.at) return false;
  await queue.send({ kind: "low-rating", ticketId: answer.ticketId, version: answer.version });
  return true;
}

/** What a stored answer (first or edited) owes the ticket: its rating written back to Zendesk. */
export function ticketRatingOwed(db: D1Database, settings: Settings, answer: AnswerFacts): D1PreparedStatement[] {
  // Decided on [vars] alone: whether Zendesk's credentials are there is the consumer's to find when
  // it writes, and it records a skip the team can see (a secret may be put after the answer came).
  if (settings.csatFieldId === undefined || !settings.zendesk.baseUrl) return [];
  return [requestWriteback(db, answer)];
}

/** Once the answer is stored: a write-back now waiting for this version goes through the Queue. */
export async function queueTicketRating(
  queue: Queue<QueueMessage>,
  answer: AnswerFacts,
  results: D1Result[],
): Promise<boolean> {
  if (results[0]?.meta.changes !== 1) return false;
  await queue.send({ kind: "ticket-rating", ticketId: answer.ticketId });
  return true;
}
