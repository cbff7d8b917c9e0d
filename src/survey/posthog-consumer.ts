import type { Settings } from "../config";
import type { QueueMessage } from "../queue-message";
import { captureSurveyShown, deliverPendingResponses } from "./delivery-job";

export type PostHogMessage = Extract<QueueMessage, { kind: "posthog-answer" | "posthog-shown" }> & {
  ack(): void;
};

/**
 * The PostHog work a customer's request queued (a first delivery of an answer, a `survey shown`). D1 keeps what PostHog
 * has not accepted and the cron retries it, so every message is acked whatever PostHog answered; a
 * redelivered one finds its answer delivered (or leased by the run delivering it) and sends nothing.
 */
export async function consumePostHogWork(
  messages: PostHogMessage[],
  deps: { db: D1Database; settings: Settings; fetcher?: typeof fetch },
): Promise<{ delivered: number; shown: number }> {
  const tickets = new Set<number>();
  let shown = 0;
  for (const m of messages) {
    if (m.kind === "posthog-answer") tickets.add(m.ticketId);
    else {
      const { ticketId, distinctId, team, shownAt } = m;
      await captureSurveyShown(deps.settings, deps.db, { ticketId, distinctId, team, shownAt });
      shown++;
    }
  }
  let delivered = 0;
  for (const ticketId of tickets) {
    const report = await deliverPendingResponses(deps.settings, deps.db, Date.now(), {
      ticketId,
      fetcher: deps.fetcher,
    });
    delivered += report.delivered;
  }
  for (const m of messages) m.ack();
  return { delivered, shown };
}
