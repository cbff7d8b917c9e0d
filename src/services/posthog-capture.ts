import { done, notSent, type Outcome } from "./outcome";
import { blockedUntil, holdOff } from "./pacer";
import { callService } from "./request";

/** How our events name their sender in PostHog (`$lib`), as SDKs do. */
const LIBRARY = "hedgehog-csat";
const LIBRARY_VERSION = "1.0.0";

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

/** Events per request: posthog-node's batch size, well under capture's 20 MB body limit. */
export const CAPTURE_BATCH_SIZE = 100;

/** Gzips a request body (capture accepts `Content-Encoding: gzip`, as posthog-node sends it). */
async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Sends up to 100 events to PostHog's capture API in one request, in the wire format of PostHog's
 * own server SDK (posthog-node): a gzipped `POST /batch/` of `{api_key, batch: [{event,
 * distinct_id, properties, timestamp, uuid}], sent_at}`, with `$lib` and `$lib_version` in each
 * event's properties. Spoken directly rather than through posthog-node, which with @posthog/core was
 * most of the Worker's bundle and slowed every cold start of the survey page (bench/first-view.ts).
 * One attempt here; we retry from D1. Capture answers 400, 401, 429 and 503 with plain-text bodies
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
  const paceKey = `posthog:${target.host}`;
  const heldUntil = await blockedUntil(target.db, paceKey);
  if (heldUntil > Date.now()) return notSent(heldUntil - Date.now(), "PostHog asked us to wait (Retry-After)");
  const body = JSON.stringify({
    api_key: target.apiKey,
    batch: events.map((e) => ({
      event: e.event,
      distinct_id: e.distinctId,
      properties: { ...e.properties, $lib: LIBRARY, $lib_version: LIBRARY_VERSION },
      timestamp: e.timestamp.toISOString(),
      uuid: e.uuid,
    })),
    sent_at: new Date().toISOString(),
  });
  let toldToWait = false;
  const result = await callService({
    service: "PostHog",
    url: `${target.host}/batch/`,
    method: "POST",
    headers: {
      "content-type": "application/json",
      "content-encoding": "gzip",
      "user-agent": `${LIBRARY}/${LIBRARY_VERSION}`,
    },
    body: await gzip(body),
    timeoutMs: 10_000,
    fetcher: target.fetch ?? fetch,
    attempt: target.attempt,
    classify: (r) => {
      toldToWait = r.status === 429 || (r.status === 503 && r.headers.get("retry-after") !== null);
      return undefined;
    },
  });
  if (result.kind === "done") return done(null);
  // A 429, or a 503 with Retry-After, holds every other caller off too.
  if (result.kind === "retry" && toldToWait)
    await holdOff(target.db, paceKey, Date.now() + result.afterMs, result.reason);
  return result;
}
