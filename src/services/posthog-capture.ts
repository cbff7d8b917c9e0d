import { PostHog } from "posthog-node";
import { waitBeforeRetryMs } from "./backoff";
import { done, failed, notSent, retry, type Outcome } from "./outcome";
import { blockedUntil, holdOff } from "./pacer";

export interface PostHogTarget {
  apiKey: string;
  host: string;
  fetch?: typeof fetch;
  /** For Retry-After: a 429 or 503 holds every caller off until it has passed. */
  db: D1Database;
  /** Which try this is (back-off when PostHog gives no Retry-After). */
  attempt?: number;
}

export interface CaptureMessage {
  distinctId: string;
  event: string;
  properties: Record<string, unknown>;
  timestamp: Date;
  uuid: string;
}

/** PostHog's batch endpoint takes up to this many events in one request (posthog-node's batch size). */
export const CAPTURE_BATCH_SIZE = 100;

/**
 * Sends up to 100 events to PostHog's capture API through posthog-node, as one gzipped `POST
 * /batch/`. posthog-node would retry on its own for seconds; we retry from D1 instead, so one quick
 * attempt here. Capture answers 400, 401, 429 and 503 with plain-text bodies
 * (PostHog/posthog rust/capture/src/api.rs): 429 and 503 wait for their Retry-After (every caller
 * does, through D1), 5xx and timeouts back off, 400 and 401 are permanent.
 */
export async function captureToPostHog(
  target: PostHogTarget,
  messages: CaptureMessage | CaptureMessage[],
): Promise<Outcome<null>> {
  const events = Array.isArray(messages) ? messages : [messages];
  if (events.length === 0) return done(null);
  if (events.length > CAPTURE_BATCH_SIZE) throw new Error(`at most ${CAPTURE_BATCH_SIZE} events per request`);
  const attempt = target.attempt ?? 1;
  const paceKey = `posthog:${target.host}`;
  const heldUntil = await blockedUntil(target.db, paceKey);
  if (heldUntil > Date.now()) return notSent(heldUntil - Date.now(), "PostHog asked us to wait (Retry-After)");

  let answer: { status: number; retryAfter: string | null; text: string } | undefined;
  const baseFetch = target.fetch ?? fetch;
  const observingFetch: typeof fetch = async (input, init) => {
    const response = await baseFetch(input, init);
    const text = await response.clone().text().catch(() => "");
    answer = { status: response.status, retryAfter: response.headers.get("retry-after"), text: text.slice(0, 200) };
    return response;
  };
  const client = new PostHog(target.apiKey, {
    host: target.host,
    // Nothing leaves until flush(): all the events go in one request.
    flushAt: CAPTURE_BATCH_SIZE + 1,
    flushInterval: 0,
    maxBatchSize: CAPTURE_BATCH_SIZE,
    fetchRetryCount: 0,
    requestTimeout: 10_000,
    fetch: observingFetch as never,
  });
  let failure: string | null = null;
  client.on("error", (err: unknown) => {
    failure ??= err instanceof Error ? err.message : String(err);
  });
  for (const e of events) {
    client.capture({
      distinctId: e.distinctId,
      event: e.event,
      properties: e.properties,
      timestamp: e.timestamp,
      uuid: e.uuid,
    });
  }
  try {
    await client.flush();
  } catch (err) {
    failure ??= err instanceof Error ? err.message : String(err);
  }
  await client.shutdown(1_000).catch(() => undefined);

  if (answer && answer.status >= 200 && answer.status < 300 && failure === null) return done(null);
  if (!answer) return retry(waitBeforeRetryMs(null, { attempt, floorMs: 1000 }), `PostHog could not be reached: ${failure}`, true);
  const reason = `PostHog answered ${answer.status}${answer.text ? `: ${answer.text}` : ""}`;
  if (answer.status === 429 || answer.status >= 500) {
    const waitMs = waitBeforeRetryMs(answer.retryAfter, { attempt, floorMs: 1000 });
    if (answer.retryAfter !== null || answer.status === 429) await holdOff(target.db, paceKey, Date.now() + waitMs, reason);
    return retry(waitMs, reason, answer.status !== 429);
  }
  if (answer.status >= 200 && answer.status < 300) return retry(60_000, `PostHog: ${failure}`, true);
  return failed(reason, String(answer.status));
}
