import type { Settings } from "../config";
import { addInternalNote, zendeskAccess } from "../dispatch/zendesk";
import { retryDelaySeconds } from "../lib/backoff";
import { loadAlert, markChannel } from "./alerts-store";
import { slackMessage, webhookFor, zendeskNote, zendeskTicketUrl } from "./low-rating";

export interface LowRatingMessage {
  ticketId: number;
  version: number;
  attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

type ChannelOutcome = "done" | "skipped" | "failed" | "retry";

async function postToSlack(
  url: string,
  body: { text: string },
  fetcher: typeof fetch,
): Promise<{ outcome: ChannelOutcome; detail: string | null }> {
  let response: Response;
  try {
    response = await fetcher(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    return { outcome: "retry", detail: `Slack could not be reached: ${String(err)}` };
  }
  const text = (await response.text().catch(() => "")).slice(0, 200);
  if (response.ok) return { outcome: "done", detail: null };
  const detail = `Slack answered ${response.status}: ${text}`;
  return { outcome: response.status === 429 || response.status >= 500 ? "retry" : "failed", detail };
}

/**
 * Tells the team about a low answer: an internal note on the Zendesk ticket and a Slack message.
 * Each channel is recorded once done, so a retry repeats only what failed. Zendesk's 422 (a closed
 * ticket cannot be updated) is recorded as skipped, not retried.
 */
export async function consumeLowRatings(
  messages: LowRatingMessage[],
  deps: { db: D1Database; settings: Settings; fetcher: typeof fetch },
): Promise<{ notes: number; slack: number; retried: number }> {
  const { db, settings, fetcher } = deps;
  const report = { notes: 0, slack: 0, retried: 0 };
  for (const m of messages) {
    const alert = await loadAlert(db, m.ticketId, m.version);
    if (!alert) {
      m.ack();
      continue;
    }
    const key = { ticketId: m.ticketId, version: m.version };
    const facts = { ticketId: alert.ticket_id, rating: alert.rating, comment: alert.comment, team: alert.team };
    let retry = false;

    if (alert.zendesk_status === "pending") {
      const access = zendeskAccess(settings.zendesk);
      if (!access) {
        await markChannel(db, key, "zendesk", "skipped", "Zendesk is not configured");
      } else {
        const result = await addInternalNote(access, alert.ticket_id, zendeskNote(facts), fetcher);
        if (result.ok) {
          await markChannel(db, key, "zendesk", "done", null);
          report.notes++;
        } else if (result.kind === "permanent") {
          const closed = result.message.includes("422");
          await markChannel(
            db,
            key,
            "zendesk",
            closed ? "skipped" : "failed",
            closed ? `ticket is closed: ${result.message}` : result.message,
          );
        } else {
          await markChannel(db, key, "zendesk", "pending", result.message);
          retry = true;
        }
      }
    }

    if (alert.slack_status === "pending") {
      const url = webhookFor(alert.team, settings.slackWebhooks);
      if (!url) {
        await markChannel(db, key, "slack", "skipped", "no Slack webhook for this team");
      } else {
        const { outcome, detail } = await postToSlack(
          url,
          slackMessage(facts, zendeskTicketUrl(settings.zendesk.baseUrl, alert.ticket_id)),
          fetcher,
        );
        if (outcome === "retry") {
          await markChannel(db, key, "slack", "pending", detail);
          retry = true;
        } else {
          await markChannel(db, key, "slack", outcome === "done" ? "done" : "failed", detail);
          if (outcome === "done") report.slack++;
        }
      }
    }

    if (retry) {
      m.retry({ delaySeconds: retryDelaySeconds(m.attempts) });
      report.retried++;
    } else {
      m.ack();
    }
  }
  return report;
}
