import * as v from "valibot";
import { done, failed, type Outcome } from "./outcome";
import type { PaceRule } from "./pacer";
import { callService, excerpt, jsonAnswer, type ServiceResponse } from "./request";

/**
 * PostHog Support (the product PostHog's code calls "conversations"), read and written through the
 * project's private API with a personal API key (`ticket:read`, and `ticket:write` for the rating).
 * Only the list endpoint is ever read: the single-ticket GET marks the ticket as read for the whole
 * team (products/conversations/backend/api/tickets.py, TicketViewSet.retrieve).
 */
export interface PostHogSupportAccess {
  appHost: string;
  projectId: string;
  personalApiKey: string;
}

export function postHogSupportAccess(settings: {
  appHost: string;
  projectId: string | undefined;
  personalApiKey: string | undefined;
}): PostHogSupportAccess | undefined {
  if (!settings.projectId || !settings.personalApiKey) return undefined;
  return { appHost: settings.appHost, projectId: settings.projectId, personalApiKey: settings.personalApiKey };
}

/** The project's name for the sync position and the pacing schedule. */
export const projectName = (access: PostHogSupportAccess) => `${access.appHost}/${access.projectId}`;

const isoTime = v.pipe(v.string(), v.isoTimestamp());
const nullableText = v.nullish(v.string());

/**
 * A ticket as TicketSerializer answers it (tickets.py): only the fields the product uses are
 * checked; the rest (messages, Slack and GitHub references, session context) is ignored.
 */
export const PostHogTicketSchema = v.looseObject({
  id: v.pipe(v.string(), v.uuid()),
  ticket_number: v.pipe(v.number(), v.integer()),
  status: v.string(),
  priority: nullableText,
  channel_source: nullableText,
  distinct_id: nullableText,
  email_from: nullableText,
  anonymous_traits: v.nullish(v.looseObject({ email: v.optional(v.unknown()), name: v.optional(v.unknown()) })),
  person: v.nullish(
    v.looseObject({
      name: v.nullish(v.string()),
      distinct_ids: v.optional(v.array(v.string()), []),
      properties: v.nullish(v.record(v.string(), v.unknown())),
    }),
  ),
  assignee: v.nullish(v.unknown()),
  sla_due_at: v.nullish(isoTime),
  tags: v.optional(v.array(v.string()), []),
  created_at: isoTime,
  updated_at: isoTime,
});
export type PostHogTicket = v.InferOutput<typeof PostHogTicketSchema>;

const textOf = (value: unknown) => (typeof value === "string" && value.trim() !== "" ? value.trim() : null);

/**
 * The customer's address as a ticket gives it: `email_from` (email channel), else what they gave the
 * widget (`anonymous_traits.email`), else their PostHog person's `email` property.
 */
export function requesterEmail(t: Pick<PostHogTicket, "email_from" | "anonymous_traits" | "person">): string | null {
  return textOf(t.email_from) ?? textOf(t.anonymous_traits?.email) ?? textOf(t.person?.properties?.email);
}

/** The customer's PostHog distinct id: the ticket's own; an email-channel ticket may carry only the address. */
export function requesterDistinctId(
  t: Pick<PostHogTicket, "distinct_id" | "person">,
  email: string | null,
): string | null {
  return textOf(t.distinct_id) ?? t.person?.distinct_ids?.[0] ?? email;
}

/** TicketPagination: limit/offset, at most 1000 a page; DRF's LimitOffsetPagination body. */
const TicketPageSchema = v.object({
  count: v.number(),
  next: v.nullable(v.string()),
  results: v.array(v.unknown()),
});

export interface TicketPage {
  tickets: PostHogTicket[];
  /** Results that did not have the serializer's shape and were left out. */
  malformed: number;
  more: boolean;
}

/**
 * PostHog's private API limits apply to the whole team, every key and integration together: 480
 * requests a minute and 4,800 an hour (posthog/rate_limit.py, the personal-API-key burst and
 * sustained throttles; posthog.com/docs/api "Rate limits"). The product keeps to 60 a minute, which
 * holds the hourly limit too (3,600) and leaves room for the team's other tools.
 */
