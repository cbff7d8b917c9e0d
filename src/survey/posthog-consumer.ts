import type { Settings } from "../config";
import type { QueueMessage } from "../queue-message";
import { deliverPendingImpressions, deliverPendingResponses } from "./delivery-job";

export type PostHogMessage = Extract<QueueMessage, { kind: "posthog-answer" | "posthog-shown" }> & {
  ack(): void;
};

/**
 * The first delivery of what a customer's request stored (an answer, a first view). D1 keeps what
 * PostHog has not accepted and the cron retries it, so every message is acked whatever PostHog
 * answered; a redelivered one finds its row delivered (or leased by the run delivering it) and sends
 * nothing.
 */
export async function consumePostHogWork(
  messages: PostHogMessage[],
  deps: { db: D1Database; settings: Settings; fetcher?: typeof fetch },
): Promise<{ delivered: number; shown: number }> {
  const deliver = { "posthog-answer": deliverPendingResponses, "posthog-shown": deliverPendingImpressions };
  const counts = { "posthog-answer": 0, "posthog-shown": 0 };
  const seen = new Set<string>();
  for (const m of messages) {
    // One ticket's row once per batch, however often its message came.
    if (seen.has(`${m.kind}:${m.ticketId}`)) continue;
    seen.add(`${m.kind}:${m.ticketId}`);
    const report = await deliver[m.kind](deps.settings, deps.db, Date.now(), {
      ticketId: m.ticketId,
      fetcher: deps.fetcher,
    });
    counts[m.kind] += report.delivered;
  }
  for (const m of messages) m.ack();
  return { delivered: counts["posthog-answer"], shown: counts["posthog-shown"] };
}
