export interface OutboxRow {
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

export async function listOutbox(db: D1Database, limit: number): Promise<Array<Omit<OutboxRow, "html" | "text">>> {
  const { results } = await db
    .prepare(
      `SELECT id, idempotency_key, to_address, from_address, subject, headers, created_at FROM outbox ORDER BY id DESC LIMIT ?1`,
    )
    .bind(limit)
    .all<Omit<OutboxRow, "html" | "text">>();
  return results;
}

export async function findOutboxMessage(db: D1Database, id: number): Promise<OutboxRow | null> {
  return db.prepare(`SELECT * FROM outbox WHERE id = ?1`).bind(id).first<OutboxRow>();
}

/** Erasure: emails the local outbox kept for the person's addresses. */
export function eraseOutbox(db: D1Database, addresses: string[]): D1PreparedStatement {
  return db
    .prepare(`DELETE FROM outbox WHERE lower(to_address) IN (SELECT value FROM json_each(?1))`)
    .bind(JSON.stringify(addresses));
}
