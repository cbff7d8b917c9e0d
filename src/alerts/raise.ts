import type { QueueMessage } from "../queue-message";
import type { ResponseRow } from "../survey/responses-store";
import { createAlert } from "./alerts-store";
import { isNewLowRating } from "./low-rating";

/**
 * After an answer is stored: a new low answer gets an alert row (once per answer version) and a
 * queue message that tells the team. The ten-minute cron queues alerts again if a message was lost.
 */
export async function raiseLowRatingAlert(
  db: D1Database,
  queue: Queue<QueueMessage>,
  row: ResponseRow,
  now: number,
): Promise<boolean> {
  if (!isNewLowRating(row)) return false;
  if (!(await createAlert(db, row.ticket_id, row.version, row.rating, now))) return false;
  await queue.send({ kind: "low-rating", ticketId: row.ticket_id, version: row.version });
  return true;
}
