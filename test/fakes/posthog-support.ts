import { SlidingWindow, retryAfterSeconds } from "./fake-server";
import { authProblem, pageOf } from "./posthog-app";
import type { FakeSupportTicket, PacingStats, RecordedRequest, Reply } from "./types";

/**
 * PostHog Support's ticket API (PostHog/posthog products/conversations/backend/api/tickets.py), served
 * by the PostHog fake (posthog.ts) on the private API's host, as strict as PostHog answers it:
 *
 * - Auth (posthog/auth.py PersonalAPIKeyAuthentication, posthog/permissions.py APIScopePermission with
 *   `scope_object = "ticket"`): `Authorization: Bearer <personal key>`; none: 401 `not_authenticated`;
 *   an unknown key: 401 `authentication_failed`; a key without the scope: 403 "API key missing
 *   required scope 'ticket:read'" (`ticket:write` also grants `:read`). Errors are drf-exceptions-hog
 *   bodies `{type, code, detail, attr}` (posthog/exceptions.py).
 * - List (`GET /api/projects/:id/conversations/tickets/`, TicketViewSet.safely_get_queryset):
 *   `status` one or a comma list (unknown values dropped), `date_from`/`date_to` on `updated_at`
 *   (gte/lte; `all` turns date_from off), `distinct_ids` (at most 100), `search` (digits: exactly
 *   that `ticket_number`), `order_by` among the allowed ones (else `-updated_at`), TicketPagination
 *   (limit/offset, default 100, at most 1000) with DRF's `{count, next, previous, results}`.
 * - The single GET (`…/tickets/:id/`) sets the ticket's `unread_team_count` to 0 for the whole team
 *   (TicketViewSet.retrieve): the product must never call it, so it is answered as unexpected and
 *   fails the test.
 * - PATCH `…/tickets/:id/` (`ticket:write`): `status`, `priority`, `tags` (the whole list,
 *   TaggedItemSerializerMixin); unknown uuid or number: 404 "Not found.".
 * - POST `…/tickets/:id/reply/` (TicketViewSet.reply, in `scope_object_write_actions`: `ticket:write`;
 *   TicketReplyRequestSerializer): `message` required, a string (trimmed; blank: "This field may not
 *   be blank."; over 5,000 characters: max_length), `is_private` a DRF boolean (default false),
 *   `rich_content` optional JSON of at most 100 KB; 201 with TicketMessageSerializer's fields. It takes
 *   no idempotency key: every POST stores one more comment, a retry included.
 * - GET `…/tickets/:id/messages/` (TicketViewSet.messages, `ticket:read`, no side effect): the thread
 *   oldest first, TicketMessagePagination (default 50, at most 200 a page).
 *   (The reply action's own ComposeTicket throttles are not modelled: their rates are not in the
 *   source read; the team's limits below apply to it as to every request.)
 * - Rate limits (posthog/rate_limit.py PersonalApiKeyRateThrottle: burst 480/minute, sustained
 *   4800/hour, per team): over either, 429 `throttled_error` "Request was throttled. Expected
 *   available in N seconds." with `Retry-After` (DRF's Throttled).
 *
 * Keys: `phx_support_key` (ticket:write), `phx_support_read_only` (ticket:read), `phx_support_no_scope`
 * (person:write). State is per project id, so tests with their own project never meet.
 * Control: `POST /__fake/posthog-support/<project>/tickets` (ticket objects, merged over defaults; a
 * known id is replaced), `POST …/<project>/config {perMinute?, perHour?}`, `GET …/<project>/tickets`,
 * `GET …/<project>/messages` (every stored message with its `ticket_id`), `GET …/<project>/stats`
 * (PacingStats of the project's requests).
 */
export const SUPPORT_KEYS: Record<string, string[]> = {
  phx_support_key: ["ticket:write"],
  phx_support_read_only: ["ticket:read"],
  phx_support_no_scope: ["person:write"],
};

/** A comment in a ticket's thread, as TicketMessageSerializer answers it, with the ticket it belongs to. */
interface Message {
  ticket_id: string;
  id: string;
  content: string;
  rich_content: unknown;
  author_type: string;
  author_name: string;
  is_private: boolean;
  created_at: string;
}

interface Project {
  tickets: FakeSupportTicket[];
  messages: Message[];
  minute: SlidingWindow;
  hour: SlidingWindow;
  stats: PacingStats;
  /** Until when the last 429's Retry-After holds: a request before it is an early one. */
  closedUntil: number;
}

const projects = new Map<string, Project>();

function project(id: string): Project {
  let p = projects.get(id);
  if (!p) {
    p = {
      tickets: [],
      messages: [],
      minute: new SlidingWindow(480, 60_000),
      hour: new SlidingWindow(4800, 3_600_000),
      stats: { requests: 0, rateLimited: 0, earlyRequests: 0 },
      closedUntil: 0,
    };
    projects.set(id, p);
  }
  return p;
}

const STATUSES = ["new", "open", "pending", "on_hold", "resolved"];
const ORDERINGS = [
  "updated_at",
  "-updated_at",
  "sla_due_at",
  "-sla_due_at",
  "snoozed_until",
  "-snoozed_until",
  "created_at",
  "-created_at",
  "ticket_number",
  "-ticket_number",
];

