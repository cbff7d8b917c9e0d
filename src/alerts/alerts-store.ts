import { answerWrittenSql } from "../lib/answer-written";

export type ChannelStatus = "pending" | "done" | "skipped" | "failed";

/** A low-rating alert with the answer it is about, as the consumer needs it. */
export interface Alert {
  ticketId: number;
  version: number;
  /** The rating alerted on, and the answer's rating now (it may have been raised since). */
  rating: number;
  currentRating: number;
  comment: string | null;
  team: string;
  zendesk: ChannelStatus;
  /** An earlier attempt at the Zendesk note may have posted it (a timeout or 5xx): look before posting. */
  zendeskMaybePosted: boolean;
  slack: ChannelStatus;
}

interface AlertRow {
  ticket_id: number;
  version: number;
  rating: number;
  /** The answer's rating now (it may have been raised since the alert was made). */
  current_rating: number;
  created_at: number;
  enqueued_at: number;
  zendesk_status: ChannelStatus;
  zendesk_detail: string | null;
  zendesk_maybe_posted: number;
  slack_status: ChannelStatus;
  slack_detail: string | null;
  comment: string | null;
  team: string;
}

/** One alert per ticket per day: a low answer within a day of the last alert waits until the day has passed. */
export const ALERT_SPACING_MS = 24 * 60 * 60_000;

/** An answer being stored, as its alert statements need it (see lib/answer-written.ts). */
export interface AlertedWrite {
  ticketId: number;
  version: number;
  rating: number;
  comment: string | null;
  at: number;
}

/**
 * The answer went above 2: an alert still waiting for its day is no longer due. Deletes only if this
 * write stored the answer.
 */
export function cancelWaitingAlerts(db: D1Database, write: AlertedWrite): D1PreparedStatement {
  return db
    .prepare(
      `DELETE FROM low_rating_alerts WHERE ticket_id = ?1 AND not_before > ?3
         AND zendesk_status = 'pending' AND slack_status = 'pending'
         AND ${answerWrittenSql({ ticketId: "?1", version: "?2", at: "?3", rating: "?4", comment: "?5" })}`,
    )
    .bind(write.ticketId, write.version, write.at, write.rating, write.comment);
}

/**
 * Records a low answer's alert, at most one per ticket per day, if this write stored the answer: an
 * alert still waiting for its day is replaced by this newer answer; an answer the same as the last one
 * alerted (rating and comment: `contentKey`) raises nothing. Two statements for the answer's own
 * transaction; the second returns `not_before`, when the alert may go out (no row: none was raised).
 */
export function createAlert(db: D1Database, write: AlertedWrite & { contentKey: string }): D1PreparedStatement[] {
  return [
    cancelWaitingAlerts(db, write),
    db
      .prepare(
        `WITH last AS (
           SELECT max(created_at, not_before) AS at, content_key FROM low_rating_alerts
           WHERE ticket_id = ?1 AND NOT (zendesk_status = 'skipped' AND slack_status = 'skipped')
           ORDER BY max(created_at, not_before) DESC LIMIT 1)
         INSERT INTO low_rating_alerts (ticket_id, version, rating, created_at, enqueued_at, not_before, content_key)
         SELECT ?1, ?2, ?3, ?4, CASE WHEN due <= ?4 THEN ?4 ELSE 0 END, due, ?5
         FROM (SELECT max(?4, COALESCE((SELECT at FROM last), 0) + ?6) AS due)
         WHERE NOT EXISTS (SELECT 1 FROM last WHERE content_key = ?5)
           AND ${answerWrittenSql({ ticketId: "?1", version: "?2", at: "?4", rating: "?3", comment: "?7" })}
         ON CONFLICT DO NOTHING
         RETURNING not_before`,
      )
      .bind(write.ticketId, write.version, write.rating, write.at, write.contentKey, ALERT_SPACING_MS, write.comment),
  ];
}

/** When the alert createAlert's statements raised may go out (null: none was raised). */
export function raisedAlert(results: D1Result[]): { notBefore: number } | null {
  const row = (results[1]?.results[0] as { not_before: number } | undefined) ?? null;
  return row ? { notBefore: row.not_before } : null;
}

export async function loadAlert(db: D1Database, ticketId: number, version: number): Promise<Alert | null> {
  const row = await db
    .prepare(
      `SELECT a.*, r.comment, r.team, r.rating AS current_rating FROM low_rating_alerts a JOIN responses r ON r.ticket_id = a.ticket_id
       WHERE a.ticket_id = ?1 AND a.version = ?2`,
    )
    .bind(ticketId, version)
    .first<AlertRow>();
  return row
    ? {
        ticketId: row.ticket_id,
        version: row.version,
        rating: row.rating,
        currentRating: row.current_rating,
        comment: row.comment,
        team: row.team,
        zendesk: row.zendesk_status,
        zendeskMaybePosted: row.zendesk_maybe_posted === 1,
        slack: row.slack_status,
      }
    : null;
}

export async function markChannel(
  db: D1Database,
  key: { ticketId: number; version: number },
  channel: "zendesk" | "slack",
  status: ChannelStatus,
  detail: string | null,
): Promise<void> {
  const column = channel === "zendesk" ? "zendesk" : "slack";
  await db
    .prepare(
      `UPDATE low_rating_alerts SET ${column}_status = ?3, ${column}_detail = ?4 WHERE ticket_id = ?1 AND version = ?2`,
    )
    .bind(key.ticketId, key.version, status, detail?.slice(0, 500) ?? null)
    .run();
}

/** The note's request may have taken effect (a timeout or 5xx): still pending, looked for before it is posted again. */
export async function markNoteMaybePosted(
  db: D1Database,
  key: { ticketId: number; version: number },
  detail: string,
): Promise<void> {
  await db
    .prepare(
      `UPDATE low_rating_alerts SET zendesk_status = 'pending', zendesk_detail = ?3, zendesk_maybe_posted = 1
       WHERE ticket_id = ?1 AND version = ?2`,
    )
    .bind(key.ticketId, key.version, detail.slice(0, 500))
    .run();
}

/** Alerts still pending well after they were queued (a lost message), or whose day has come: queued. */
export async function reclaimPendingAlerts(db: D1Database, now: number, olderThanMs: number, limit: number) {
  const { results } = await db
    .prepare(
      `UPDATE low_rating_alerts SET enqueued_at = ?1
       WHERE rowid IN (SELECT rowid FROM low_rating_alerts
         WHERE (zendesk_status = 'pending' OR slack_status = 'pending') AND enqueued_at < ?2 AND not_before <= ?1
         ORDER BY enqueued_at LIMIT ?3)
       RETURNING ticket_id AS ticketId, version`,
    )
    .bind(now, now - olderThanMs, limit)
    .all<{ ticketId: number; version: number }>();
  return results;
}
