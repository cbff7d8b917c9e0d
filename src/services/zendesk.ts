import * as v from "valibot";
import { done, failed, type Outcome } from "./outcome";
import type { PaceRule } from "./pacer";
import { callService, excerpt, jsonAnswer, jsonOf, type ServiceResponse } from "./request";

/** How to reach Zendesk: an API token (`{email}/token:{token}` basic auth) or an OAuth bearer token. */
export interface ZendeskAccess {
  baseUrl: string;
  authorization: string;
}

export function zendeskAccess(settings: {
  baseUrl: string | undefined;
  email: string | undefined;
  apiToken: string | undefined;
  oauthToken: string | undefined;
}): ZendeskAccess | undefined {
  if (!settings.baseUrl) return undefined;
  if (settings.oauthToken) return { baseUrl: settings.baseUrl, authorization: `Bearer ${settings.oauthToken}` };
  if (settings.email && settings.apiToken) {
    return {
      baseUrl: settings.baseUrl,
      authorization: `Basic ${btoa(`${settings.email}/token:${settings.apiToken}`)}`,
    };
  }
  return undefined;
}

const id = v.pipe(v.number(), v.integer());
const text = v.nullish(v.string());

const ZendeskTicketSchema = v.object({
  id,
  status: v.string(),
  requester_id: v.nullish(id),
  group_id: v.nullish(id),
  tags: v.optional(v.array(v.string()), []),
  updated_at: v.pipe(v.string(), v.isoTimestamp()),
  // Support context (issue 12). developer.zendesk.com "Tickets": created_at, assignee_id, custom_fields [{id, value}].
  created_at: v.nullish(v.pipe(v.string(), v.isoTimestamp())),
  assignee_id: v.nullish(id),
  custom_fields: v.optional(v.array(v.looseObject({ id, value: v.optional(v.unknown()) })), []),
});
const ZendeskUserSchema = v.object({
  id,
  name: text,
  email: text,
  external_id: v.nullish(v.union([v.string(), v.number()])),
  role: v.optional(v.string(), "end-user"),
});
const ZendeskGroupSchema = v.object({ id, name: v.string() });
const ZendeskMetricSetSchema = v.object({
  ticket_id: id,
  solved_at: v.nullish(v.pipe(v.string(), v.isoTimestamp())),
  // developer.zendesk.com "Ticket Metrics": times as {calendar, business} minutes, reopens, replies.
  reply_time_in_minutes: v.nullish(v.looseObject({ calendar: v.nullish(v.number()) })),
  full_resolution_time_in_minutes: v.nullish(v.looseObject({ calendar: v.nullish(v.number()) })),
  reopens: v.nullish(v.number()),
  replies: v.nullish(v.number()),
});
export type ZendeskMetricSet = v.InferOutput<typeof ZendeskMetricSetSchema>;

/** A page of the incremental ticket export; tickets are checked one by one so one odd ticket cannot stop the sync. */
const ExportPageSchema = v.object({
  tickets: v.array(v.unknown()),
  users: v.optional(v.array(v.unknown()), []),
  groups: v.optional(v.array(v.unknown()), []),
  metric_sets: v.optional(v.array(v.unknown()), []),
  after_cursor: v.nullish(v.string()),
  end_of_stream: v.boolean(),
});

export type ZendeskTicket = v.InferOutput<typeof ZendeskTicketSchema>;
export type ZendeskUser = v.InferOutput<typeof ZendeskUserSchema>;

export interface ExportPage {
  tickets: ZendeskTicket[];
  users: Map<number, ZendeskUser>;
  groups: Map<number, string>;
  solvedAt: Map<number, string | null>;
  /** Each ticket's metric set, by ticket id. */
  metrics: Map<number, ZendeskMetricSet>;
  afterCursor: string | null;
  endOfStream: boolean;
  /** Entries that did not match Zendesk's documented shape and were left out. */
  malformed: number;
}

function parseEach<S extends v.GenericSchema>(
  schema: S,
  items: unknown[],
): { values: v.InferOutput<S>[]; malformed: number } {
  const values: v.InferOutput<S>[] = [];
  let malformed = 0;
  for (const item of items) {
    const result = v.safeParse(schema, item);
    if (result.success) values.push(result.output);
    else malformed++;
  }
  return { values, malformed };
}

export function parseExportPage(json: unknown): ExportPage | undefined {
  const page = v.safeParse(ExportPageSchema, json);
  if (!page.success) return undefined;
  const tickets = parseEach(ZendeskTicketSchema, page.output.tickets);
  const users = parseEach(ZendeskUserSchema, page.output.users);
  const groups = parseEach(ZendeskGroupSchema, page.output.groups);
  const metrics = parseEach(ZendeskMetricSetSchema, page.output.metric_sets);
  return {
    tickets: tickets.values,
    users: new Map(users.values.map((u) => [u.id, u])),
    groups: new Map(groups.values.map((g) => [g.id, g.name])),
    solvedAt: new Map(metrics.values.map((m) => [m.ticket_id, m.solved_at ?? null])),
    metrics: new Map(metrics.values.map((m) => [m.ticket_id, m])),
    afterCursor: page.output.after_cursor ?? null,
    endOfStream: page.output.end_of_stream,
    malformed: tickets.malformed + users.malformed + groups.malformed + metrics.malformed,
  };
}