/** Every field TicketSerializer answers (tickets.py Meta.fields), with a new widget ticket's values. */
export function supportTicket(
  fields: Partial<FakeSupportTicket> & Pick<FakeSupportTicket, "id" | "ticket_number">,
): FakeSupportTicket {
  const now = new Date().toISOString();
  return {
    channel_source: "widget",
    channel_detail: null,
    distinct_id: "",
    status: "new",
    priority: null,
    assignee: null,
    anonymous_traits: {},
    ai_resolved: false,
    escalation_reason: null,
    created_at: now,
    updated_at: now,
    message_count: 1,
    last_message_at: now,
    last_message_text: "Hello",
    unread_team_count: 1,
    unread_customer_count: 0,
    session_id: null,
    session_context: {},
    sla_due_at: null,
    snoozed_until: null,
    slack_channel_id: null,
    slack_thread_ts: null,
    slack_team_id: null,
    email_subject: null,
    email_from: null,
    email_to: null,
    cc_participants: [],
    github_repo: null,
    github_issue_number: null,
    person: null,
    tags: [],
    ...fields,
  };
}

const error = (
  status: number,
  type: string,
  code: string,
  detail: string,
  attr: string | null = null,
  headers?: Record<string, string>,
): Reply => ({
  status,
  body: { type, code, detail, attr },
  headers,
});
const notFound = () => error(404, "invalid_request", "not_found", "Not found.");

/** DRF's Throttled: both windows count every request let through. */
function throttled(p: Project): Reply | undefined {
  const wait = Math.max(p.minute.waitMs(), p.hour.waitMs());
  if (wait > 0) {
    const seconds = retryAfterSeconds(wait);
    p.stats.rateLimited++;
    p.closedUntil = Date.now() + seconds * 1000;
    return error(
      429,
      "throttled_error",
      "throttled",
      `Request was throttled. Expected available in ${seconds} seconds.`,
      null,
      {
        "retry-after": String(seconds),
      },
    );
  }
  p.minute.add();
  p.hour.add();
  return undefined;
}

/** relative_date_parse takes absolute dates and ISO times; anything else is refused here (the product sends ISO). */
const isoTime = (value: string) =>
  /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) && Number.isFinite(Date.parse(value));

function list(req: RecordedRequest, p: Project): Reply {
  const q = req.query;
  let tickets = [...p.tickets];
  if (q.status) {
    const statuses = q.status
      .split(",")
      .map((s) => s.trim())
      .filter((s) => STATUSES.includes(s));
    if (statuses.length > 0) tickets = tickets.filter((t) => statuses.includes(String(t.status)));
  }
  for (const [name, keep] of [
    ["date_from", (t: number, d: number) => t >= d],
    ["date_to", (t: number, d: number) => t <= d],
  ] as const) {
    const value = q[name];
    if (!value || (name === "date_from" && value === "all")) continue;
    if (!isoTime(value)) return error(400, "validation_error", "invalid_date", `Invalid date: ${value}`, name);
    tickets = tickets.filter((t) => keep(Date.parse(t.updated_at), Date.parse(value)));
  }
  if (q.distinct_ids) {
    const ids = q.distinct_ids
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)
      .slice(0, 100);
    tickets = tickets.filter((t) => ids.includes(String(t.distinct_id)));
  }
  if (q.search && q.search.length <= 200 && /^\d+$/.test(q.search))
    tickets = tickets.filter((t) => t.ticket_number === Number(q.search));
  const order = ORDERINGS.includes(q.order_by ?? "") ? q.order_by! : "-updated_at";
  const field = order.replace(/^-/, "");
  const key = (t: FakeSupportTicket) =>
    field === "ticket_number" ? Number(t[field]) : Date.parse(String(t[field] ?? "")) || 0;
  tickets.sort((a, b) => (order.startsWith("-") ? key(b) - key(a) : key(a) - key(b)));
  return pageOf(req, tickets);
}

function patch(req: RecordedRequest, p: Project, lookup: string): Reply {
  const ticket = p.tickets.find((t) => t.id === lookup || String(t.ticket_number) === lookup);
  if (!ticket) return notFound();
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (typeof body !== "object" || Array.isArray(body))
    return error(400, "validation_error", "parse_error", "JSON parse error");
  if ("status" in body && !STATUSES.includes(String(body.status)))
    return error(
      400,
      "validation_error",
      "invalid_choice",
      `"${String(body.status)}" is not a valid choice.`,
      "status",
    );
  if ("tags" in body && (!Array.isArray(body.tags) || !body.tags.every((t) => typeof t === "string")))
    return error(400, "validation_error", "invalid", "Expected a list of items.", "tags");
  for (const field of ["status", "priority", "tags"] as const) if (field in body) ticket[field] = body[field];
  ticket.updated_at = new Date().toISOString();
  return { status: 200, body: ticket };
}

