import { startFake, type FakeServer, type RecordedRequest, type Reply } from "./fake-server";
import type { FakeTicket } from "./types";

export type { FakeTicket } from "./types";

/**
 * Zendesk's API as the dispatcher uses it: the cursor-based incremental ticket export with
 * sideloaded users, groups and metric sets, and ticket updates. Each test works in its own account
 * under `/t/<account>` (the product's ZENDESK_BASE_URL points there), seeded through
 * `POST /__fake/zendesk/<account>/tickets`.
 */
interface Account {
  tickets: Map<number, FakeTicket>;
  pageSize: number;
  email: string;
  token: string;
  /** Ticket ids whose update Zendesk refuses because they are closed. */
  notes: Array<{ ticketId: number; body: string; public: boolean }>;
}

const accounts = new Map<string, Account>();

function account(name: string): Account {
  let a = accounts.get(name);
  if (!a) {
    a = { tickets: new Map(), pageSize: 1000, email: "agent@example.com", token: "test-zendesk-token", notes: [] };
    accounts.set(name, a);
  }
  return a;
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

function exportPage(a: Account, req: RecordedRequest, base: string): Reply {
  const include = (req.query.include ?? "").split(",");
  for (const needed of ["users", "groups", "metric_sets"]) {
    if (!include.includes(needed)) return error(400, "InvalidValue", `expected include to list ${needed}`);
  }
  const perPage = Number(req.query.per_page ?? 1000);
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 1000) return error(400, "InvalidPaginationParameter");
  let after: [number, number];
  if (req.query.cursor !== undefined) {
    const decoded = decodeCursor(req.query.cursor);
    if (!decoded) return error(400, "InvalidCursor");
    after = decoded;
  } else if (req.query.start_time !== undefined) {
    const start = Number(req.query.start_time);
    if (!Number.isInteger(start) || start < 0) return error(400, "InvalidValue", "start_time");
    after = [start * 1000 - 1, Number.MAX_SAFE_INTEGER];
  } else {
    return error(400, "InvalidValue", "start_time or cursor is required");
  }
  const ordered = [...a.tickets.values()]
    .map((t) => ({ t, at: Date.parse(t.updated_at) }))
    .sort((x, y) => x.at - y.at || x.t.id - y.t.id)
    .filter(({ t, at }) => at > after[0] || (at === after[0] && t.id > after[1]));
  const size = Math.min(perPage, a.pageSize);
  const page = ordered.slice(0, size);
  const last = page[page.length - 1];
  const afterCursor = last ? encodeCursor(last.at, last.t.id) : encodeCursor(after[0], after[1]);
  const users = new Map<number, unknown>();
  const groups = new Map<number, unknown>();
  for (const { t } of page) {
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
  }
  return {
    status: 200,
    headers: { "x-rate-limit": "700", "x-rate-limit-remaining": "699" },
    body: {
      tickets: page.map(({ t }) => ({
        url: `${base}/api/v2/tickets/${t.id}.json`,
        id: t.id,
        status: t.status,
        subject: `Ticket ${t.id}`,
        requester_id: t.requester.id,
        submitter_id: t.requester.id,
        group_id: t.group?.id ?? null,
        tags: t.tags ?? [],
        created_at: t.updated_at,
        updated_at: t.updated_at,
        generated_timestamp: Math.floor(Date.parse(t.updated_at) / 1000),
      })),
      users: [...users.values()],
      groups: [...groups.values()],
      metric_sets: page.map(({ t }) => ({
        id: t.id * 10,
        ticket_id: t.id,
        solved_at: t.solved_at ?? null,
        reopens: 0,
        replies: 1,
      })),
      after_cursor: afterCursor,
      after_url: `${base}/api/v2/incremental/tickets/cursor.json?cursor=${afterCursor}`,
      before_cursor: null,
      before_url: null,
      end_of_stream: ordered.length <= size,
    },
  };
}

export function startFakeZendesk(port = 0): Promise<FakeServer> {
  return startFake(
    "zendesk",
    (req) => {
      const m = /^\/t\/([\w-]+)(\/api\/v2\/.*)$/.exec(req.path);
      if (!m) return undefined;
      const a = accounts.get(m[1]!);
      if (!a) return error(404, "RecordNotFound", "no such account");
      const base = `http://${req.headers.host}/t/${m[1]}`;
      const basic = `Basic ${Buffer.from(`${a.email}/token:${a.token}`).toString("base64")}`;
      if (req.headers.authorization !== basic && req.headers.authorization !== `Bearer ${a.token}`) {
        return error(401, "Couldn't authenticate you");
      }
      const path = m[2]!;
      if (req.method === "GET" && path === "/api/v2/incremental/tickets/cursor.json") return exportPage(a, req, base);
      const update = /^\/api\/v2\/tickets\/(\d+)\.json$/.exec(path);
      if (req.method === "PUT" && update) {
        const ticket = a.tickets.get(Number(update[1]));
        if (!ticket) return error(404, "RecordNotFound", "Not found");
        if (ticket.status === "closed") {
          return {
            status: 422,
            body: {
              error: "RecordInvalid",
              description: "Record validation errors",
              details: { status: [{ description: "Status: closed prevents ticket update" }] },
            },
          };
        }
        const comment = (req.body as { ticket?: { comment?: { body?: string; public?: boolean } } }).ticket?.comment;
        if (!comment?.body) return error(400, "InvalidValue", "ticket.comment.body is required");
        a.notes.push({ ticketId: ticket.id, body: comment.body, public: comment.public !== false });
        return { status: 200, body: { ticket: { id: ticket.id, status: ticket.status } } };
      }
      return undefined;
    },
    port,
    (path, req) => {
      const m = /^zendesk\/([\w-]+)\/(tickets|config|notes)$/.exec(path);
      if (!m) return undefined;
      const a = account(m[1]!);
      if (m[2] === "notes") return { status: 200, body: a.notes };
      if (req.method !== "POST") return undefined;
      if (m[2] === "tickets") {
        for (const t of req.body as FakeTicket[]) a.tickets.set(t.id, t);
        return { status: 200, body: { tickets: a.tickets.size } };
      }
      Object.assign(a, req.body as Partial<Account>);
      return { status: 200, body: { ok: true } };
    },
  );
}