export function privateApiPace(access: PostHogSupportAccess): PaceRule {
  return { key: `posthog-private:${projectName(access)}`, limit: 60, windowMs: 61_000 };
}

export interface PostHogSupportDeps {
  db: D1Database;
  fetcher: typeof fetch;
  maxWaitMs: number;
  sleep?: (ms: number) => Promise<void>;
  attempt?: number;
}

/** DRF errors from drf-exceptions-hog: `{type, code, detail, attr}`. */
const ErrorBody = v.looseObject({ type: v.optional(v.string()), code: v.optional(v.string()), detail: v.unknown() });

/** 401 (a bad key) and 403 (a missing scope) cannot be fixed by waiting: a failure naming the setting. */
function classifyRefusal(r: ServiceResponse): Outcome<ServiceResponse> | undefined {
  if (r.status !== 401 && r.status !== 403) return undefined;
  const body = jsonAnswer(r.text, ErrorBody);
  const detail = typeof body?.detail === "string" ? body.detail : excerpt(r.text);
  const advice =
    r.status === 401
      ? "POSTHOG_PERSONAL_API_KEY is not a valid personal API key"
      : "POSTHOG_PERSONAL_API_KEY needs the ticket:read and ticket:write scopes";
  return failed(`PostHog Support answered ${r.status}: ${detail} (${advice})`, {
    code: r.status === 401 ? "unauthorized" : "forbidden",
  });
}

function request(access: PostHogSupportAccess, pathAndQuery: string, deps: PostHogSupportDeps) {
  return {
    service: "PostHog Support",
    url: `${access.appHost}/api/projects/${access.projectId}/conversations/tickets/${pathAndQuery}`,
    headers: { authorization: `Bearer ${access.personalApiKey}`, accept: "application/json" },
    timeoutMs: 15_000,
    fetcher: deps.fetcher,
    attempt: deps.attempt,
    pace: { db: deps.db, rule: privateApiPace(access), maxWaitMs: deps.maxWaitMs, sleep: deps.sleep },
    // DRF's throttle always sends Retry-After; without one, wait the minute window out.
    unspecifiedWaitMs: 60_000,
    classify: classifyRefusal,
  };
}

export interface TicketQuery {
  status?: string;
  /** Only tickets updated at or after this time (ms); `date_from` is inclusive (updated_at__gte). */
  updatedFrom?: number;
  /** A ticket number: `search` with only digits matches `ticket_number` exactly. */
  ticketNumber?: number;
  orderBy?: "updated_at" | "-updated_at";
  limit: number;
  offset?: number;
}

/** One page of `GET …/conversations/tickets/`: each result is checked on its own. */
export async function listTickets(
  access: PostHogSupportAccess,
  query: TicketQuery,
  deps: PostHogSupportDeps,
): Promise<Outcome<TicketPage>> {
  const q = new URLSearchParams();
  if (query.status) q.set("status", query.status);
  if (query.updatedFrom !== undefined) q.set("date_from", new Date(query.updatedFrom).toISOString());
  if (query.ticketNumber !== undefined) q.set("search", String(query.ticketNumber));
  if (query.orderBy) q.set("order_by", query.orderBy);
  q.set("limit", String(query.limit));
  if (query.offset) q.set("offset", String(query.offset));
  const result = await callService(request(access, `?${q}`, deps));
  if (result.kind !== "done") return result;
  const page = jsonAnswer(result.value.text, TicketPageSchema);
  if (!page) return failed("PostHog Support's ticket list did not have the documented shape", { code: "malformed" });
  const tickets: PostHogTicket[] = [];
  let malformed = 0;
  for (const raw of page.results) {
    const t = v.safeParse(PostHogTicketSchema, raw);
    if (t.success) tickets.push(t.output);
    else malformed++;
  }
  return done({ tickets, malformed, more: page.next !== null });
}

