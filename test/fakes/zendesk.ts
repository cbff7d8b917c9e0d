import {
  RetryAfterWatch,
  SlidingWindow,
  retryAfterSeconds,
  startFake,
  type FakeServer,
  type RecordedRequest,
  type Reply,
} from "./fake-server";
import type { FakeTicket, ZendeskStats } from "./types";

export type { FakeTicket } from "./types";

/**
 * Zendesk's API as the product uses it: the cursor-based incremental ticket export with
 * sideloaded users, groups and metric sets, `show_many`, ticket updates, and a ticket's comments. Each test works in its own account
 * under `/t/<account>` (the product's ZENDESK_BASE_URL points there), seeded through
 * `POST /__fake/zendesk/<account>/tickets`; every limit below is per account.
 *
 * Controls: `POST /__fake/zendesk/<account>/tickets` (FakeTicket[]), `POST …/config` (see Config),
 * `GET …/notes`, `GET …/stats` (ZendeskStats).
 */
interface Config {
  /** Tickets per export page (Zendesk: up to 1000). */
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

/** Applies `POST …/config`; `exportUsed: N` counts N export requests made just now by another integration. */
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

/** Tickets as the API serves them, with the users, groups and metric sets sideloaded (`include=`). */
function ticketsWithSideloads(tickets: FakeTicket[], base: string) {
  const users = new Map<number, unknown>();
  const groups = new Map<number, unknown>();
  for (const t of tickets) {
    users.set(t.requester.id, {
      id: t.requester.id,
      name: t.requester.name,
      email: t.requester.email,
      role: t.requester.role ?? "end-user",
      external_id: t.requester.external_id ?? null,
      url: `${base}/api/v2/users/${t.requester.id}.json`,
    });
    if (t.group)
      groups.set(t.group.id, { id: t.group.id, name: t.group.name, url: `${base}/api/v2/groups/${t.group.id}.json` });
    // Sideloading includes every user a ticket names, its assignee (an agent) too.
    if (t.assignee)
      users.set(t.assignee.id, {
        id: t.assignee.id,
        name: t.assignee.name,
        email: `agent${t.assignee.id}@posthog.com`,
        role: "agent",
        external_id: null,
      });
  }
  return {
    tickets: tickets.map((t) => ({
      url: `${base}/api/v2/tickets/${t.id}.json`,
      id: t.id,
      status: t.status,
      subject: `Ticket ${t.id}`,
      requester_id: t.requester.id,
      submitter_id: t.requester.id,
      group_id: t.group?.id ?? null,
      tags: t.tags ?? [],
      custom_fields: t.custom_fields ?? [],
      assignee_id: t.assignee?.id ?? null, // developer.zendesk.com "Tickets"
      created_at: t.created_at ?? t.updated_at,
      updated_at: t.updated_at,
      generated_timestamp: Math.floor(Date.parse(t.updated_at) / 1000),
    })),
    users: [...users.values()],
    groups: [...groups.values()],
    // developer.zendesk.com "Ticket Metrics": durations are {calendar, business} minutes, null until they happen.
    metric_sets: tickets.map((t) => ({
      id: t.id * 10,
      ticket_id: t.id,
      solved_at: t.solved_at ?? null,
      created_at: t.created_at ?? t.updated_at,
      reply_time_in_minutes: { calendar: t.metrics?.reply_minutes ?? null, business: t.metrics?.reply_minutes ?? null },
      full_resolution_time_in_minutes: {
        calendar: t.metrics?.full_resolution_minutes ?? null,
        business: t.metrics?.full_resolution_minutes ?? null,
      },
      reopens: t.metrics?.reopens ?? 0,
      replies: t.metrics?.replies ?? 1,
    })),
  };
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
    body: { ...ticketsWithSideloads(tickets, base), next_page: null, previous_page: null, count: tickets.length },
  };
}

function exportPage(a: Account, req: RecordedRequest, base: string): Reply {
  const include = (req.query.include ?? "").split(",");
  for (const needed of ["users", "groups", "metric_sets"]) {
    if (!include.includes(needed)) return error(400, "InvalidValue", `expected include to list ${needed}`);
  }
  const perPage = Number(req.query.per_page ?? 1000);
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 1000) return error(400, "InvalidPaginationParameter");
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
  return {
    status: 200,
    body: {
      ...ticketsWithSideloads(
        page.map(({ t }) => t),
        base,
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

function updateTicket(a: Account, name: string, user: string, ticketId: number, req: RecordedRequest): Reply {
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
      return { status: 200, body: { ticket: { id: ticket.id, status: ticket.status, tags: ticket.tags } } };
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
  return { status: 200, body: { ticket: { id: ticket.id, status: ticket.status } } };
}

/**
 * GET /api/v2/tickets/{id}/comments.json (developer.zendesk.com "Ticket Comments", list comments):
 * public replies and internal notes, oldest first unless `sort_order=desc`, offset pages of up to
 * 100 (`per_page`) with `next_page`, `previous_page` and `count`. An unknown ticket is a 404.
 */
function listComments(a: Account, ticketId: number, req: RecordedRequest, base: string): Reply {
  if (!a.tickets.has(ticketId)) return error(404, "RecordNotFound", "Not found");
  const order = req.query.sort_order ?? "asc";
  // Fake-only: the docs name asc and desc and nothing else; any other value is refused so a typo shows.
  if (order !== "asc" && order !== "desc") return error(400, "InvalidValue", "sort_order must be asc or desc");
  // developer.zendesk.com "Pagination" (offset pagination): per_page up to 100, the default 100.
  const perPage = Math.min(100, Math.max(1, Number(req.query.per_page ?? 100) || 100));
  const page = Math.max(1, Number(req.query.page ?? 1) || 1);
  const all = a.notes.filter((n) => n.ticketId === ticketId);
  if (order === "desc") all.reverse();
  const items = all.slice((page - 1) * perPage, page * perPage).map((n) => ({
    id: n.id,
    type: "Comment",
    author_id: 1,
    body: n.body,
    html_body: `<div class="zd-comment"><p>${n.body}</p></div>`,
    plain_body: n.body,
    public: n.public,
    attachments: [],
    via: { channel: "api" },
    created_at: n.created_at,
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

function stats(name: string): ZendeskStats {
  const exports = watch.stats(`${name}:export`);
  const updates = watch.stats(`${name}:update`);
  return {
    exportRequests: exports.requests,
    exportRateLimited: exports.rateLimited,
    earlyRequests: watch.stats(name).earlyRequests,
    updateRequests: updates.requests,
    updateRateLimited: updates.rateLimited,
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
        if (update) return updateTicket(a, name, userOf(req), Number(update[1]), req);
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
      if (m[2] === "stats") return { status: 200, body: stats(m[1]!) };
      if (m[2] === "tickets" && req.method === "GET") return { status: 200, body: [...a.tickets.values()] };
      if (req.method !== "POST") return undefined;
      if (m[2] === "tickets") {
        for (const t of req.body as FakeTicket[]) a.tickets.set(t.id, t);
        return { status: 200, body: { tickets: a.tickets.size } };
      }
      return configure(a, req.body);
    },
    watch,
  );
}
