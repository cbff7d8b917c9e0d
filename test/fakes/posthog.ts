import { RetryAfterWatch, startFake, type FakeServer, type RecordedRequest, type Reply } from "./fake-server";
import { privateApi, projectState } from "./posthog-app";
import { isSupportPath, supportApi, supportControl } from "./posthog-support";

/**
 * PostHog's capture API as posthog-node speaks it, the product's only capture client
 * (src/services/posthog-capture.ts): a `POST /batch/` of `{api_key, batch: [...], sent_at}`, gzipped.
 * Requests are held to what the SDK itself sends (its wire snapshots, PostHog/posthog-js
 * packages/node/src/__tests__/__snapshots__/server-wire-snapshots.spec.ts.snap, and the source lines
 * cited beside each rule below); anything else is refused, with a 400 in capture's own words.
 * Answers like PostHog's capture service (PostHog/posthog rust/capture/src/api.rs `CaptureError`,
 * token.rs): 200 `{"status":"Ok"}`; errors as plain text, 400 for a malformed body or event, 401 for a
 * missing or malformed api key, 429/503 for rate limits and outages.
 *
 * Controls: `POST /__fake/posthog/config {"unavailable": {"status": 429|503, "retryAfter"?: "30",
 * "times"?: N, "body"?: "…"} | null}` makes the next N capture requests (default 1) answer that
 * (with that Retry-After); `GET /__fake/posthog/stats` gives PacingStats for capture (429 and 503
 * answers counted as rateLimited, scripted ones too; early = sent before an earlier Retry-After ran out);
 * `GET /__fake/posthog/events` lists the events PostHog accepted (answered 200), in arrival order.
 * A scripted reply with `dropConnection` closes the connection instead of answering.
 */
interface Unavailable {
  status: 429 | 503;
  retryAfter?: string;
  times: number;
  body?: string;
}
let unavailable: Unavailable | undefined;

/** Every event a 200 answered, as it arrived (what PostHog holds). */
const accepted: Array<Record<string, unknown>> = [];

const text = (status: number, body: string): Reply => ({ status, body });

const MAX_EVENT_BYTES = 1_000_000;

/** rust/capture/src/token.rs validate_token: why an api key is refused, or undefined. */
function tokenProblem(token: string): string | undefined {
  const t = token.trim();
  if (t === "") return "empty";
  if (t.length > 64) return "too_long";
  if (!/^[\x00-\x7f]*$/.test(t)) return "not_ascii";
  if (t.startsWith("phx_")) return "personal_api_key";
  if (t.includes("\0")) return "null_byte";
  return undefined;
}

/** @posthog/core src/utils/index.ts UUID_REGEX: the SDK replaces anything else with a uuidv7 of its own. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `Date.prototype.toISOString()`, as the SDK writes `timestamp` and `sent_at` (core `currentISOTime`, `normalizeTimestampForWire`). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3,6}Z$/;

const sameKeys = (value: object, required: string[], optional: string[] = []) => {
  const keys = Object.keys(value);
  return required.every((k) => keys.includes(k)) && keys.every((k) => required.includes(k) || optional.includes(k));
};

/**
 * Why a request is not one posthog-node sends, or undefined. Fake rules: real capture takes more
 * (other content types, extra fields, any `$lib`); the product must send only through the SDK.
 */
