import { answerWrittenSql } from "../lib/answer-written";

/** A ticket's rating as it should be written back to Zendesk, and how far that got. */
export interface RatingWriteback {
  ticketId: number;
  /** The answer as it is now: its version and rating (null when the answer is gone). */
  answer: { version: number; rating: number } | null;
  writtenVersion: number;
  status: "pending" | "done" | "skipped" | "failed";
}

/**
 * Asks for the ticket's rating to be written (again), if this write stored the answer: a row per
 * ticket, raised to the answer's latest version. A statement for the answer's own transaction; it
 * changes a row (`meta.changes` 1) when the row now waits for that version (so a message should go).
 */
export function requestWriteback(
  db: D1Database,
  write: { ticketId: number; version: number; rating: number; comment: string | null; at: number },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO ticket_rating_writebacks (ticket_id, version, status, enqueued_at, updated_at)
       SELECT ?1, ?2, 'pending', ?3, ?3 WHERE ${answerWrittenSql({ ticketId: "?1", version: "?2", at: "?3", rating: "?4", comment: "?5" })}
       ON CONFLICT (ticket_id) DO UPDATE SET version = excluded.version, status = 'pending', detail = NULL,
         enqueued_at = excluded.enqueued_at, updated_at = excluded.updated_at
       WHERE excluded.version > ticket_rating_writebacks.written_version`,
    )
    .bind(write.ticketId, write.version, write.at, write.rating, write.comment);
}

export async function loadWriteback(db: D1Database, ticketId: number): Promise<RatingWriteback | null> {
  const row = await db
    .prepare(
      `SELECT w.ticket_id, w.written_version, w.status, r.version AS answer_version, r.rating AS answer_rating
       FROM ticket_rating_writebacks w LEFT JOIN responses r ON r.ticket_id = w.ticket_id WHERE w.ticket_id = ?1`,
    )
    .bind(ticketId)
    .first<{
      ticket_id: number;
      written_version: number;
      status: RatingWriteback["status"];
      answer_version: number | null;
      answer_rating: number | null;
    }>();
  if (!row) return null;
  return {
    ticketId: row.ticket_id,
    answer:
      row.answer_version !== null && row.answer_rating !== null
        ? { version: row.answer_version, rating: row.answer_rating }
        : null,
    writtenVersion: row.written_version,
    status: row.status,
  };
}

/** Records an attempt: `done` with the version now on the ticket, or another status with why. */
export async function settleWriteback(
  db: D1Database,
  ticketId: number,
  outcome: { status: "done"; version: number } | { status: "pending" | "skipped" | "failed"; detail: string },
  now: number,
): Promise<void> {
  if (outcome.status === "done") {
    await db
      .prepare(
        `UPDATE ticket_rating_writebacks SET written_version = max(written_version, ?2), detail = NULL, updated_at = ?3,
           status = CASE WHEN version <= max(written_version, ?2) THEN 'done' ELSE 'pending' END
         WHERE ticket_id = ?1`,
      )
      .bind(ticketId, outcome.version, now)
      .run();
    return;
  }
  await db
    .prepare(`UPDATE ticket_rating_writebacks SET status = ?2, detail = ?3, updated_at = ?4 WHERE ticket_id = ?1`)
    .bind(ticketId, outcome.status, outcome.detail.slice(0, 500), now)
    .run();
}

/** Write-backs still pending well after they were queued (a lost message): queued again. */
export async function reclaimPendingWritebacks(db: D1Database, now: number, olderThanMs: number, limit: number) {
  const { results } = await db
    .prepare(
      `UPDATE ticket_rating_writebacks SET enqueued_at = ?1
       WHERE ticket_id IN (SELECT ticket_id FROM ticket_rating_writebacks
         WHERE status = 'pending' AND enqueued_at < ?2 ORDER BY enqueued_at LIMIT ?3)
       RETURNING ticket_id`,
    )
    .bind(now, now - olderThanMs, limit)
    .all<{ ticket_id: number }>();
  return results.map((r) => r.ticket_id);
}
