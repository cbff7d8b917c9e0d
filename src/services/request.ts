import * as v from "valibot";
import { waitBeforeRetryMs } from "./backoff";
import { done, failed, notSent, retry, type Outcome } from "./outcome";
import { holdOff, takeSlot, type PaceRule } from "./pacer";

/** What came back from a service: the status, headers and (size-limited) body text. */
export interface ServiceResponse {
  status: number;
  headers: Headers;
  text: string;
}

export interface ServiceRequest {
  /** The service's name, for messages: "Zendesk", "Resend", "Slack", "PostHog". */
  service: string;
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  timeoutMs: number;
  fetcher: typeof fetch;
  /** Pacing to the service's documented limit, shared by every invocation (see pacer.ts). */
  pace?: { db: D1Database; rule: PaceRule; maxWaitMs: number; sleep?: (ms: number) => Promise<void> };
  /** Which try this is (for the back-off when the service gives no Retry-After). */
  attempt?: number;
  /** The wait after a 429 that gave no usable Retry-After (or 0); else the back-off from the pacing interval. */
  unspecifiedWaitMs?: number;
  /** Service-specific answers, looked at before the generic rules below (e.g. Zendesk's 403, Resend's 409s). */
  classify?: (response: ServiceResponse) => Outcome<ServiceResponse> | undefined;
}

/** A body parsed as JSON, or undefined when it is not JSON (a proxy's HTML page, a truncated answer). */
function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A service's JSON answer in its documented shape, or undefined when it is not JSON or not that shape. */
export function jsonAnswer<S extends v.GenericSchema>(text: string, schema: S): v.InferOutput<S> | undefined {
  const parsed = v.safeParse(schema, jsonOf(text));
  return parsed.success ? parsed.output : undefined;
}

export function excerpt(text: string): string {
  const max = 200;
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/**
 * One request to an outside service, paced and classified:
 * 2xx is done; 429 waits for its Retry-After (and holds every other caller off until then);
 * 408, 5xx, timeouts and lost connections are retried, flagged as possibly done; any other 4xx is a
 * permanent failure with the service's own message. A Retry-After of 0, or none, still waits at
 * least the service's pacing interval. The whole body is read, however large.
 */
export async function callService(request: ServiceRequest): Promise<Outcome<ServiceResponse>> {
  const sent = await send(request);
  if (sent.kind !== "sent") return sent.outcome;
  const text = await sent.response.text().catch(() => "");
  const answer: ServiceResponse = { status: sent.response.status, headers: sent.response.headers, text };
  const special = request.classify?.(answer);
  if (special) return special;
  if (sent.response.ok) return done(answer);
  return refusal(request, answer);
}

/**
 * The same request, with a 2xx body handed to `read` as a stream instead of being read into one
 * string (export pages of many megabytes). `read` answers the outcome itself; anything else is
 * classified as by callService (`classify` then sees only the answers that are not 2xx).
 */
export async function callServiceStreaming<T>(
  request: ServiceRequest,
  read: (body: ReadableStream<Uint8Array>, response: Response) => Promise<Outcome<T>>,
): Promise<Outcome<T>> {
  const sent = await send(request);
  if (sent.kind !== "sent") return sent.outcome;
  const response = sent.response;
  if (response.ok) return read(response.body ?? new Response("").body!, response);
  const answer: ServiceResponse = {
    status: response.status,
    headers: response.headers,
    text: await response.text().catch(() => ""),
  };
  const special = request.classify?.(answer);
  if (special) return special as Outcome<T>;
  return refusal(request, answer);
}

const floorOf = (request: ServiceRequest) =>
  request.pace ? Math.ceil(request.pace.rule.windowMs / request.pace.rule.limit) : 1000;

/** Takes the request's pacing slot and sends it; an outcome when no answer came. */
async function send(
  request: ServiceRequest,
): Promise<{ kind: "sent"; response: Response } | { kind: "unanswered"; outcome: Outcome<never> }> {
  const attempt = request.attempt ?? 1;
  if (request.pace) {
    const slot = await takeSlot(request.pace.db, request.pace.rule, request.pace.maxWaitMs, request.pace.sleep);
    if (!slot.ok) return { kind: "unanswered", outcome: notSent(slot.waitMs, `${request.service}: ${slot.reason}`) };
  }
  try {
    // Called as a plain function: workerd refuses `fetch` called as a method of another object.
    const fetcher = request.fetcher;
    const response = await fetcher(request.url, {
      method: request.method ?? "GET",
      headers: request.headers,
      // (A type-only cast: node's DOM typings, which the CLIs compile with, accept only ArrayBuffer-backed bytes.)
      body: request.body as BodyInit | undefined,
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    return { kind: "sent", response };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    const reason = timedOut
      ? `${request.service} did not answer within ${request.timeoutMs / 1000} s`
      : `${request.service} could not be reached: ${err instanceof Error ? err.message : String(err)}`;
    return {
      kind: "unanswered",
      outcome: retry(waitBeforeRetryMs(null, { attempt, floorMs: floorOf(request) }), reason, true),
    };
  }
}

/** A non-2xx answer that no `classify` claimed: wait and retry, or fail for good. */
async function refusal(request: ServiceRequest, answer: ServiceResponse): Promise<Outcome<never>> {
  const { status, headers, text } = answer;
  const floorMs = floorOf(request);
  const reason = `${request.service} answered ${status}${text ? `: ${excerpt(text)}` : ""}`;
  const retryAfter = headers.get("retry-after");
  if (status === 429 || status === 408 || status >= 500) {
    const waitMs = waitBeforeRetryMs(retryAfter, {
      attempt: request.attempt ?? 1,
      floorMs,
      baseMs: status === 429 ? floorMs : undefined,
      fallbackMs: status === 429 ? request.unspecifiedWaitMs : undefined,
    });
    if (request.pace && (status === 429 || retryAfter !== null))
      await holdOff(
        request.pace.db,
        [request.pace.rule.key, ...(request.pace.rule.alsoHolds ?? [])],
        Date.now() + waitMs,
        reason,
      );
    // A 429 was refused before any work was done; a 5xx or 408 may have done it anyway.
    return { ...retry(waitMs, reason, status !== 429), status };
  }
  return { ...failed(reason, { code: String(status) }), status };
}
