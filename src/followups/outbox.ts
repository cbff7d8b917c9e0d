import { claimDueFollowups, type FollowupKey } from "./outbox-store";
import type { FollowupMessage } from "./owed";

/** Rows the cron takes from the outbox in one run. */
const REQUEUE_LIMIT = 100;

const messageFor = (key: FollowupKey): { body: FollowupMessage } => ({
  body: { kind: "answer-followup", ticketId: key.ticketId, version: key.version, followup: key.kind },
});

/**
 * Asks the Queue to drain these outbox rows, one message each, once the answer that owes them is
 * stored. Best effort: a row whose message never arrives is queued again by the cron after its lease.
 */
export async function queueFollowups(queue: Queue<FollowupMessage>, keys: FollowupKey[]): Promise<number> {
  if (keys.length === 0) return 0;
  await queue.sendBatch(keys.map(messageFor));
  return keys.length;
}

/** The cron's part: rows still pending past their lease, and rows whose wait is over, queued again. */
export async function requeueFollowups(db: D1Database, queue: Queue<FollowupMessage>, now: number): Promise<number> {
  return queueFollowups(queue, await claimDueFollowups(db, now, REQUEUE_LIMIT));
}
