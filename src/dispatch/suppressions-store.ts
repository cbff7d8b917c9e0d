/** Adds an address (by hash) to the suppression list; true if it was not there yet. */
export async function suppress(db: D1Database, emailHash: string, source: string, now: number): Promise<boolean> {
  const result = await db
    .prepare(`INSERT INTO suppressions (email_hash, created_at, source) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING`)
    .bind(emailHash, now, source)
    .run();
  return result.meta.changes === 1;
}

/** The address a ticket's survey went to: its hash (for the suppression list) and, unless erased, the address. */
export async function surveyedAddress(
  db: D1Database,
  ticketId: number,
): Promise<{ emailHash: string; email: string | null } | null> {
  const row = await db
    .prepare(
      `SELECT COALESCE(s.email_hash, c.email_hash) AS email_hash, COALESCE(s.to_address, c.requester_email) AS email
       FROM survey_sends s LEFT JOIN candidates c ON c.ticket_id = s.ticket_id WHERE s.ticket_id = ?1`,
    )
    .bind(ticketId)
    .first<{ email_hash: string | null; email: string | null }>();
  return row?.email_hash ? { emailHash: row.email_hash, email: row.email } : null;
}

/** Erasure: every address of the person, by hash, so no survey reaches them again. */
export function suppressAll(db: D1Database, emailHashes: string[], source: string, now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO suppressions (email_hash, created_at, source) SELECT value, ?2, ?3 FROM json_each(?1) WHERE true
       ON CONFLICT DO NOTHING`,
    )
    .bind(JSON.stringify(emailHashes), now, source);
}

/** Which of these address hashes are on the suppression list. */
export async function suppressedAmong(db: D1Database, emailHashes: string[]): Promise<Set<string>> {
  if (emailHashes.length === 0) return new Set();
  const { results } = await db
    .prepare(`SELECT email_hash FROM suppressions WHERE email_hash IN (SELECT value FROM json_each(?1))`)
    .bind(JSON.stringify([...new Set(emailHashes)]))
    .all<{ email_hash: string }>();
  return new Set(results.map((r) => r.email_hash));
}
