import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import type { Contract } from "./contracts";
import type { ContractViolation, PacingStats, RecordedRequest, Reply, Route, ScriptedReply } from "./types";

export type { RecordedRequest, Reply, Route, ScriptedReply } from "./types";

/** Whole seconds a client must wait for `ms` to pass, as a Retry-After header says it: at least 1. */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * A sliding-window limit: at most `limit` counted requests in any `windowMs`. Only what the caller
 * counts is kept (the fakes count the requests they did not refuse with a 429).
 */
export class SlidingWindow {
  private hits: number[] = [];
  constructor(
    public limit: number,
    readonly windowMs: number,
  ) {}

  used(now = Date.now()): number {
    while (this.hits.length > 0 && this.hits[0]! <= now - this.windowMs) this.hits.shift();
    return this.hits.length;
  }

  /** Milliseconds until one more request fits (0: it fits now). */
  waitMs(now = Date.now()): number {
    const used = this.used(now);
    if (used < this.limit) return 0;
    if (this.limit <= 0) return this.windowMs;
    return this.hits[used - this.limit]! + this.windowMs - now;
  }

  /** Milliseconds until the oldest counted request leaves the window (0: none counted). */
  resetMs(now = Date.now()): number {
    return this.used(now) === 0 ? 0 : this.hits[0]! + this.windowMs - now;
  }

  /** Counts `n` requests made at `now` (e.g. quota another integration used just now). */
  add(now = Date.now(), n = 1): void {
    for (let i = 0; i < n; i++) this.hits.push(now);
    this.hits.sort((a, b) => a - b);
  }

  /** Counts one request if it fits and answers 0; otherwise counts nothing and answers the wait in ms. */
  take(now = Date.now()): number {
    const wait = this.waitMs(now);
    if (wait === 0) this.add(now);
    return wait;
  }
}

function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
  const key = Object.keys(headers ?? {}).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers![key];
}

/**
 * Watches 429 and 503 answers that carry a Retry-After and counts the requests that come back before
 * it has passed ("early" requests: a well-behaved client never sends one). A fake names, for every
 * request, the rate-limit scopes it falls in, broadest first (e.g. `acct`, `acct:export`); a refusal
 * closes the scope its reply names in `limitScope`, or else the request's endpoint scope (the second
 * one, or the only one). A request is early when any of its scopes is still closed. Scripted replies
 * count too, so a test can script a 503 with Retry-After and then see whether the product waited.
 */
export class RetryAfterWatch {
  private closedUntil = new Map<string, number>();
  private counts = new Map<string, PacingStats>();

  constructor(readonly scopes: (req: RecordedRequest) => string[] | undefined) {}

  private count(scope: string): PacingStats {
    let c = this.counts.get(scope);
    if (!c) {
      c = { requests: 0, rateLimited: 0, earlyRequests: 0 };
      this.counts.set(scope, c);
    }
    return c;
  }

  arrived(req: RecordedRequest): void {
    const scopes = this.scopes(req);
    if (!scopes) return;
    const early = scopes.some((s) => req.at < (this.closedUntil.get(s) ?? 0));
    for (const s of scopes) {
      this.count(s).requests++;
      if (early) this.count(s).earlyRequests++;
    }
  }

  answered(req: RecordedRequest, reply: Reply): void {
    const scopes = this.scopes(req);
    if (!scopes || (reply.status !== 429 && reply.status !== 503)) return;
    for (const s of scopes) this.count(s).rateLimited++;
    const header = headerValue(reply.headers, "retry-after");
    if (header === undefined) return;
    const ms = /^\d+$/.test(header.trim()) ? Number(header) * 1000 : Date.parse(header) - Date.now();
    if (!Number.isFinite(ms)) return;
    this.closedUntil.set(reply.limitScope ?? scopes[Math.min(1, scopes.length - 1)]!, Date.now() + ms);
  }

  /** Counts for one scope, or summed over the scopes a predicate picks (each request counted once per scope). */
  stats(scope: string | ((scope: string) => boolean)): PacingStats {
    const total: PacingStats = { requests: 0, rateLimited: 0, earlyRequests: 0 };
    for (const [s, c] of this.counts) {
      if (typeof scope === "string" ? s !== scope : !scope(s)) continue;
      total.requests += c.requests;
      total.rateLimited += c.rateLimited;
      total.earlyRequests += c.earlyRequests;
    }
    return total;
  }

  reset(): void {
    this.closedUntil.clear();
    this.counts.clear();
  }
}

/**
 * A loopback HTTP server that plays an outside service. Every request is recorded. Tests steer it
 * through `/__fake/*` (script the next answers, read what arrived, reset), and any request that no
 * route expects is answered 404 and listed under `/__fake/unexpected`, which tests assert is empty.
 * With a contract (the vendor's API description), every request to one of its operations and every
 * 200/201 answered to it is checked against it, and what it does not allow is listed under
 * `/__fake/contract-violations`, which tests assert is empty too.
 */