function notTheSdk(req: RecordedRequest, body: Record<string, unknown>): string | undefined {
  // core posthog-core-stateless.ts sendBatch: `'Content-Type': 'application/json'`, and
  // `'Content-Encoding': 'gzip'` only when it compressed the body.
  if (req.headers["content-type"] !== "application/json") return "content-type is not application/json";
  const encoding = req.headers["content-encoding"];
  if (encoding !== undefined && encoding !== "gzip") return `content-encoding ${encoding}`;
  // posthog-node src/client.ts getCustomUserAgent: `${getLibraryId()}/${getLibraryVersion()}`; the
  // node build names itself posthog-node (the snapshots), its edge build, the one workerd loads
  // (package.json exports `workerd`), posthog-edge (src/entrypoints/index.edge.ts).
  const agent = /^(posthog-node|posthog-edge)\/(\d+\.\d+\.\d+)$/.exec(req.headers["user-agent"] ?? "");
  if (!agent) return `user-agent ${req.headers["user-agent"] ?? "(none)"} is not posthog-node's`;
  // core sendBatch: `{api_key, batch, sent_at}`, and `historical_migration: true` when so configured.
  if (!sameKeys(body, ["api_key", "batch", "sent_at"], ["historical_migration"])) return "unexpected top-level fields";
  if (body.historical_migration !== undefined && body.historical_migration !== true)
    return "historical_migration is not true";
  if (typeof body.sent_at !== "string" || !ISO_TIME.test(body.sent_at)) return "sent_at is not an ISO time";
  for (const event of body.batch as Array<Record<string, unknown>>) {
    // core prepareMessage / normalizeMessage: distinct_id, event, properties, timestamp, uuid, and
    // nothing else (the deprecated `type`, `library`, `library_version` are stripped).
    if (!sameKeys(event, ["distinct_id", "event", "properties", "timestamp", "uuid"])) return "unexpected event fields";
    if (typeof event.uuid !== "string" || !UUID.test(event.uuid)) return "uuid is not a UUID";
    if (typeof event.timestamp !== "string" || !ISO_TIME.test(event.timestamp)) return "timestamp is not an ISO time";
    const p = event.properties as Record<string, unknown> | null;
    if (typeof p !== "object" || p === null || Array.isArray(p)) return "properties is not an object";
    // core getCommonEventProperties: `$lib` and `$lib_version`, the same as the User-Agent's.
    if (p.$lib !== agent[1] || p.$lib_version !== agent[2]) return "$lib / $lib_version differ from the user-agent";
    // posthog-node client.ts getCommonEventProperties: `$is_server: true` unless `isServer: false`.
    if (p.$is_server !== undefined && p.$is_server !== true) return "$is_server is not true";
    // core prepareMessage: `$geoip_disable: true` when geoip is disabled (the default), else absent.
    if (p.$geoip_disable !== undefined && p.$geoip_disable !== true) return "$geoip_disable is not true";
  }
  return undefined;
}

function capture(req: RecordedRequest): Reply {
  if (unavailable) {
    const u = unavailable;
    if (--u.times <= 0) unavailable = undefined;
    return {
      status: u.status,
      headers: u.retryAfter === undefined ? {} : { "retry-after": u.retryAfter },
      body: u.body ?? (u.status === 503 ? "transient error, please retry" : "rate limited"),
    };
  }
  const body = req.body as { api_key?: unknown; batch?: unknown } | string;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return text(400, "failed to parse request: expected a JSON object");
  }
  if (!Array.isArray(body.batch)) return text(400, "failed to parse request: missing field `batch`");
  if (body.batch.length === 0) return text(400, "request holds no event");
  if (body.api_key === undefined || body.api_key === null) return text(401, "event submitted without an api_key");
  if (typeof body.api_key !== "string") return text(400, "failed to parse request: api_key must be a string");
  const bad = tokenProblem(body.api_key);
  if (bad) return text(401, `API key is not valid: ${bad}`);
  for (const event of body.batch as Array<Record<string, unknown>>) {
    if (typeof event !== "object" || event === null) return text(400, "failed to parse request: invalid event");
    if (typeof event.event !== "string" || event.event === "")
      return text(400, "event submitted with an empty event name");
    if (event.distinct_id === undefined || event.distinct_id === null)
      return text(400, "event submitted without a distinct_id");
    if (event.distinct_id === "") return text(400, "event submitted with an empty distinct_id");
    // rust/capture: an event larger than the Kafka producer's message limit (1,000,000 bytes by default,
    // config.rs kafka_producer_message_max_bytes) is refused with 400 EventTooBig.
    if (new TextEncoder().encode(JSON.stringify(event)).length > MAX_EVENT_BYTES)
      return text(400, "maximum event size exceeded");
  }
  const notSdk = notTheSdk(req, body);
  if (notSdk) return text(400, `failed to parse request: ${notSdk} (fake rule: not what posthog-node sends)`);
  accepted.push(...(body.batch as Array<Record<string, unknown>>));
  return { status: 200, body: { status: "Ok" } };
}

