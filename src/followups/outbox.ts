import { claimDueFollowups, type FollowupKey } from "./outbox-store";
import type { FollowupKind, FollowupMessage } from "./owed";

/** Rows the cron takes from the outbox in one run. */
const REQUEUE_LIMIT = 100;

const messageFor = (key: FollowupKey): { body: FollowupMessage } => ({
  body: { kind: "answer-followup", ticketId: key.ticketId, version: key.version, followup: key.kind },
});

/** Asks the Queue to drain these outbox rows, one message each. */
async function queueFollowups(queue: Queue<FollowupMessage>, keys: FollowupKey[]): Promise<number> {
  if (keys.length === 0) return 0;
  await queue.sendBatch(keys.map(messageFor));
  return keys.length;
}

/**
 * After the answer's commit: one message for each row it wrote. A failure is logged, never the
 * customer's problem: the rows stay pending, and the cron queues them after their lease.
 */
export async function queueOwedFollowups(
  queue: Queue<FollowupMessage>,
  answer: { ticketId: number; version: number },
  kinds: readonly FollowupKind[],
): Promise<void> {
  const keys = kinds.map((kind) => ({ ticketId: answer.ticketId, version: answer.version, kind }));
  await queueFollowups(queue, keys).catch((err) =>
    console.error(`queueing the follow-ups of the answer on ticket ${answer.ticketId} failed:`, err),
  );
}

/** The cron's part: rows still pending past their lease, and rows whose wait is over, queued again. */
export async function requeueFollowups(db: D1Database, queue: Queue<FollowupMessage>, now: number): Promise<number> {
  return queueFollowups(queue, await claimDueFollowups(db, now, REQUEUE_LIMIT));
}
