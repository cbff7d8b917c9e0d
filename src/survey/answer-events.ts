import type { Settings } from "../config";
import type { QueueMessage } from "../queue-message";

/** An answer was stored (a first answer or a real edit): what other capabilities react to. */
export interface AnswerRecorded {
  ticketId: number;
  version: number;
  rating: number;
  comment: string | null;
  at: number;
}

export interface ReactionContext {
  db: D1Database;
  queue: Queue<QueueMessage>;
  settings: Settings;
}

export type AnswerReaction = (event: AnswerRecorded, ctx: ReactionContext) => Promise<unknown>;

const reactions: AnswerReaction[] = [];

/**
 * Subscribes to stored answers. The survey publishes; alerts and the ticket write-back subscribe
 * (src/customer-app.tsx wires them), so the survey depends on none of them.
 */
export function onAnswerRecorded(reaction: AnswerReaction): void {
  reactions.push(reaction);
}

/** Runs every reaction; each one's failure is logged, never the customer's problem. */
export function publishAnswerRecorded(event: AnswerRecorded, ctx: ReactionContext): Promise<unknown>[] {
  return reactions.map((react) =>
    react(event, ctx).catch((err) => console.error(`reaction to the answer on ticket ${event.ticketId} failed:`, err)),
  );
}
