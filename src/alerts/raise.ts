import { sha256Hex } from "../lib/ids";
import type { QueueMessage } from "../queue-message";
import type { Settings } from "../config";
import { cancelWaitingAlerts, createAlert } from "./alerts-store";
import { requestWriteback } from "./ticket-rating-store";

/** A stored answer, as the alert rules need it. */
export interface AnswerFacts {
  ticketId: number;
  version: number;
  rating: number;
  comment: string | null;
}

/**
 * After an answer is stored: a low answer (1 or 2) gets an alert, at most one per ticket per day
 * (see createAlert). One that may go now is queued at once; one that must wait is queued by the
 * ten-minute cron when its day has passed (which also queues alerts whose message was lost).
 */
export async function raiseLowRatingAlert(
  db: D1Database,
  queue: Queue<QueueMessage>,
  answer: AnswerFacts,
  now: number,
): Promise<boolean> {
  if (answer.rating > 2) {
    // Only an edit can have an alert waiting (alerts come from earlier low answers); a first answer
    // skips the write, which would otherwise be a second D1 query on nine in ten survey posts.
    if (answer.version > 1) await cancelWaitingAlerts(db, answer.ticketId, now);
    return false;
  }
  const contentKey = (await sha256Hex(`${answer.rating}\n${answer.comment ?? ""}`)).slice(0, 32);
  const alert = await createAlert(db, { ...answer, contentKey }, now);
  if (!alert) return false;
  if (alert.notBefore <= now)
    await queue.send({ kind: "low-rating", ticketId: answer.ticketId, version: answer.version });
  return true;
}

/** After an answer is stored (first or edited): its rating goes onto the Zendesk ticket, through the Queue. */
export async function raiseTicketRating(
  db: D1Database,
  queue: Queue<QueueMessage>,
  settings: Settings,
  answer: { ticketId: number; version: number },
  now: number,
): Promise<boolean> {
  // Decided on [vars] alone: the survey Worker raises this, and whether Zendesk's credentials are
  // there is the consumer's to find (in the app Worker), which records a skip the team can see.
  if (settings.csatFieldId === undefined || !settings.zendesk.baseUrl) return false;
  if (!(await requestWriteback(db, answer.ticketId, answer.version, now))) return false;
  await queue.send({ kind: "ticket-rating", ticketId: answer.ticketId });
  return true;
}
