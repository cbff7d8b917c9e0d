import type { OutgoingEmail } from "../services/mail";

/** An email the local outbox kept instead of sending (MAIL_PROVIDER=outbox). */
export interface OutboxMessage extends OutgoingEmail {
  id: number;
  createdAt: number;
}

/** The list view leaves out the bodies. */
export type OutboxSummary = Pick<OutboxMessage, "id" | "to" | "subject" | "createdAt">;

interface OutboxRow {
  id: number;
  idempotency_key: string;
  to_address: string;
  from_address: string;
  subject: string;
  html: string;
  text: string;
  headers: string;
  created_at: number;
}

export async function listOutbox(db: D1Database, limit: number): Promise<OutboxSummary[]> {
  const { results } = await db
    .prepare(`SELECT id, to_address AS "to", subject, created_at AS createdAt FROM outbox ORDER BY id DESC LIMIT ?1`)
    .bind(limit)
    .all<OutboxSummary>();
  return results;
}

export async function findOutboxMessage(db: D1Database, id: number): Promise<OutboxMessage | null> {
  const row = await db.prepare(`SELECT * FROM outbox WHERE id = ?1`).bind(id).first<OutboxRow>();
  return row && toOutboxMessage(row);
}

function toOutboxMessage(row: OutboxRow): OutboxMessage {
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    to: row.to_address,
    from: row.from_address,
    subject: row.subject,
    html: row.html,
    text: row.text,
    headers: JSON.parse(row.headers) as Record<string, string>,
    createdAt: row.created_at,
  };
}

/** Erasure: emails the local outbox kept for the person's addresses. */
export function eraseOutbox(db: D1Database, addresses: string[]): D1PreparedStatement {
  return db
    .prepare(`DELETE FROM outbox WHERE lower(to_address) IN (SELECT value FROM json_each(?1))`)
    .bind(JSON.stringify(addresses));
}