/** The capture scope's Retry-After bookkeeping; `/__fake/reset` also forgets the accepted events. */
class CaptureWatch extends RetryAfterWatch {
  override reset(): void {
    super.reset();
    accepted.length = 0;
  }
}
const watch = new CaptureWatch((req) => (req.path === "/batch/" ? ["capture"] : undefined));

export function startFakePostHog(port = 0): Promise<FakeServer> {
  return startFake(
    "posthog",
    (req: RecordedRequest) => {
      // PostHog Support's tickets, as the dispatcher reads them and the alerts write them (posthog-support.ts).
      if (isSupportPath(req.path)) return supportApi(req);
      // The private API's surveys, dashboards and insights, as `npm run posthog-setup` uses them (posthog-app.ts).
      const app = privateApi(req);
      if (app) return app;
      // The private API's person deletion, as the admin erasure uses it.
      const bulkDelete = /^\/api\/projects\/(\d+)\/persons\/bulk_delete\/$/.exec(req.path);
      if (req.method === "POST" && bulkDelete) {
        if (req.headers.authorization !== "Bearer phx_test_personal_key") {
          return { status: 401, body: { type: "authentication_error", code: "authentication_failed" } };
        }
        const body = req.body as { distinct_ids?: unknown; ids?: unknown };
        if (!Array.isArray(body?.distinct_ids) || body.ids !== undefined || body.distinct_ids.length > 1000) {
          return {
            status: 400,
            body: { type: "validation_error", detail: "Provide distinct_ids or ids, not both, at most 1000." },
          };
        }
        return {
          status: 202,
          body: {
            persons_found: body.distinct_ids.length,
            persons_deleted: body.distinct_ids.length,
            events_queued_for_deletion: true,
            recordings_queued_for_deletion: false,
            deletion_errors: [],
          },
        };
      }
      if (req.method !== "POST" || req.path !== "/batch/") return undefined;
      return capture(req);
    },
    port,
    (path, req) => {
      if (path === "posthog/stats") return { status: 200, body: watch.stats("capture") };
      if (path === "posthog/events") return { status: 200, body: accepted };
      if (path.startsWith("posthog/projects/")) return projectState(path);
      if (path.startsWith("posthog-support/")) return supportControl(path, req);
      if (path !== "posthog/config" || req.method !== "POST") return undefined;
      type Asked = Omit<Partial<Unavailable>, "retryAfter"> & { retryAfter?: string | number };
      const u = (req.body as { unavailable?: Asked | null } | undefined)?.unavailable;
      if (u === null) {
        unavailable = undefined;
        return { status: 200, body: { ok: true } };
      }
      if (
        !u ||
        (u.status !== 429 && u.status !== 503) ||
        (u.retryAfter !== undefined && typeof u.retryAfter !== "string" && typeof u.retryAfter !== "number") ||
        (u.times !== undefined && !(Number.isInteger(u.times) && u.times >= 1)) ||
        (u.body !== undefined && typeof u.body !== "string")
      ) {
        return {
          status: 400,
          body: { error: "expected {unavailable: {status: 429|503, retryAfter?, times?, body?} | null}" },
        };
      }
      const retryAfter = u.retryAfter === undefined ? undefined : String(u.retryAfter);
      unavailable = { status: u.status, retryAfter, times: u.times ?? 1, body: u.body };
      return { status: 200, body: { ok: true } };
    },
    watch,
  );
}
