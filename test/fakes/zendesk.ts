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
import type { FakeTicket, ZendeskStats } from "./types";
import { DEFAULT_PAYLOAD, ticketJson, ticketsWithSideloads, type PayloadOptions } from "./zendesk-payload";

export type { FakeTicket } from "./types";

/**
 * Zendesk's API as the product uses it: the cursor-based incremental ticket export with
 * sideloaded users, groups and metric sets, `show_many`, ticket updates, and a ticket's comments. Each test works in its own account
 * under `/t/<account>` (the product's ZENDESK_BASE_URL points there), seeded through
 * `POST /__fake/zendesk/<account>/tickets`; every limit below is per account.
 *
 * Tickets, users, groups and metric sets carry every field of Zendesk's own objects at real sizes
 * (test/fakes/zendesk-payload.ts): a page of 1000 tickets is about 7.5 MB. Every request and every 200
 * answer is checked against Zendesk's OpenAPI description (test/contracts/zendesk.json).
 *
 * Controls: `POST /__fake/zendesk/<account>/tickets` (FakeTicket[]), `POST …/config` (see Config and
 * configure), `GET …/notes`, `GET …/stats` (ZendeskStats).
 */
interface Config extends PayloadOptions {
  /** Tickets per export page at most, whatever `per_page` asks (Zendesk: up to 1000). */
  pageSize: number;
  email: string;
  token: string;
  /** The token's user. Zendesk OpenAPI, IncrementalTicketExportCursor: "Allowed For: Admins". */
  role: "admin" | "agent";
  /** developer.zendesk.com "Rate limits" (plan limits): 200 (Team) to 700 (Enterprise) requests a minute. */
  requestsPerMinute: number;
  /** developer.zendesk.com "Incremental exports" / "Rate limits": 10 a minute (30 with High Volume). */
  exportPerMinute: number;
  /** developer.zendesk.com "Rate limits" (endpoint limits): Update Ticket, 100 requests a minute per account. */
  updatesPerMinute: number;
  /** Same page: 30 updates per 10 minutes per user per ticket. */
  updatesPerTicketPer10Minutes: number;
}

interface Account extends Config {
  /** The next `responses` export pages are cut off after `afterBytes` bytes of their body. */
  cutOffExports: { responses: number; afterBytes: number };
  /** Bytes of the export pages answered (whole bodies, cut off or not), in order. */
  exportBytes: number[];
  tickets: Map<number, FakeTicket>;
  notes: Array<{ id: number; ticketId: number; body: string; public: boolean; created_at: string }>;
  comments: Map<number, number>;
  general: SlidingWindow;
  exports: SlidingWindow;
  updates: SlidingWindow;
  /** Per `${user}:${ticketId}`. */
  ticketUpdates: Map<string, SlidingWindow>;
}

const MINUTE = 60_000;
/** developer.zendesk.com "Ticket Comments": a ticket holds at most 5000 comments; more is a 422. */
const MAX_COMMENTS = 5000;
/** Not verified in Zendesk's docs: a comment body over 64 KiB is refused (422) in this fake. */
const MAX_COMMENT_CHARS = 65_535;

const accounts = new Map<string, Account>();

function account(name: string): Account {
  let a = accounts.get(name);
  if (!a) {
    a = {
      pageSize: 1000,
      email: "agent@example.com",
      token: "test-zendesk-token",
      role: "admin",
      requestsPerMinute: 700,
      exportPerMinute: 10,
      updatesPerMinute: 100,
      updatesPerTicketPer10Minutes: 30,
      ...DEFAULT_PAYLOAD,
      cutOffExports: { responses: 0, afterBytes: 0 },
      exportBytes: [],
      tickets: new Map(),
      notes: [],
      comments: new Map(),
      general: new SlidingWindow(700, MINUTE),
      exports: new SlidingWindow(10, MINUTE),
      updates: new SlidingWindow(100, MINUTE),
      ticketUpdates: new Map(),
    };
    accounts.set(name, a);
  }
  return a;
}

