import {
  RetryAfterWatch,
  SlidingWindow,
  retryAfterSeconds,
  startFake,
  type FakeServer,
  type Reply,
} from "./fake-server";

/**
 * Slack incoming webhooks: `POST [/t/<account>]/services/T…/B…/…` with a JSON `{text}` answers 200
 * `ok`. Errors are plain-text bodies, as Slack sends them (api.slack.com changelog 2016-05-17
 * "Improving error conditions for Incoming Webhooks"; "Sending messages using incoming webhooks"):
 * 400 `invalid_payload`, 403 `action_prohibited`, 404 `no_service` (the webhook was removed or
 * disabled), 410 `channel_is_archived`. Rate limit (api.slack.com "Rate limits": incoming webhooks,
 * about one message a second per webhook, short bursts tolerated): here at most 1 accepted message
 * per webhook URL in any 1-second window; over it, 429 with `Retry-After` and body `rate_limited`
 * (the body text is not verified).
 *
 * Controls: `POST /__fake/slack/config {"gone"?: [path], "archived"?: [path], "prohibited"?: [path]}`
 * (paths or full URLs of webhooks, added to the lists), `GET /__fake/slack/stats?prefix=/t/<account>/`
 * (PacingStats summed over the webhooks under that prefix).
 */
const WEBHOOK = /^(\/t\/[\w-]+)?\/services\/T\w+\/B\w+\/\w+$/;
const gone = new Set<string>();
const archived = new Set<string>();
const prohibited = new Set<string>();
const windows = new Map<string, SlidingWindow>();

const text = (status: number, body: string, headers?: Record<string, string>): Reply => ({ status, body, headers });
const pathOf = (value: string) => (/^https?:\/\//.test(value) ? new URL(value).pathname : value);

const watch = new RetryAfterWatch((req) => (WEBHOOK.test(req.path) ? [req.path] : undefined));

export function startFakeSlack(port = 0): Promise<FakeServer> {
  return startFake(
    "slack",
    (req) => {
      if (req.method !== "POST" || !WEBHOOK.test(req.path)) return undefined;
      if (gone.has(req.path)) return text(404, "no_service");
      const body = req.body as { text?: unknown };
      if (
        !req.headers["content-type"]?.includes("application/json") ||
        typeof body !== "object" ||
        typeof body?.text !== "string"
      ) {
        return text(400, "invalid_payload");
      }
      let window = windows.get(req.path);
      if (!window) {
        window = new SlidingWindow(1, 1000);
        windows.set(req.path, window);
      }
      const wait = window.take();
      if (wait > 0) return text(429, "rate_limited", { "retry-after": String(retryAfterSeconds(wait)) });
      if (prohibited.has(req.path)) return text(403, "action_prohibited");
      if (archived.has(req.path)) return text(410, "channel_is_archived");
      return text(200, "ok");
    },
    port,
    (path, req) => {
      if (path === "slack/stats") {
        const prefix = req.query.prefix ?? "";
        return { status: 200, body: watch.stats((scope) => scope.startsWith(prefix)) };
      }
      if (path !== "slack/config" || req.method !== "POST") return undefined;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const lists = { gone, archived, prohibited } as Record<string, Set<string>>;
      for (const [key, value] of Object.entries(body)) {
        if (!lists[key] || !Array.isArray(value) || !value.every((v) => typeof v === "string"))
          return { status: 400, body: { error: `bad config ${key}: ${JSON.stringify(value)}` } };
      }
      for (const [key, value] of Object.entries(body)) for (const v of value as string[]) lists[key]!.add(pathOf(v));
      return { status: 200, body: { ok: true } };
    },
    watch,
  );
}