/** The ticket with this uuid, found through the list endpoint by its number (never the single GET). */
export async function findTicket(
  access: PostHogSupportAccess,
  ticket: { uuid: string; number: number },
  deps: PostHogSupportDeps,
): Promise<Outcome<PostHogTicket | null>> {
  const page = await listTickets(access, { ticketNumber: ticket.number, limit: 10 }, deps);
  if (page.kind !== "done") return page;
  return done(page.value.tickets.find((t) => t.id === ticket.uuid) ?? null);
}

/**
 * Replaces the ticket's tag list (`PATCH …/tickets/:id/` with `tags`: TaggedItemSerializerMixin sets
 * the whole list), so a caller reads the list first and sends it back with its change.
 */
export async function replaceTicketTags(
  access: PostHogSupportAccess,
  ticketUuid: string,
  tags: string[],
  deps: PostHogSupportDeps,
): Promise<Outcome<null>> {
  return write(access, "PATCH", `${ticketUuid}/`, { tags }, deps);
}

/** A JSON write to the ticket API; only whether it was done matters. */
async function write(
  access: PostHogSupportAccess,
  method: "PATCH" | "POST",
  path: string,
  body: unknown,
  deps: PostHogSupportDeps,
): Promise<Outcome<null>> {
  const base = request(access, path, deps);
  const result = await callService({
    ...base,
    method,
    headers: { ...base.headers, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return result.kind === "done" ? done(null) : result;
}

/**
 * Adds an internal note to the ticket: `POST …/tickets/:id/reply/` with `is_private: true`
 * (tickets.py TicketViewSet.reply, a `ticket:write` action; TicketReplyRequestSerializer: `message`
 * required, at most 5,000 characters, not blank). A private note is stored as a comment and never sent
 * to the customer. The endpoint takes no idempotency key: every POST adds a comment, so a caller whose
 * request may have been stored (a timeout, a 5xx) looks for the note with hasPrivateNote before
 * posting again.
 */
export async function addPrivateNote(
  access: PostHogSupportAccess,
  ticketUuid: string,
  message: string,
  deps: PostHogSupportDeps,
): Promise<Outcome<null>> {
  return write(access, "POST", `${ticketUuid}/reply/`, { message, is_private: true }, deps);
}

/** TicketMessagePagination: limit/offset, at most 200 a page; each message as TicketMessageSerializer. */
const MessagePageSchema = v.object({
  next: v.nullable(v.string()),
  results: v.array(v.looseObject({ content: v.string(), is_private: v.boolean() })),
});
const MESSAGES_PER_PAGE = 200;
/** A ticket with more messages than this is not read to its end (the note is looked for in its first 1,000). */
const MESSAGE_PAGES_READ = 5;

/**
 * Whether the ticket has a private note containing `marker`: its thread read oldest first through
 * `GET …/tickets/:id/messages/` (a `ticket:read` action that, unlike the single-ticket GET, marks
 * nothing as read).
 */
export async function hasPrivateNote(
  access: PostHogSupportAccess,
  ticketUuid: string,
  marker: string,
  deps: PostHogSupportDeps,
): Promise<Outcome<boolean>> {
  for (let page = 0; page < MESSAGE_PAGES_READ; page++) {
    const q = new URLSearchParams({ limit: String(MESSAGES_PER_PAGE), offset: String(page * MESSAGES_PER_PAGE) });
    const result = await callService(request(access, `${ticketUuid}/messages/?${q}`, deps));
    if (result.kind !== "done") return result;
    const body = jsonAnswer(result.value.text, MessagePageSchema);
    if (!body)
      return failed("PostHog Support's messages answer did not have the documented shape", { code: "malformed" });
    if (body.results.some((m) => m.is_private && m.content.includes(marker))) return done(true);
    if (body.next === null) return done(false);
  }
  return done(false);
}

/** The ticket's page in PostHog (tickets are addressed by number in the app). */
export function postHogTicketUrl(access: { appHost: string; projectId: string }, ticketNumber: number): string {
  return `${access.appHost}/project/${access.projectId}/support/tickets/${ticketNumber}`;
}