/** DRF BooleanField's TRUE_VALUES and FALSE_VALUES. */
const DRF_TRUE = [true, 1, "true", "True", "TRUE", "1", "on", "On", "ON", "y", "Y", "yes", "Yes", "YES"];
const DRF_FALSE = [false, 0, "false", "False", "FALSE", "0", "off", "Off", "OFF", "n", "N", "no", "No", "NO"];

/** TicketReplyRequestSerializer's checks, in its field order; the message stored (201), as reply() does. */
function reply(req: RecordedRequest, p: Project, lookup: string): Reply {
  const ticket = p.tickets.find((t) => t.id === lookup || String(t.ticket_number) === lookup);
  if (!ticket) return notFound();
  const body = req.body as Record<string, unknown> | undefined;
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return error(400, "validation_error", "parse_error", "JSON parse error");
  const invalid = (detail: string, attr: string, code = "invalid") =>
    error(400, "validation_error", code, detail, attr);
  if (body.message === undefined) return invalid("This field is required.", "message", "required");
  if (typeof body.message !== "string") return invalid("Not a valid string.", "message");
  const message = body.message.trim(); // CharField trims whitespace before its checks
  if (message === "") return invalid("This field may not be blank.", "message", "blank");
  if (message.length > 5000)
    return invalid("Ensure this field has no more than 5000 characters.", "message", "max_length");
  const flag = body.is_private ?? false;
  if (!DRF_TRUE.includes(flag as never) && !DRF_FALSE.includes(flag as never))
    return invalid("Must be a valid boolean.", "is_private");
  const rich = body.rich_content ?? null;
  if (rich !== null && JSON.stringify(rich).length > 100_000)
    return invalid("Rich content too large (max 100KB).", "rich_content");
  const stored: Message = {
    ticket_id: ticket.id,
    id: crypto.randomUUID(),
    content: message,
    rich_content: rich,
    author_type: "support",
    // _serialize_message: the key's user's first name, else their email.
    author_name: "Support Hero",
    is_private: DRF_TRUE.includes(flag as never),
    created_at: new Date().toISOString(),
  };
  p.messages.push(stored);
  const { ticket_id: _ticket, ...answer } = stored;
  return { status: 201, body: answer };
}

function messages(req: RecordedRequest, p: Project, lookup: string): Reply {
  const ticket = p.tickets.find((t) => t.id === lookup || String(t.ticket_number) === lookup);
  if (!ticket) return notFound();
  const thread = p.messages.filter((m) => m.ticket_id === ticket.id).map(({ ticket_id: _ticket, ...m }) => m);
  return pageOf(req, thread, { byDefault: 50, max: 200 });
}

const PATH = /^\/api\/projects\/(\d+)\/conversations\/tickets\/(?:([^/]+)\/(?:(reply|messages)\/)?)?$/;

/** Control of the fake's projects, under `/__fake/posthog-support/<project>/…`. */
export function supportControl(path: string, req: RecordedRequest): Reply | undefined {
  const m = /^posthog-support\/(\d+)\/(tickets|config|stats|messages)$/.exec(path);
  if (!m) return undefined;
  const p = project(m[1]!);
  if (m[2] === "stats") return { status: 200, body: p.stats };
  if (m[2] === "messages") return { status: 200, body: p.messages };
  if (m[2] === "tickets" && req.method === "GET") return { status: 200, body: p.tickets };
  if (m[2] === "tickets") {
    for (const t of req.body as FakeSupportTicket[]) {
      const full = supportTicket(t);
      const i = p.tickets.findIndex((x) => x.id === full.id);
      if (i >= 0) p.tickets[i] = full;
      else p.tickets.push(full);
    }
    return { status: 200, body: { ok: true } };
  }
  const config = req.body as { perMinute?: number; perHour?: number };
  if (config.perMinute !== undefined) p.minute.limit = config.perMinute;
  if (config.perHour !== undefined) p.hour.limit = config.perHour;
  return { status: 200, body: { ok: true } };
}

export const isSupportPath = (path: string) => PATH.test(path);

/** A request to the ticket API; undefined for one the product must never send (it is then unexpected). */
export function supportApi(req: RecordedRequest): Reply | undefined {
  const m = PATH.exec(req.path)!;
  const p = project(m[1]!);
  p.stats.requests++;
  if (req.at < p.closedUntil) p.stats.earlyRequests++;
  const lookup = m[2];
  const action = m[3];
  if (action === "reply" && req.method === "POST")
    return authProblem(req, "ticket:write", SUPPORT_KEYS) ?? throttled(p) ?? reply(req, p, lookup!);
  if (action === "messages" && req.method === "GET")
    return authProblem(req, "ticket:read", SUPPORT_KEYS) ?? throttled(p) ?? messages(req, p, lookup!);
  if (action !== undefined) return undefined;
  // The single-ticket GET marks the ticket read for the team: never expected of the product.
  if (req.method === "GET" && lookup !== undefined) return undefined;
  if (req.method === "GET") return authProblem(req, "ticket:read", SUPPORT_KEYS) ?? throttled(p) ?? list(req, p);
  if (req.method === "PATCH" && lookup !== undefined)
    return authProblem(req, "ticket:write", SUPPORT_KEYS) ?? throttled(p) ?? patch(req, p, lookup);
  return undefined;
}
