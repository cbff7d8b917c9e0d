import * as v from "valibot";
import { done, failed, type Outcome } from "./outcome";
import type { PaceRule } from "./pacer";
import { readJsonObject, sizeWords, UnreadableBody } from "./json-stream";
import { callService, callServiceStreaming, excerpt, jsonAnswer, type ServiceResponse } from "./request";

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
  // Support context. developer.zendesk.com "Tickets": created_at, assignee_id, custom_fields [{id, value}].
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
  /** The body's size. */
  bytes: number;
}

/** The most an export page may have: Zendesk documents no bound; 1000 tickets with long pasted logs are tens of MB. */
export const EXPORT_PAGE_MAX_BYTES = 64 * 1024 * 1024;
/** The most one ticket, user or metric set may have (a description holds the customer's whole first message). */
const EXPORT_ENTRY_MAX_BYTES = 8 * 1024 * 1024;

/**
 * An export page (or a `show_many` answer) read from its stream, keeping only the fields the product
 * uses: each ticket, user, group and metric set is checked on its own, so one odd entry cannot stop
 * the sync, and the rest of it (descriptions, ticket fields) is dropped as soon as it is read.
 */
export async function readExportPage(
  body: ReadableStream<Uint8Array>,
  options: { streamEnds: boolean },
): Promise<ExportPage> {
  const page: ExportPage = {
    tickets: [],
    users: new Map(),
    groups: new Map(),
    solvedAt: new Map(),
    metrics: new Map(),
    afterCursor: null,
    endOfStream: options.streamEnds,
    malformed: 0,
    bytes: 0,
  };
  const seen = new Set<string>();
  const keep = <S extends v.GenericSchema>(schema: S, value: unknown, use: (entry: v.InferOutput<S>) => void) => {
    const result = v.safeParse(schema, value);
    if (result.success) use(result.output);
    else page.malformed++;
  };
  const { bytes } = await readJsonObject(
    body,
    {
      array(member) {
        seen.add(member);
      },
      element(member, value) {
        if (member === "tickets") keep(ZendeskTicketSchema, value, (t) => page.tickets.push(t));
        else if (member === "users") keep(ZendeskUserSchema, value, (u) => page.users.set(u.id, u));
        else if (member === "groups") keep(ZendeskGroupSchema, value, (g) => page.groups.set(g.id, g.name));
        else if (member === "metric_sets")
          keep(ZendeskMetricSetSchema, value, (m) => {
            page.metrics.set(m.ticket_id, m);
            page.solvedAt.set(m.ticket_id, m.solved_at ?? null);
          });
      },
      member(member, value) {
        seen.add(member);
        if (member === "after_cursor") page.afterCursor = typeof value === "string" ? value : null;
        else if (member === "end_of_stream" && typeof value === "boolean") page.endOfStream = value;
        else if (member === "tickets" || (member === "end_of_stream" && !options.streamEnds))
          throw new UnreadableBody("not JSON", 0, `"${member}" is not of the documented type`);
      },
    },
    { maxBytes: EXPORT_PAGE_MAX_BYTES, maxValueBytes: EXPORT_ENTRY_MAX_BYTES },
  );
  if (!seen.has("tickets")) throw new UnreadableBody("not JSON", 0, `the answer has no "tickets"`);
  if (!options.streamEnds && !seen.has("end_of_stream"))
    throw new UnreadableBody("not JSON", 0, `the answer has no "end_of_stream"`);
  page.bytes = bytes;
  return page;
}

/** An export page or `show_many` answer as an outcome: a body that cannot be read fails with code `unreadable`. */
export async function exportPageOutcome(
  body: ReadableStream<Uint8Array>,
  response: Response,
  what: string,
  options: { streamEnds: boolean },
): Promise<Outcome<ExportPage>> {
  try {
    return done(await readExportPage(body, options));
  } catch (err) {
    if (!(err instanceof UnreadableBody)) throw err;
    await body.cancel().catch(() => undefined);
    const length = Number(response.headers.get("content-length"));
    const of = Number.isFinite(length) && length > 0 ? ` of ${sizeWords(length)}` : "";
    return failed(`${what} could not be read (${err.cause}${of}): ${err.message}`, { code: "unreadable" });
  }
}

export type ExportPosition = { cursor: string } | { startTime: number };

/** developer.zendesk.com "Incremental exports": the cursor export returns up to 1000 tickets a page (`per_page`). */
export const EXPORT_MAX_PER_PAGE = 1000;

function exportPageUrl(baseUrl: string, position: ExportPosition, perPage: number): string {
  const q = new URLSearchParams();
  if ("cursor" in position) q.set("cursor", position.cursor);
  else q.set("start_time", String(position.startTime));
  q.set("include", "users,groups,metric_sets");
  q.set("per_page", String(perPage));
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
  deps: ZendeskDeps & { requestsPerMinute: number; maxWaitMs: number; attempt?: number; perPage: number },
): Promise<Outcome<ExportPage>> {
  return callServiceStreaming(
    {
      service: "Zendesk",
      url: exportPageUrl(access.baseUrl, position, deps.perPage),
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
    },
    (body, response) =>
      exportPageOutcome(body, response, `Zendesk's export page (${deps.perPage} tickets a page)`, {
        streamEnds: false,
      }),
  );
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