/**
 * Applies `POST …/config`: any of Config's numbers; `exportUsed: N` counts N export requests made
 * just now by another integration; `payload: "real" | "lean"` (PayloadOptions); `descriptionBytes: N | null` makes every ticket's description N
 * bytes (null: back to seeded sizes); `longLogShare: 0..1` gives that share of tickets a pasted log of
 * about 40 KB (1: a page of 1000 tickets is about 40 MB); `cutOffExports: {responses: N, afterBytes: B}`
 * cuts the next N export pages off after B bytes of their body (the connection closes early).
 */
function configure(a: Account, body: unknown): Reply {
  const numbers = [
    "pageSize",
    "requestsPerMinute",
    "exportPerMinute",
    "updatesPerMinute",
    "updatesPerTicketPer10Minutes",
  ];
  for (const [key, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    if (numbers.includes(key) && Number.isInteger(value) && (value as number) >= 0) {
      (a as unknown as Record<string, number>)[key] = value as number;
    } else if ((key === "email" || key === "token") && typeof value === "string") {
      a[key] = value;
    } else if (key === "role" && (value === "admin" || value === "agent")) {
      a.role = value;
    } else if (key === "exportUsed" && Number.isInteger(value) && (value as number) >= 0) {
      a.exports.add(Date.now(), value as number);
    } else if (key === "payload" && (value === "real" || value === "lean")) {
      a.payload = value;
    } else if (key === "descriptionBytes" && (value === null || (Number.isInteger(value) && (value as number) >= 0))) {
      a.descriptionBytes = value as number | null;
    } else if (key === "longLogShare" && typeof value === "number" && value >= 0 && value <= 1) {
      a.longLogShare = value;
    } else if (key === "cutOffExports" && isCutOff(value)) {
      a.cutOffExports = { ...value };
    } else {
      return { status: 400, body: { error: `bad config ${key}: ${JSON.stringify(value)}` } };
    }
  }
  a.general.limit = a.requestsPerMinute;
  a.exports.limit = a.exportPerMinute;
  a.updates.limit = a.updatesPerMinute;
  for (const w of a.ticketUpdates.values()) w.limit = a.updatesPerTicketPer10Minutes;
  return { status: 200, body: { ok: true } };
}

const isCutOff = (v: unknown): v is { responses: number; afterBytes: number } => {
  const c = v as { responses?: unknown; afterBytes?: unknown } | null;
  return (
    typeof c === "object" &&
    c !== null &&
    Object.keys(c).every((k) => k === "responses" || k === "afterBytes") &&
    Number.isInteger(c.responses) &&
    (c.responses as number) >= 0 &&
    Number.isInteger(c.afterBytes) &&
    (c.afterBytes as number) >= 0
  );
};

const encodeCursor = (updatedAt: number, id: number) =>
  Buffer.from(JSON.stringify([updatedAt, id])).toString("base64url");
const decodeCursor = (cursor: string): [number, number] | undefined => {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    return Array.isArray(value) && value.length === 2 ? (value as [number, number]) : undefined;
  } catch {
    return undefined;
  }
};

const error = (status: number, title: string, description?: string): Reply => ({
  status,
  body: { error: title, ...(description ? { description } : {}) },
});

/**
 * A 429 for a per-minute limit, with Retry-After in seconds (developer.zendesk.com "Rate limits").
 * The JSON body is not verified against a live answer.
 */
const tooMany = (waitMs: number, limitScope: string): Reply => ({
  status: 429,
  headers: { "retry-after": String(retryAfterSeconds(waitMs)) },
  body: { error: "APIRateLimitExceeded", description: "Number of allowed API requests per minute exceeded" },
  limitScope,
});

interface TicketUpdate {
  comment?: { body?: string; public?: boolean };
  custom_fields?: Array<{ id: number; value: unknown }>;
  additional_tags?: string[];
  remove_tags?: string[];
}

/**
 * `GET /api/v2/tickets/show_many.json?ids=…` (developer.zendesk.com "Tickets", Show Multiple
 * Tickets): at most 100 ids, the ones Zendesk does not have simply left out; sideloads as the export's.
 */
