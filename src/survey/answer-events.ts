import type { Settings } from "../config";
import type { QueueMessage } from "../queue-message";

/** An answer this request is storing: a first answer, or an edit of the version its form showed. */
export interface AnswerWrite {
  ticketId: number;
  /** The version the write makes (the form's version + 1): with `at`, it tells this write's row. */
  version: number;
  rating: number;
  comment: string | null;
  /** The write's time, stored as the row's `updated_at`. */
  at: number;
}

export interface ReactionContext {
  db: D1Database;
  queue: Queue<QueueMessage>;
  settings: Settings;
}

/**
 * A capability that reacts to stored answers. What an answer owes it (an alert, a write-back) is
 * written in the answer's own transaction, so nothing owed is lost between the two; telling the Queue
 * follows the commit, and the cron queues again whatever stays pending.
 */
export interface AnswerSubscriber {
  /** The statements to commit with the answer; each writes only if this write stored it (lib/answer-written.ts). */
  owed(write: AnswerWrite, ctx: ReactionContext): Promise<D1PreparedStatement[]>;
  /** After the answer was stored, with what those statements returned (only if it owed some). */
  committed(write: AnswerWrite, results: D1Result[], ctx: ReactionContext): Promise<unknown>;
}

const subscribers: AnswerSubscriber[] = [];

/**
 * Subscribes to stored answers. The survey publishes; alerts and the ticket write-back subscribe
 * (src/customer-app.tsx wires them), so the survey depends on none of them.
 */
export function onAnswerRecorded(subscriber: AnswerSubscriber): void {
  subscribers.push(subscriber);
}

/**
 * What every subscriber is owed by a write: the statements to run in its transaction, and, once it
 * stored the answer, the follow-ups to run with their results (each one's failure is logged, never
 * the customer's problem: what it would have queued stays pending for the cron).
 */
export async function owedBy(
  write: AnswerWrite,
  ctx: ReactionContext,
): Promise<{ statements: D1PreparedStatement[]; committed(results: D1Result[]): Promise<unknown>[] }> {
  const owed = await Promise.all(subscribers.map((s) => s.owed(write, ctx)));
  return {
    statements: owed.flat(),
    committed(results) {
      let offset = 0;
      return subscribers.flatMap((subscriber, i) => {
        const own = results.slice(offset, (offset += owed[i]!.length));
        // A subscriber the answer owed nothing has nothing to follow up.
        if (own.length === 0) return [];
        return [
          subscriber
            .committed(write, own, ctx)
            .catch((err) => console.error(`reaction to the answer on ticket ${write.ticketId} failed:`, err)),
        ];
      });
    },
  };
}
