/** A ticket as the dispatcher keeps it. */
export interface CandidateInput {
  ticketId: number;
  status: string;
  solvedAt: number | null;
  requesterId: number | null;
  email: string | null;
  name: string | null;
  externalId: string | null;
  role: string | null;
  emailHash: string | null;
  groupName: string | null;
  tags: string[];
  ticketUpdatedAt: number;
}

export interface CandidateRow {
  ticket_id: number;
  status: string;
  solved_at: number | null;
  requester_id: number | null;
  requester_email: string | null;
  requester_name: string | null;
  requester_external_id: string | null;
  requester_role: string | null;
  email_hash: string | null;
  group_name: string | null;
  tags: string;
  ticket_updated_at: number;
  synced_at: number;
}

export async function readCursor(db: D1Database, account: string): Promise<string | null> {
  const row = await db
    .prepare(`SELECT cursor FROM zendesk_sync WHERE account = ?1`)
    .bind(account)
    .first<{ cursor: string | null }>();
  return row?.cursor ?? null;
}

/**
 * Stores one export page and the cursor after it in one batch (one transaction), so the cursor never
 * runs ahead of the tickets it covers. One statement for the whole page: its rows travel as JSON.
 * An older copy of a ticket never overwrites a newer one.
 */
export async function savePage(
  db: D1Database,
  account: string,
  candidates: CandidateInput[],
  afterCursor: string | null,
  now: number,
): Promise<void> {
  const rows = candidates.map((c) => ({
    t: c.ticketId,
    s: c.status,
    sa: c.solvedAt,
    r: c.requesterId,
    e: c.email,
    n: c.name,
    x: c.externalId,
    ro: c.role,
    h: c.emailHash,
    g: c.groupName,
    tg: JSON.stringify(c.tags),
    u: c.ticketUpdatedAt,
  }));
  const statements = [];
  if (rows.length > 0) {
    statements.push(
      db
        .prepare(
          `INSERT INTO candidates (ticket_id, status, solved_at, requester_id, requester_email, requester_name,
             requester_external_id, requester_role, email_hash, group_name, tags, ticket_updated_at, synced_at)
           SELECT j.value ->> 't', j.value ->> 's', j.value ->> 'sa', j.value ->> 'r', j.value ->> 'e', j.value ->> 'n',
             j.value ->> 'x', j.value ->> 'ro', j.value ->> 'h', j.value ->> 'g', j.value ->> 'tg', j.value ->> 'u', ?2
           FROM json_each(?1) AS j WHERE true
           ON CONFLICT (ticket_id) DO UPDATE SET
             status = excluded.status, solved_at = excluded.solved_at, requester_id = excluded.requester_id,
             requester_email = excluded.requester_email, requester_name = excluded.requester_name,
             requester_external_id = excluded.requester_external_id, requester_role = excluded.requester_role,
             email_hash = excluded.email_hash, group_name = excluded.group_name, tags = excluded.tags,
             ticket_updated_at = excluded.ticket_updated_at, synced_at = excluded.synced_at
           WHERE excluded.ticket_updated_at >= candidates.ticket_updated_at`,
        )
        .bind(JSON.stringify(rows), now),
    );
  }
  statements.push(
    db
      .prepare(
        `INSERT INTO zendesk_sync (account, cursor, pages, updated_at) VALUES (?3, ?1, 1, ?2)
         ON CONFLICT (account) DO UPDATE SET cursor = COALESCE(excluded.cursor, zendesk_sync.cursor),
           pages = zendesk_sync.pages + 1, updated_at = excluded.updated_at`,
      )
      .bind(afterCursor, now, account),
  );
  await db.batch(statements);
}

export async function findCandidate(db: D1Database, ticketId: number): Promise<CandidateRow | null> {
  return db.prepare(`SELECT * FROM candidates WHERE ticket_id = ?1`).bind(ticketId).first<CandidateRow>();
}