function showMany(a: Account, req: RecordedRequest, base: string): Reply {
  const ids = (req.query.ids ?? "").split(",").filter((x) => x !== "");
  if (ids.length === 0 || ids.length > 100 || !ids.every((x) => /^\d+$/.test(x)))
    return error(400, "InvalidValue", "ids must list 1 to 100 ticket ids");
  const include = (req.query.include ?? "").split(",");
  for (const needed of ["users", "groups", "metric_sets"]) {
    if (!include.includes(needed)) return error(400, "InvalidValue", `expected include to list ${needed}`);
  }
  const tickets = ids.map((id) => a.tickets.get(Number(id))).filter((t): t is FakeTicket => t !== undefined);
  return {
    status: 200,
    body: { ...ticketsWithSideloads(tickets, base, a), next_page: null, previous_page: null, count: tickets.length },
  };
}

function exportPage(a: Account, req: RecordedRequest, base: string): Reply {
  const include = (req.query.include ?? "").split(",");
  for (const needed of ["users", "groups", "metric_sets"]) {
    if (!include.includes(needed)) return error(400, "InvalidValue", `expected include to list ${needed}`);
  }
  // developer.zendesk.com "Incremental exports" (cursor-based): per_page 1 to 1000, default 1000 (the
  // OpenAPI description leaves it out). Anything else is refused; the 400's wording is not verified.
  const perPageText = req.query.per_page ?? "1000";
  const perPage = /^\d+$/.test(perPageText) ? Number(perPageText) : NaN;
  if (!(perPage >= 1 && perPage <= 1000))
    return error(400, "InvalidPaginationParameter", "per_page must be a number from 1 to 1000");
  // Zendesk OpenAPI IncrementalTicketExportCursor: start_time "must be at least one minute in the
  // past"; "Using the incremental export API": items changed within the minute before the request
  // are excluded. (The 400's wording is not verified.)
  const cutoff = Date.now() - MINUTE;
  let after: [number, number];
  if (req.query.cursor !== undefined) {
    const decoded = decodeCursor(req.query.cursor);
    if (!decoded) return error(400, "InvalidCursor");
    after = decoded;
  } else if (req.query.start_time !== undefined) {
    const start = Number(req.query.start_time);
    if (!Number.isInteger(start) || start < 0) return error(400, "InvalidValue", "start_time");
    if (start * 1000 > cutoff)
      return error(400, "InvalidValue", "Too recent start_time. Use a start_time older than 1 minute");
    after = [start * 1000 - 1, Number.MAX_SAFE_INTEGER];
  } else {
    return error(400, "InvalidValue", "start_time or cursor is required");
  }
  const ordered = [...a.tickets.values()]
    .map((t) => ({ t, at: Date.parse(t.updated_at) }))
    .filter(({ at }) => !(at > cutoff))
    .sort((x, y) => x.at - y.at || x.t.id - y.t.id)
    .filter(({ t, at }) => at > after[0] || (at === after[0] && t.id > after[1]));
  const size = Math.min(perPage, a.pageSize);
  const page = ordered.slice(0, size);
  const last = page[page.length - 1];
  const afterCursor = last ? encodeCursor(last.at, last.t.id) : encodeCursor(after[0], after[1]);
  const cut = a.cutOffExports.responses > 0 ? a.cutOffExports.afterBytes : undefined;
  if (cut !== undefined) a.cutOffExports.responses--;
  return {
    status: 200,
    cutAfterBytes: cut,
    body: {
      ...ticketsWithSideloads(
        page.map(({ t }) => t),
        base,
        a,
      ),
      after_cursor: afterCursor,
      after_url: `${base}/api/v2/incremental/tickets/cursor.json?cursor=${afterCursor}`,
      before_cursor: null,
      before_url: null,
      end_of_stream: ordered.length <= size,
    },
  };
}

/** Record validation errors share one shape; `details` says which (the closed-ticket text is Zendesk's). */
const recordInvalid = (details: Record<string, Array<{ description: string }>>): Reply => ({
  status: 422,
  body: { error: "RecordInvalid", description: "Record validation errors", details },
});