export type ExportPosition = { cursor: string } | { startTime: number };

function exportPageUrl(baseUrl: string, position: ExportPosition): string {
  const q = new URLSearchParams();
  if ("cursor" in position) q.set("cursor", position.cursor);
  else q.set("start_time", String(position.startTime));
  q.set("include", "users,groups,metric_sets");
  q.set("per_page", "1000");
  return `${baseUrl}/api/v2/incremental/tickets/cursor.json?${q}`;
}

/** A ticket's page in Zendesk's agent interface (null when Zendesk is not configured). */
export function zendeskTicketUrl(baseUrl: string | undefined, ticketId: number): string | null {
  return baseUrl ? `${baseUrl}/agent/tickets/${ticketId}` : null;
}

/** What every Zendesk call needs besides the account: the fetch to use and D1 for pacing. */
export interface ZendeskDeps {
  db: D1Database;
  fetcher: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Incremental exports: 10 requests a minute per account (30 with High Volume), shared with every
 * other integration on the account (developer.zendesk.com, "Rate limits"). A window of a minute
 * (and a second, for the time requests take to arrive).
 */
function exportPace(access: ZendeskAccess, requestsPerMinute: number) {
  return { key: `zendesk-export:${access.baseUrl}`, limit: requestsPerMinute, windowMs: 61_000 };
}

/** The schedule of Zendesk's general API limit (ticket reads: apiPace in zendesk-tickets.ts). */
export const generalApiPaceKey = (access: ZendeskAccess) => `zendesk-api:${access.baseUrl}`;

/**
 * Ticket updates: 100 requests a minute per account (developer.zendesk.com, "Rate limits", update
 * endpoints), within the general API limit, so a 429 here holds off the general API's reads too.
 */
export function updatePace(access: ZendeskAccess): PaceRule {
  return {
    key: `zendesk-update:${access.baseUrl}`,
    limit: 100,
    windowMs: 61_000,
    alsoHolds: [generalApiPaceKey(access)],
  };
}

const ADMIN_ONLY =
  "Zendesk refused the incremental export (403): the API token's user must be a Zendesk admin (the export is for admins only)";

export async function fetchExportPage(
  access: ZendeskAccess,
  position: ExportPosition,
  deps: ZendeskDeps & { requestsPerMinute: number; maxWaitMs: number; attempt?: number },
): Promise<Outcome<ExportPage>> {
  const result = await callService({
    service: "Zendesk",
    url: exportPageUrl(access.baseUrl, position),
    headers: { authorization: access.authorization, accept: "application/json" },
    timeoutMs: 30_000,
    fetcher: deps.fetcher,
    attempt: deps.attempt,
    pace: {
      db: deps.db,
      rule: exportPace(access, deps.requestsPerMinute),
      maxWaitMs: deps.maxWaitMs,
      sleep: deps.sleep,
    },
    // The export's window is a minute: a 429 without a usable Retry-After waits it out.
    unspecifiedWaitMs: 60_000,
    classify: (r) =>
      r.status === 403 ? failed(`${ADMIN_ONLY}: ${excerpt(r.text)}`, { code: "forbidden" }) : undefined,
  });
  if (result.kind !== "done") return result;
  const page = parseExportPage(jsonOf(result.value.text));
  return page ? done(page) : failed("Zendesk's export page did not have the documented shape", { code: "malformed" });
}

const ValidationErrorBody = v.object({
  error: v.string(),
  details: v.optional(v.record(v.string(), v.array(v.object({ description: v.optional(v.string()) })))),
});

/**
 * Zendesk answers 422 RecordInvalid both for a closed ticket ("Status: closed prevents ticket
 * update") and for any other validation error; only the body tells them apart.
 */
export function classifyUpdateRefusal(r: ServiceResponse): Outcome<ServiceResponse> | undefined {
  if (r.status !== 422) return undefined;
  const body = jsonAnswer(r.text, ValidationErrorBody);
  const descriptions = Object.values(body?.details ?? {}).flatMap((list) => list.map((d) => d.description ?? ""));
  const closed = descriptions.some((d) => /closed prevents ticket update/i.test(d));
  const reason = `Zendesk answered 422: ${descriptions.join("; ") || excerpt(r.text)}`;
  return failed(reason, { code: closed ? "closed" : "invalid" });
}

/** Adds an internal note (a private comment) to a ticket. A closed ticket fails with code `closed`. */
export async function addInternalNote(
  access: ZendeskAccess,
  ticketId: number,
  body: string,
  deps: ZendeskDeps,
): Promise<Outcome<null>> {
  const result = await callService({
    service: "Zendesk",
    url: `${access.baseUrl}/api/v2/tickets/${ticketId}.json`,
    method: "PUT",
    headers: { authorization: access.authorization, accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify({ ticket: { comment: { body, public: false } } }),
    timeoutMs: 30_000,
    fetcher: deps.fetcher,
    pace: { db: deps.db, rule: updatePace(access), maxWaitMs: 20_000, sleep: deps.sleep },
    classify: classifyUpdateRefusal,
  });
  return result.kind === "done" ? done(null) : result;
}
