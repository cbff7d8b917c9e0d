import { done, notSent, retry, type Outcome } from "./outcome";
import { blockedUntil, holdOff } from "./pacer";
import { callService, type ServiceResponse } from "./request";

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

/** Events per request: posthog-node's default batch size, well under capture's 20 MB body limit. */
export const CAPTURE_BATCH_SIZE = 100;

/** How long PostHog has to answer one request (posthog-node's own default). */
const TIMEOUT_MS = 10_000;

/** The SDK's answer type for its `fetch` option (@posthog/core src/types.ts `PostHogFetchResponse`). */
interface SdkResponse {
  status: number;
  text: () => Promise<string>;
  json: () => Promise<unknown>;
  headers: { get(name: string): string | null };
}

/** What the SDK hands its `fetch` option as a body (@posthog/core src/types.ts `PostHogFetchOptions`). */
async function bytesOf(body: string | Blob | Uint8Array | undefined): Promise<string | Uint8Array | undefined> {
  return body instanceof Blob ? new Uint8Array(await body.arrayBuffer()) : body;
}

/**
 * Sends up to 100 events to PostHog's capture API in one request, through posthog-node (its edge
 * build, which wrangler picks by the package's `workerd` export condition): the SDK builds the
 * request (a gzipped `POST /batch/` of `{api_key, batch, sent_at}`, `$lib` and `$lib_version` on
 * every event) and we own delivery. D1 is the source of truth and retries from there, so the SDK
 * keeps nothing and retries nothing:
 * - one client per call, `capture` per event and one awaited `flush()`, which rejects when the
 *   request fails (`captureImmediate` and `shutdown()` only log or emit the error);
 * - `fetchRetryCount: 0` (its default is 3 retries, 3 s apart, inside this invocation);
 * - `flushAt` above the batch and `flushInterval: 0`: it never sends on its own, so the flush below
 *   is the one request, of every event (`maxBatchSize`);
 * - its `fetch` option runs the request through `callService`, which reads the status, the
 *   Retry-After and the body, and classifies them as every other service's answers are (PostHog
 *   answers 400, 401, 429 and 503 with plain-text bodies, rust/capture/src/api.rs): a 429, or a 503
 *   with Retry-After, holds every caller off until then (through D1); other 5xx, timeouts and lost
 *   connections back off; 400 and 401 are permanent refusals (the caller keeps the answer and
 *   retries it later anyway).
 * The SDK is loaded here, on the first event sent, so no page a customer opens evaluates it.
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

  let outcome: Outcome<ServiceResponse> | undefined;
  let toldToWait = false;
  const { PostHog } = await import("posthog-node");
  const client = new PostHog(target.apiKey, {
    host: target.host,
    fetchRetryCount: 0,
    flushAt: CAPTURE_BATCH_SIZE + 1,
    maxBatchSize: CAPTURE_BATCH_SIZE,
    flushInterval: 0,
    // callService's own timeout answers first, with its message; the SDK's is only a backstop.
    requestTimeout: TIMEOUT_MS + 5_000,
    // `$geoip_disable: true` on every event (also the SDK's default): the request comes from a
    // Cloudflare data centre, not from the customer, so PostHog must not place the person there.
    disableGeoip: true,
    fetch: async (url, init): Promise<SdkResponse> => {
      let answer: ServiceResponse | undefined;
      outcome = await callService({
        service: "PostHog",
        url,
        method: init.method,
        headers: init.headers,
        body: await bytesOf(init.body),
        timeoutMs: TIMEOUT_MS,
        fetcher: target.fetch ?? fetch,
        attempt: target.attempt,
        classify: (r) => {
          answer = r;
          toldToWait = r.status === 429 || (r.status === 503 && r.headers.get("retry-after") !== null);
          return undefined;
        },
      });
      // No answer (a timeout, a lost connection): the SDK sees a network error.
      if (!answer) throw new Error(outcome.kind === "done" ? "no answer" : outcome.reason);
      const { status, text, headers } = answer;
      return { status, headers, text: async () => text, json: async () => JSON.parse(text) };
    },
  });
  for (const e of events)
    client.capture({
      distinctId: e.distinctId,
      event: e.event,
      properties: e.properties,
      timestamp: e.timestamp,
      uuid: e.uuid,
    });
  let error: unknown;
  try {
    await client.flush();
  } catch (err) {
    error = err ?? "flush failed";
  }
  if (error === undefined && outcome?.kind === "done") return done(null);
  // Neither should happen (the SDK sent nothing, or failed after a 2xx); the answer waits all the same.
  const result: Outcome<never> =
    outcome === undefined
      ? retry(TIMEOUT_MS, "PostHog: the SDK sent no request", false)
      : outcome.kind === "done"
        ? retry(TIMEOUT_MS, `PostHog: the SDK failed after PostHog accepted: ${String(error)}`, true)
        : outcome;
  // A 429, or a 503 with Retry-After, holds every other caller off too.
  if (result.kind === "retry" && toldToWait)
    await holdOff(target.db, paceKey, Date.now() + result.afterMs, result.reason);
  return result;
}