function updateTicket(
  a: Account,
  name: string,
  user: string,
  ticketId: number,
  req: RecordedRequest,
  base: string,
): Reply {
  const now = Date.now();
  const wait = a.updates.take(now);
  if (wait > 0) return tooMany(wait, `${name}:update`);
  const ticket = a.tickets.get(ticketId);
  if (!ticket) return error(404, "RecordNotFound", "Not found");
  const perTicketKey = `${user}:${ticketId}`;
  let perTicket = a.ticketUpdates.get(perTicketKey);
  if (!perTicket) {
    perTicket = new SlidingWindow(a.updatesPerTicketPer10Minutes, 10 * MINUTE);
    a.ticketUpdates.set(perTicketKey, perTicket);
  }
  const ticketWait = perTicket.waitMs(now);
  if (ticketWait > 0) {
    // developer.zendesk.com "Best practices for avoiding rate limiting": this limit's 429 is plain text.
    return {
      status: 429,
      headers: { "retry-after": String(retryAfterSeconds(ticketWait)), "content-type": "text/html; charset=utf-8" },
      body: "Rate limit for ticket updates exceeded, please wait before updating this ticket again",
      limitScope: `${name}:update:${perTicketKey}`,
    };
  }
  // developer.zendesk.com "Rate limits" / ticket docs: a closed ticket cannot be updated (422).
  if (ticket.status === "closed") {
    return recordInvalid({ status: [{ description: "Status: closed prevents ticket update" }] });
  }
  const update = (req.body as { ticket?: TicketUpdate }).ticket;
  const comment = update?.comment;
  const changesFields =
    update?.custom_fields !== undefined || update?.additional_tags !== undefined || update?.remove_tags !== undefined;
  // Fake-only: the product never sends an update that changes nothing.
  if (!comment?.body && !changesFields) return error(400, "InvalidValue", "the update changes nothing");
  if (changesFields) {
    // developer.zendesk.com "Tickets", update ticket: custom_fields [{id, value}]; additional_tags and
    // remove_tags change the tag list without replacing it.
    const fields = update!.custom_fields ?? [];
    if (!Array.isArray(fields) || fields.some((f) => !Number.isInteger(f?.id)))
      return recordInvalid({ custom_fields: [{ description: "custom_fields must be a list of {id, value}" }] });
    const tagLists = [update!.additional_tags ?? [], update!.remove_tags ?? []];
    if (tagLists.some((l) => !Array.isArray(l) || l.some((t) => typeof t !== "string")))
      return recordInvalid({ tags: [{ description: "tags must be a list of strings" }] });
    const byId = new Map((ticket.custom_fields ?? []).map((f) => [f.id, f.value]));
    for (const f of fields) byId.set(f.id, f.value);
    ticket.custom_fields = [...byId].map(([id, value]) => ({ id, value }));
    const removed = new Set(update!.remove_tags ?? []);
    ticket.tags = [
      ...new Set([...(ticket.tags ?? []).filter((t) => !removed.has(t)), ...(update!.additional_tags ?? [])]),
    ];
    if (!comment?.body) {
      perTicket.add(now);
      return updated(a, ticket, base, user, [
        ...fields.map((f) => ({ type: "Change", field_name: String(f.id), value: String(f.value) })),
        { type: "Change", field_name: "tags", value: (ticket.tags ?? []).join(" ") },
      ]);
    }
  }
  if (!comment?.body) return error(400, "InvalidValue", "ticket.comment.body is required");
  if (comment.body.length > MAX_COMMENT_CHARS) {
    return recordInvalid({
      base: [{ description: `Comment body is too long (maximum is ${MAX_COMMENT_CHARS} characters)` }],
    });
  }
  if ((a.comments.get(ticket.id) ?? 0) >= MAX_COMMENTS) {
    return recordInvalid({ base: [{ description: `Ticket has reached the limit of ${MAX_COMMENTS} comments` }] });
  }
  perTicket.add(now);
  a.comments.set(ticket.id, (a.comments.get(ticket.id) ?? 0) + 1);
  a.notes.push({
    id: a.notes.length + 1,
    ticketId: ticket.id,
    body: comment.body,
    public: comment.public !== false,
    created_at: new Date().toISOString(),
  });
  return updated(a, ticket, base, user, [{ type: "Comment", body: comment.body }]);
}

let nextAuditId = 8_000_000_000;
/**
 * Update Ticket's answer (Zendesk OpenAPI UpdateTicket, TicketUpdateResponse and its example): the
 * whole ticket as it now is, and the audit of the change with its events.
 */
