import {
  RetryAfterWatch,
  SlidingWindow,
  retryAfterSeconds,
  startFake,
  type FakeServer,
  type RecordedRequest,
  type Reply,
} from "./fake-server";
import { loadContract } from "./contracts";
import type { ResendStats, SentEmail } from "./types";

/**
 * Resend's email API under `/t/<account>` (the product's RESEND_BASE_URL points there; one account is
 * one Resend team, and every limit below is per team): `POST /emails/batch`. Every request and every
 * 200 answer is checked against Resend's OpenAPI description (test/contracts/resend.json).
 *
 * Controls: `GET /__fake/resend/<account>/sent` (SentEmail[]), `GET …/stats` (ResendStats),
 * `POST …/config` `{requestsPerSecond?, processingDelayMs?}`, `POST …/advance` `{ms}` (moves the
 * team's clock for idempotency keys only; the rate limit runs on real time).
 */

interface Team {
  /** resend.com "Rate limit" docs and changelog: 2 requests a second per team by default (newest docs say 5). */
  window: SlidingWindow;
  /** How long a batch takes to process; lets a test make two requests with one key overlap. */
  processingDelayMs: number;
  clockOffsetMs: number;
  keys: Map<string, { body: string; at: number; reply?: Reply }>;
  arrivals: number[];
  maxInOneSecond: number;
}

const API_KEY = "re_test_key";
const DAY = 86_400_000;
const sent: SentEmail[] = [];
const teams = new Map<string, Team>();
let nextId = 1;

function team(name: string): Team {
  let t = teams.get(name);
  if (!t) {
    t = {
      window: new SlidingWindow(2, 1000),
      processingDelayMs: 0,
      clockOffsetMs: 0,
      keys: new Map(),
      arrivals: [],
      maxInOneSecond: 0,
    };
    teams.set(name, t);
  }
  return t;
}

/** Resend's error body (resend-node src/interfaces.ts ErrorResponse: `{statusCode, name, message}`). */
const problem = (status: number, name: string, message: string, headers?: Record<string, string>): Reply => ({
  status,
  headers,
  body: { statusCode: status, name, message },
});

const EMAIL = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;
/** resend.com API reference, Send Email: `email@example.com` or `Name <email@example.com>`. */
const validAddress = (value: unknown): boolean => {
  if (typeof value !== "string") return false;
  const named = /^[^<>]*<([^<>]+)>$/.exec(value.trim());
  return EMAIL.test(named ? named[1]!.trim() : value.trim());
};
const FORMAT = "The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.";

/**
 * Why one email of a batch is invalid, or undefined. Resend API reference: from, to (at most 50
 * addresses), subject, and html or text are required; resend-node src/batch: no attachments in a batch.
 * (Message wording modelled on Resend's, not verified word for word.)
 */
function invalid(e: unknown): string | undefined {
  if (typeof e !== "object" || e === null || Array.isArray(e)) return "Each email must be an object.";
  const email = e as Record<string, unknown>;
  if (email.from === undefined) return "Missing `from` field.";
  if (!validAddress(email.from)) return `Invalid \`from\` field. ${FORMAT}`;
  if (email.to === undefined) return "Missing `to` field.";
  const to = Array.isArray(email.to) ? email.to : [email.to];
  if (to.length === 0) return "Missing `to` field.";
  if (to.length > 50) return "Invalid `to` field. A maximum of 50 recipients is allowed.";
  if (!to.every(validAddress)) return `Invalid \`to\` field. ${FORMAT}`;
  if (typeof email.subject !== "string" || email.subject === "") return "Missing `subject` field.";
  if (typeof email.html !== "string" && typeof email.text !== "string") return "Missing `html` or `text` field.";
  if (email.attachments !== undefined) return "Attachments are not supported in the batch endpoint.";
  return undefined;
}

function rateHeaders(t: Team, now: number): Record<string, string> {
  return {
    "ratelimit-limit": String(t.window.limit),
    "ratelimit-remaining": String(Math.max(0, t.window.limit - t.window.used(now))),
    "ratelimit-reset": String(retryAfterSeconds(t.window.resetMs(now))),
  };
}

function send(account: string, emails: Array<Record<string, unknown>>, key: string): Array<{ id: string }> {
  return emails.map((e) => {
    // resend-openapi Email.id: a UUID (its example: 4ef9a417-02e9-4d39-ad75-9611e0fcc33c).
    const id = `4ef9a417-0000-4000-8000-${String(nextId++).padStart(12, "0")}`;
    sent.push({
      id,
      account,
      from: e.from as string,
      to: (Array.isArray(e.to) ? e.to : [e.to]) as string[],
      subject: e.subject as string,
      html: e.html as string,
      text: e.text as string,
      headers: (e.headers as Record<string, string>) ?? {},
      idempotencyKey: key,
    });
    return { id };
  });
}

