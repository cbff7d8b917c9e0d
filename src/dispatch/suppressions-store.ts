/** Adds an address (by hash) to the suppression list; true if it was not there yet. */
export async function suppress(db: D1Database, emailHash: string, source: string, now: number): Promise<boolean> {
  const result = await db
    .prepare(`INSERT INTO suppressions (email_hash, created_at, source) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING`)
    .bind(emailHash, now, source)
    .run();
  return result.meta.changes === 1;
}

export async function isSuppressed(db: D1Database, emailHash: string): Promise<boolean> {
  return (await db.prepare(`SELECT 1 FROM suppressions WHERE email_hash = ?1`).bind(emailHash).first()) !== null;
}