function updated(
  a: Account,
  ticket: FakeTicket,
  base: string,
  user: string,
  events: Array<{ type: string; field_name?: string; value?: string; body?: string }>,
): Reply {
  const auditId = nextAuditId++;
  return {
    status: 200,
    body: {
      ticket: ticketJson(ticket, base, a),
      audit: {
        id: auditId,
        ticket_id: ticket.id,
        created_at: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
        author_id: 360_000_400_000 + (user.length % 100),
        metadata: { system: { client: "hedgehog-csat/1.0", ip_address: "203.0.113.7" }, custom: {} },
        via: { channel: "api", source: { from: {}, to: {}, rel: null } },
        events: events.map((e, i) => ({ id: auditId * 10 + i, ...e })),
      },
    },
  };
}

/**
 * GET /api/v2/tickets/{id}/comments.json (developer.zendesk.com "Ticket Comments", list comments):
 * public replies and internal notes, oldest first unless `sort_order=desc`, offset pages of up to
 * 100 (`per_page`) with `next_page`, `previous_page` and `count`. An unknown ticket is a 404.
 */
function listComments(a: Account, ticketId: number, req: RecordedRequest, base: string): Reply {
  const ticket = a.tickets.get(ticketId);
  if (!ticket) return error(404, "RecordNotFound", "Not found");
  const order = req.query.sort_order ?? "asc";
  // Fake-only: the docs name asc and desc and nothing else; any other value is refused so a typo shows.
  if (order !== "asc" && order !== "desc") return error(400, "InvalidValue", "sort_order must be asc or desc");
  // developer.zendesk.com "Pagination" (offset pagination): per_page up to 100, the default 100.
  const perPage = Math.min(100, Math.max(1, Number(req.query.per_page ?? 100) || 100));
  const page = Math.max(1, Number(req.query.page ?? 1) || 1);
  // The ticket's first comment is the requester's message (the ticket's description), then what was added.
  const first = {
    id: ticketId * 1000,
    ticketId,
    body: ticketJson(ticket, base, a).description,
    public: true,
    created_at: ticket.created_at ?? ticket.updated_at,
    author_id: ticket.requester.id,
    channel: "email",
  };
  const all = [
    first,
    ...a.notes
      .filter((n) => n.ticketId === ticketId)
      .map((n) => ({ ...n, author_id: 360_000_400_001, channel: "api" })),
  ];
  if (order === "desc") all.reverse();
  // Zendesk OpenAPI TicketCommentObject and TicketCommentsResponseExample.
  const items = all.slice((page - 1) * perPage, page * perPage).map((n) => ({
    id: n.id,
    type: "Comment",
    author_id: n.author_id,
    body: n.body,
    html_body: `<div class="zd-comment" dir="auto"><p dir="auto">${escapeHtml(n.body)}</p></div>`,
    plain_body: n.body,
    public: n.public,
    attachments: [],
    audit_id: n.id * 10 + 1,
    via: { channel: n.channel, source: { from: {}, to: {}, rel: null } },
    created_at: n.created_at,
    metadata: { system: { client: "hedgehog-csat/1.0", ip_address: "203.0.113.7" }, custom: {} },
  }));
  const pageUrl = (p: number) =>
    `${base}/api/v2/tickets/${ticketId}/comments.json?page=${p}&per_page=${perPage}&sort_order=${order}`;
  return {
    status: 200,
    body: {
      comments: items,
      next_page: page * perPage < all.length ? pageUrl(page + 1) : null,
      previous_page: page > 1 ? pageUrl(page - 1) : null,
      count: all.length,
    },
  };
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** The account and path of an API request under `/t/<account>`. */
const apiPath = (path: string) => /^\/t\/([\w-]+)(\/api\/v2\/.*)$/.exec(path);
const EXPORT = "/api/v2/incremental/tickets/cursor.json";
const SHOW_MANY = "/api/v2/tickets/show_many.json";
const UPDATE = /^\/api\/v2\/tickets\/(\d+)\.json$/;
const COMMENTS = /^\/api\/v2\/tickets\/(\d+)\/comments\.json$/;

/** The user a request authenticates as: the email of basic token auth, else the bearer token. */
function userOf(req: RecordedRequest): string {
  const auth = req.headers.authorization ?? "";
  if (auth.startsWith("Basic ")) return Buffer.from(auth.slice(6), "base64").toString("utf8").split("/token:")[0]!;
  return auth;
}

// Limit scopes: the account; its export; its updates, and one ticket's updates by one user.
const watch = new RetryAfterWatch((req) => {
  const m = apiPath(req.path);
  if (!m) return undefined;
  if (m[2] === EXPORT) return [m[1]!, `${m[1]}:export`];
  const update = UPDATE.exec(m[2]!);
  if (update && req.method === "PUT") return [m[1]!, `${m[1]}:update`, `${m[1]}:update:${userOf(req)}:${update[1]}`];
  return [m[1]!];
});

function stats(name: string, a: Account): ZendeskStats {
  const exports = watch.stats(`${name}:export`);
  const updates = watch.stats(`${name}:update`);
  return {
    exportRequests: exports.requests,
    exportRateLimited: exports.rateLimited,
    earlyRequests: watch.stats(name).earlyRequests,
    updateRequests: updates.requests,
    updateRateLimited: updates.rateLimited,
    exportBytes: a.exportBytes,
  };
}

export function startFakeZendesk(port = 0): Promise<FakeServer> {
  return startFake(
    "zendesk",
    (req) => {
      const m = apiPath(req.path);
      if (!m) return undefined;
      const name = m[1]!;
      const a = accounts.get(name);
      if (!a) return error(404, "RecordNotFound", "no such account");
      const base = `http://${req.headers.host}/t/${name}`;
      const path = m[2]!;
      const isExport = req.method === "GET" && path === EXPORT;
      const isShowMany = req.method === "GET" && path === SHOW_MANY;
      const update = req.method === "PUT" ? UPDATE.exec(path) : null;
      const comments = req.method === "GET" ? COMMENTS.exec(path) : null;
      if (!isExport && !isShowMany && !update && !comments) return undefined;
      const wait = a.general.take();
      if (wait > 0) return tooMany(wait, name);
      const reply = ((): Reply => {
        // Auth (developer.zendesk.com "Security and authentication"): `{email}/token:{token}` or an OAuth bearer.
        const basic = `Basic ${Buffer.from(`${a.email}/token:${a.token}`).toString("base64")}`;
        if (req.headers.authorization !== basic && req.headers.authorization !== `Bearer ${a.token}`) {
          return error(401, "Couldn't authenticate you");
        }
        if (update) return updateTicket(a, name, userOf(req), Number(update[1]), req, base);
        if (comments) return listComments(a, Number(comments[1]), req, base);
        if (isShowMany) return showMany(a, req, base);
        if (a.role !== "admin") {
          // Zendesk OpenAPI IncrementalTicketExportCursor: "Allowed For: Admins". The body is the one
          // Zendesk users report for this refusal (support.zendesk.com community, zenpy issue #336).
          return {
            status: 403,
            body: {
              error: {
                title: "Forbidden",
                message:
                  "You do not have access to this page. Please contact the account owner of this help desk for further help.",
              },
            },
          };
        }
        const exportWait = a.exports.take();
        if (exportWait > 0) return tooMany(exportWait, `${name}:export`);
        return exportPage(a, req, base);
      })();
      // developer.zendesk.com "Rate limits": every answer says the account's limit and what is left.
      reply.headers = {
        ...reply.headers,
        "x-rate-limit": String(a.general.limit),
        "x-rate-limit-remaining": String(Math.max(0, a.general.limit - a.general.used())),
      };
      return reply;
    },
    port,
    (path, req) => {
      const m = /^zendesk\/([\w-]+)\/(tickets|config|notes|stats)$/.exec(path);
      if (!m) return undefined;
      const a = account(m[1]!);
      if (m[2] === "notes") return { status: 200, body: a.notes };
      if (m[2] === "stats") return { status: 200, body: stats(m[1]!, a) };
      if (m[2] === "tickets" && req.method === "GET") return { status: 200, body: [...a.tickets.values()] };
      if (req.method !== "POST") return undefined;
      if (m[2] === "tickets") {
        for (const t of req.body as FakeTicket[]) a.tickets.set(t.id, t);
        return { status: 200, body: { tickets: a.tickets.size } };
      }
      return configure(a, req.body);
    },
    watch,
    {
      contract: loadContract("zendesk"),
      answered: (req, reply, bytes) => {
        const m = apiPath(req.path);
        if (m && m[2] === EXPORT && reply.status === 200) accounts.get(m[1]!)?.exportBytes.push(bytes);
      },
    },
  );
}