async function batch(account: string, req: RecordedRequest): Promise<Reply> {
  // resend.com API reference, Introduction: a User-Agent is required (403, Cloudflare error 1010).
  if (!req.headers["user-agent"])
    return problem(403, "missing_user_agent", "Requests without a User-Agent header are rejected.");
  // resend-node src/interfaces.ts (RESEND_ERROR_CODES_BY_KEY): missing_api_key 401, invalid_api_key 403.
  const auth = req.headers.authorization ?? "";
  if (!auth.startsWith("Bearer ") || auth === "Bearer ")
    return problem(401, "missing_api_key", "Missing API key in the authorization header.");
  if (auth !== `Bearer ${API_KEY}`) return problem(403, "invalid_api_key", "API key is invalid.");

  const t = team(account);
  const now = req.at;
  t.arrivals = t.arrivals.filter((at) => at > now - 1000);
  t.arrivals.push(now);
  t.maxInOneSecond = Math.max(t.maxInOneSecond, t.arrivals.length);
  // resend.com "Rate limit": over the team's limit, 429 rate_limit_exceeded with retry-after and the
  // ratelimit-* headers (IETF draft); refused requests do not use up the window.
  const wait = t.window.take(now);
  if (wait > 0) {
    return problem(
      429,
      "rate_limit_exceeded",
      `Too many requests. You can only make ${t.window.limit} requests per second. See rate limit response headers for more information. Or contact support to increase rate limit.`,
      { ...rateHeaders(t, now), "ratelimit-remaining": "0", "retry-after": String(retryAfterSeconds(wait)) },
    );
  }
  const headers = rateHeaders(t, now);
  const withHeaders = (r: Reply): Reply => ({ ...r, headers: { ...headers, ...r.headers } });

  // resend.com "Idempotency keys" (resend-node src/interfaces.ts): 1 to 256 characters, kept 24 hours;
  // same key and body: the first answer, nothing sent; another body: 409 invalid_idempotent_request;
  // the first still in progress: 409 concurrent_idempotent_requests. Only a 200 keeps its key here.
  const key = req.headers["idempotency-key"];
  if (key !== undefined) {
    if (key.length < 1 || key.length > 256)
      return withHeaders(problem(400, "invalid_idempotency_key", "The key must be between 1-256 chars."));
    const clock = now + t.clockOffsetMs;
    const earlier = t.keys.get(key);
    if (earlier && clock - earlier.at >= DAY) t.keys.delete(key);
    else if (earlier) {
      if (!earlier.reply)
        return withHeaders(
          problem(
            409,
            "concurrent_idempotent_requests",
            "Same idempotency key used while original request is still in progress.",
          ),
        );
      if (earlier.body !== req.rawBody)
        return withHeaders(
          problem(409, "invalid_idempotent_request", "Same idempotency key used with a different request payload."),
        );
      return withHeaders(earlier.reply);
    }
  }

  const emails = req.body as unknown[];
  // resend-openapi /emails/batch: an array of 1 to 100 emails.
  if (!Array.isArray(emails) || emails.length === 0)
    return withHeaders(problem(422, "validation_error", "The request body must be a non-empty array."));
  if (emails.length > 100) return withHeaders(problem(422, "validation_error", "A batch may hold at most 100 emails."));
  // resend-node src/batch/batch.ts: header `x-batch-validation`, 'strict' (default: one invalid email
  // fails the request, 422) or 'permissive' (valid ones are sent; `errors: [{index, message}]` beside `data`).
  const permissive = req.headers["x-batch-validation"] === "permissive";
  const errors = emails.flatMap((e, index) => {
    const message = invalid(e);
    return message === undefined ? [] : [{ index, message }];
  });
  if (!permissive && errors.length > 0) return withHeaders(problem(422, "validation_error", errors[0]!.message));

  if (key !== undefined) t.keys.set(key, { body: req.rawBody, at: now + t.clockOffsetMs });
  if (t.processingDelayMs > 0) await new Promise((r) => setTimeout(r, t.processingDelayMs));
  const valid = emails.filter((_, i) => !errors.some((e) => e.index === i)) as Array<Record<string, unknown>>;
  const data = send(account, valid, key ?? "");
  const reply: Reply = { status: 200, body: permissive ? { data, errors } : { data } };
  if (key !== undefined) t.keys.get(key)!.reply = reply;
  return withHeaders(reply);
}

const watch = new RetryAfterWatch((req) => {
  const m = /^\/t\/([\w-]+)\//.exec(req.path);
  return m ? [m[1]!] : undefined;
});

function control(account: string, action: string, req: RecordedRequest): Reply | undefined {
  const t = team(account);
  if (action === "sent") return { status: 200, body: sent.filter((e) => e.account === account) };
  if (action === "stats") {
    const s = watch.stats(account);
    const stats: ResendStats = { ...s, maxInOneSecond: t.maxInOneSecond };
    return { status: 200, body: stats };
  }
  if (req.method !== "POST") return undefined;
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (action === "advance") {
    if (typeof body.ms !== "number" || !(body.ms >= 0)) return { status: 400, body: { error: "advance needs {ms}" } };
    t.clockOffsetMs += body.ms;
    return { status: 200, body: { ok: true, clockOffsetMs: t.clockOffsetMs } };
  }
  if (action === "config") {
    for (const [k, value] of Object.entries(body)) {
      if (k === "requestsPerSecond" && Number.isInteger(value) && (value as number) >= 1)
        t.window.limit = value as number;
      else if (k === "processingDelayMs" && Number.isInteger(value) && (value as number) >= 0)
        t.processingDelayMs = value as number;
      else return { status: 400, body: { error: `bad config ${k}: ${JSON.stringify(value)}` } };
    }
    return { status: 200, body: { ok: true } };
  }
  return undefined;
}

export function startFakeResend(port = 0): Promise<FakeServer> {
  return startFake(
    "resend",
    (req) => {
      const m = /^\/t\/([\w-]+)\/emails\/batch$/.exec(req.path);
      if (req.method === "POST" && m) return batch(m[1]!, req);
      return undefined;
    },
    port,
    (path, req) => {
      const m = /^resend\/([\w-]+)\/(sent|stats|config|advance)$/.exec(path);
      return m ? control(m[1]!, m[2]!, req) : undefined;
    },
    watch,
    { contract: loadContract("resend") },
  );
}
