import { sha256Hex } from "../lib/ids";
import { forTeam } from "../lib/teams";
import { done, failed, type Outcome } from "./outcome";
import { callService, excerpt } from "./request";

/**
 * Posts a message to a Slack incoming webhook. Slack allows about one message a second per webhook
 * and answers 429 with Retry-After over it; its refusals are plain text (api.slack.com, "Sending
 * messages using incoming webhooks"): 400 invalid_payload, 403 action_prohibited, 404 no_service,
 * 410 channel_is_archived. Those are permanent; 429 and 5xx wait.
 */
export async function postToSlack(
  webhookUrl: string,
  message: { text: string },
  deps: { db: D1Database; fetcher: typeof fetch; sleep?: (ms: number) => Promise<void> },
): Promise<Outcome<null>> {
  const result = await callService({
    service: "Slack",
    url: webhookUrl,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(message),
    timeoutMs: 15_000,
    fetcher: deps.fetcher,
    // The webhook URL is a secret: the schedule is keyed by its hash.
    pace: {
      db: deps.db,
      rule: { key: `slack:${(await sha256Hex(webhookUrl)).slice(0, 32)}`, limit: 1, windowMs: 1100 },
      maxWaitMs: 10_000,
      sleep: deps.sleep,
    },
    // A refusal's plain-text body is Slack's error code (`channel_is_archived`), kept as the outcome's code.
    classify: (r) => {
      if (r.status < 400 || r.status === 408 || r.status === 429 || r.status >= 500) return undefined;
      const code = /^\s*([a-z_]+)\s*$/.exec(r.text)?.[1] ?? String(r.status);
      return { ...failed(`Slack answered ${r.status}: ${excerpt(r.text)}`, { code }), status: r.status };
    },
  });
  return result.kind === "done" ? done(null) : result;
}

/** Slack's mrkdwn treats &, < and > as markup; escape them in anything a customer wrote. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The team's webhook (SLACK_WEBHOOK_URLS), else the default (`*`), else none. */
export function webhookFor(team: string, webhooks: Record<string, string>): string | undefined {
  return forTeam(team, webhooks);
}
