export type ChannelStatus = "pending" | "done" | "skipped" | "failed";

export interface AlertRow {
  ticket_id: number;
  version: number;
  rating: number;
  created_at: number;
  enqueued_at: number;
  zendesk_status: ChannelStatus;
  zendesk_detail: string | null;
  slack_status: ChannelStatus;
  slack_detail: string | null;
  comment: string | null;
  team: string;
}

/** Records a low answer's alert; true if it is new (an alert is raised once per answer version). */
export async function createAlert(
  db: D1Database,
  ticketId: number,
  version: number,
  rating: number,
  now: number,
): Promise<boolean> {
  const result = await db
    .prepare(
      `INSERT INTO low_rating_alerts (ticket_id, version, rating, created_at, enqueued_at) VALUES (?1, ?2, ?3, ?4, ?4)
       ON CONFLICT DO NOTHING`,
    )
    .bind(ticketId, version, rating, now)
    .run();
  return result.meta.changes === 1;
}

export async function loadAlert(db: D1Database, ticketId: number, version: number): Promise<AlertRow | null> {
  return db
    .prepare(
      `SELECT a.*, r.comment, r.team FROM low_rating_alerts a JOIN responses r ON r.ticket_id = a.ticket_id
       WHERE a.ticket_id = ?1 AND a.version = ?2`,
    )
    .bind(ticketId, version)
    .first<AlertRow>();
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

/** Alerts still pending well after they were queued (a lost message): queued again. */
export async function reclaimPendingAlerts(db: D1Database, now: number, olderThanMs: number, limit: number) {
  const { results } = await db
    .prepare(
      `UPDATE low_rating_alerts SET enqueued_at = ?1
       WHERE rowid IN (SELECT rowid FROM low_rating_alerts
         WHERE (zendesk_status = 'pending' OR slack_status = 'pending') AND enqueued_at < ?2 ORDER BY enqueued_at LIMIT ?3)
       RETURNING ticket_id, version`,
    )
    .bind(now, now - olderThanMs, limit)
    .all<{ ticket_id: number; version: number }>();
  return results;
}
