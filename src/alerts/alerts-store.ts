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
  /** The answer version's time, and when the alert may go out (later: it waited for its day). */
  createdAt: number;
  notBefore: number;
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
  not_before: number;
  zendesk_status: ChannelStatus;
  zendesk_detail: string | null;
  zendesk_maybe_posted: number;
  slack_status: ChannelStatus;
  slack_detail: string | null;
  comment: string | null;
  team: string;
}

/**
 * The ticket's last alert that was not withdrawn (by when it went or may go out), which spaces the
 * next one; null if it has none.
 */
export async function lastAlert(db: D1Database, ticketId: number): Promise<{ at: number; contentKey: string } | null> {
  return db
    .prepare(
      `SELECT max(created_at, not_before) AS at, COALESCE(content_key, '') AS contentKey FROM low_rating_alerts
       WHERE ticket_id = ?1 AND NOT (zendesk_status = 'skipped' AND slack_status = 'skipped')
       ORDER BY max(created_at, not_before) DESC LIMIT 1`,
    )
    .bind(ticketId)
    .first<{ at: number; contentKey: string }>();
}

/** Records an alert raised on an answer version (it goes out from `notBefore`). */
export function recordAlert(
  db: D1Database,
  alert: {
    ticketId: number;
    version: number;
    rating: number;
    createdAt: number;
    notBefore: number;
    contentKey: string;
  },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO low_rating_alerts (ticket_id, version, rating, created_at, not_before, content_key)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING`,
    )
    .bind(alert.ticketId, alert.version, alert.rating, alert.createdAt, alert.notBefore, alert.contentKey);
}

/**
 * Withdraws the ticket's alerts still waiting for their day that an answer stored at `at` (version
 * `version`) replaced: those of earlier versions not due by then, nothing sent yet. Returns their versions.
 */
export async function withdrawWaitingAlerts(
  db: D1Database,
  answer: { ticketId: number; version: number; at: number },
): Promise<number[]> {
  const { results } = await db
    .prepare(
      `DELETE FROM low_rating_alerts WHERE ticket_id = ?1 AND version < ?2 AND not_before > ?3
         AND zendesk_status = 'pending' AND slack_status = 'pending'
       RETURNING version`,
    )
    .bind(answer.ticketId, answer.version, answer.at)
    .all<{ version: number }>();
  return results.map((r) => r.version);
}

/** Withdraws one alert that has sent nothing yet (its answer was replaced before its day). */
export function withdrawAlert(db: D1Database, key: { ticketId: number; version: number }): D1PreparedStatement {
  return db
    .prepare(
      `DELETE FROM low_rating_alerts WHERE ticket_id = ?1 AND version = ?2
         AND zendesk_status = 'pending' AND slack_status = 'pending'`,
    )
    .bind(key.ticketId, key.version);
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
        createdAt: row.created_at,
        notBefore: row.not_before,
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

/** The ticket's answer as it is now: its version and rating (null: there is none). */
export async function currentAnswer(
  db: D1Database,
  ticketId: number,
): Promise<{ version: number; rating: number } | null> {
  return db
    .prepare("SELECT version, rating FROM responses WHERE ticket_id = ?1")
    .bind(ticketId)
    .first<{ version: number; rating: number }>();
}

/** A PostHog Support ticket's uuid and number by the product's key (the alerts write to it and link it). */
export async function postHogTicketOf(
  db: D1Database,
  ticketKey: number,
): Promise<{ uuid: string; number: number } | null> {
  const row = await db
    .prepare("SELECT ticket_uuid, ticket_number FROM posthog_support_tickets WHERE ticket_key = ?1")
    .bind(ticketKey)
    .first<{ ticket_uuid: string; ticket_number: number }>();
  return row ? { uuid: row.ticket_uuid, number: row.ticket_number } : null;
}