export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  unexpected: RecordedRequest[];
  violations: ContractViolation[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Sends a reply; answers the whole body's size in bytes (what was promised, even if cut off). */
function send(res: ServerResponse, reply: Reply): number {
  const isJson = reply.body !== undefined && typeof reply.body !== "string";
  const body = Buffer.from(reply.body === undefined ? "" : isJson ? JSON.stringify(reply.body) : String(reply.body));
  res.writeHead(reply.status, {
    "content-type": isJson ? "application/json; charset=utf-8" : "text/plain; charset=utf-8",
    "content-length": String(body.length),
    ...reply.headers,
  });
  if (reply.cutAfterBytes !== undefined && reply.cutAfterBytes < body.length) {
    // The whole body's length was promised; part of it is written, then the connection is lost.
    res.write(body.subarray(0, reply.cutAfterBytes), () => res.destroy());
    return body.length;
  }
  res.end(body);
  return body.length;
}

export interface FakeOptions {
  /** The vendor's API description the fake's traffic is checked against (test/fakes/contracts.ts). */
  contract?: Contract;
  /** Called after each answer to a service request (not a control), with the body's size in bytes. */
  answered?: (req: RecordedRequest, reply: Reply, bytes: number) => void;
}

export async function startFake(
  name: string,
  route: Route,
  port = 0,
  control?: (path: string, req: RecordedRequest) => Reply | undefined,
  /** Early-request bookkeeping shared by the fake's route and its scripted replies; reset by `/__fake/reset`. */
  watch?: RetryAfterWatch,
  options: FakeOptions = {},
): Promise<FakeServer> {
  const { contract, answered } = options;
  const controlRoute = control;
  const requests: RecordedRequest[] = [];
  const unexpected: RecordedRequest[] = [];
  const violations: ContractViolation[] = [];
  let script: ScriptedReply[] = [];
  const answer = (res: ServerResponse, req: RecordedRequest, reply: Reply & { offContract?: boolean }) => {
    for (const v of contract?.check(req, reply) ?? []) {
      violations.push(v);
      console.error(
        `[fake ${name}] ${v.direction} of ${v.operation} off the vendor's contract: ${v.errors.join("; ")}`,
      );
    }
    const bytes = send(res, reply);
    answered?.(req, reply, bytes);
  };

  const server: Server = createServer(async (req, res) => {
    // When the request arrived (its headers): a service's rate limit counts requests as they arrive,
    // and a large body read by a busy test process must not move a request later than it came.
    const arrivedAt = Date.now();
    try {
      const url = new URL(req.url ?? "/", "http://fake");
      let raw = await readBody(req);
      if (req.headers["content-encoding"] === "gzip") raw = gunzipSync(raw);
      const rawBody = raw.toString("utf8");
      let body: unknown = rawBody;
      if ((req.headers["content-type"] ?? "").includes("json") && rawBody !== "") {
        try {
          body = JSON.parse(rawBody);
        } catch {
          body = rawBody;
        }
      }
      const recorded: RecordedRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, val]) => [k, String(val)])),
        rawBody,
        body,
        at: arrivedAt,
      };

      if (url.pathname.startsWith("/__fake/")) {
        const controlPath = url.pathname.slice("/__fake/".length);
        const control = controlPath;
        if (control === "requests") return send(res, { status: 200, body: requests });
        if (control === "unexpected") return send(res, { status: 200, body: unexpected });
        if (control === "contract-violations") return send(res, { status: 200, body: violations });
        if (control === "reset") {
          requests.length = 0;
          unexpected.length = 0;
          violations.length = 0;
          script = [];
          watch?.reset();
          return send(res, { status: 200, body: { ok: true } });
        }
        if (control === "script") {
          script.push(...(body as ScriptedReply[]));
          return send(res, { status: 200, body: { ok: true } });
        }
        const custom = controlRoute?.(controlPath, recorded);
        if (custom) return send(res, custom);
        return send(res, { status: 404, body: { error: `unknown control ${controlPath}` } });
      }

      requests.push(recorded);
      watch?.arrived(recorded);
      const scripted = script.find(
        (s) =>
          (s.method === undefined || s.method === recorded.method) &&
          recorded.path.startsWith(s.path) &&
          (s.bodyIncludes === undefined || rawBody.includes(s.bodyIncludes)),
      );
      if (scripted) {
        scripted.times = (scripted.times ?? 1) - 1;
        if (scripted.times <= 0) script.splice(script.indexOf(scripted), 1);
        if (scripted.applyFirst) await route(recorded);
        if (scripted.dropConnection) {
          req.socket.destroy();
          return;
        }
        watch?.answered(recorded, scripted);
        return answer(res, recorded, scripted);
      }
      const reply = await route(recorded);
      if (reply) {
        watch?.answered(recorded, reply);
        return answer(res, recorded, reply);
      }
      unexpected.push(recorded);
      console.error(`[fake ${name}] unexpected request ${recorded.method} ${recorded.path}`);
      return send(res, {
        status: 404,
        body: { error: `fake ${name}: no route for ${recorded.method} ${recorded.path}` },
      });
    } catch (err) {
      console.error(`[fake ${name}]`, err);
      send(res, { status: 500, body: { error: String(err) } });
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    requests,
    unexpected,
    violations,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
