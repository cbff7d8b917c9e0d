import * as v from "valibot";

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

export const ZendeskTicketSchema = v.object({
  id,
  status: v.string(),
  requester_id: v.nullish(id),
  group_id: v.nullish(id),
  tags: v.optional(v.array(v.string()), []),
  updated_at: v.pipe(v.string(), v.isoTimestamp()),
});
export const ZendeskUserSchema = v.object({
  id,
  name: text,
  email: text,
  external_id: v.nullish(v.union([v.string(), v.number()])),
  role: v.optional(v.string(), "end-user"),
});
export const ZendeskGroupSchema = v.object({ id, name: v.string() });
export const ZendeskMetricSetSchema = v.object({
  ticket_id: id,
  solved_at: v.nullish(v.pipe(v.string(), v.isoTimestamp())),
});

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
  afterCursor: string | null;
  endOfStream: boolean;
  /** Entries that did not match Zendesk's documented shape and were left out. */
  malformed: number;
}

export type ZendeskResult<T> =
  | { ok: true; value: T }
  | { ok: false; kind: "rate-limited"; retryAfterMs: number; message: string }
  | { ok: false; kind: "transient" | "permanent"; message: string };

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
    afterCursor: page.output.after_cursor ?? null,
    endOfStream: page.output.end_of_stream,
    malformed: tickets.malformed + users.malformed + groups.malformed + metrics.malformed,
  };
}

/** Seconds in Retry-After (Zendesk sends seconds), as milliseconds; 60 s when missing or odd. */
export function retryAfterMs(header: string | null): number {
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 3600) * 1000 : 60_000;
}

export type ExportPosition = { cursor: string } | { startTime: number };

export function exportPageUrl(baseUrl: string, position: ExportPosition): string {
  const q = new URLSearchParams();
  if ("cursor" in position) q.set("cursor", position.cursor);
  else q.set("start_time", String(position.startTime));
  q.set("include", "users,groups,metric_sets");
  q.set("per_page", "1000");
  return `${baseUrl}/api/v2/incremental/tickets/cursor.json?${q}`;
}

async function classify(response: Response): Promise<ZendeskResult<never>> {
  const detail = (await response.text().catch(() => "")).slice(0, 200);
  const message = `Zendesk answered ${response.status}${detail ? `: ${detail}` : ""}`;
  if (response.status === 429)
    return {
      ok: false,
      kind: "rate-limited",
      retryAfterMs: retryAfterMs(response.headers.get("retry-after")),
      message,
    };
  if (response.status >= 500 || response.status === 408) return { ok: false, kind: "transient", message };
  return { ok: false, kind: "permanent", message };
}

/** One authenticated request to Zendesk: the response when it succeeded, else a classified failure. */
async function zendeskRequest(
  access: ZendeskAccess,
  url: string,
  init: { method?: string; body?: unknown },
  fetcher: typeof fetch,
): Promise<ZendeskResult<Response>> {
  let response: Response;
  try {
    response = await fetcher(url, {
      method: init.method ?? "GET",
      headers: {
        authorization: access.authorization,
        accept: "application/json",
        ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    return { ok: false, kind: "transient", message: `Zendesk could not be reached: ${String(err)}` };
  }
  if (!response.ok) return classify(response);
  return { ok: true, value: response };
}

export async function fetchExportPage(
  access: ZendeskAccess,
  position: ExportPosition,
  fetcher: typeof fetch,
): Promise<ZendeskResult<ExportPage>> {
  const result = await zendeskRequest(access, exportPageUrl(access.baseUrl, position), {}, fetcher);
  if (!result.ok) return result;
  const page = parseExportPage(await result.value.json().catch(() => undefined));
  if (!page)
    return { ok: false, kind: "permanent", message: "Zendesk's export page did not have the documented shape" };
  return { ok: true, value: page };
}

/** Adds an internal note (a private comment) to a ticket. */
export async function addInternalNote(
  access: ZendeskAccess,
  ticketId: number,
  body: string,
  fetcher: typeof fetch,
): Promise<ZendeskResult<null>> {
  const result = await zendeskRequest(
    access,
    `${access.baseUrl}/api/v2/tickets/${ticketId}.json`,
    { method: "PUT", body: { ticket: { comment: { body, public: false } } } },
    fetcher,
  );
  if (!result.ok) return result;
  await result.value.body?.cancel();
  return { ok: true, value: null };
}
