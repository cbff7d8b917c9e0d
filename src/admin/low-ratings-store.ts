export interface LowRatingRow {
  ticket_id: number;
  team: string;
  rating: number;
  comment: string | null;
  updated_at: number;
  zendesk_status: string | null;
  slack_status: string | null;
}

export async function recentLowRatings(db: D1Database, limit: number): Promise<LowRatingRow[]> {
  const { results } = await db
    .prepare(
      `SELECT r.ticket_id, r.team, r.rating, r.comment, r.updated_at,
         (SELECT a.zendesk_status FROM low_rating_alerts a WHERE a.ticket_id = r.ticket_id ORDER BY a.version DESC LIMIT 1) AS zendesk_status,
         (SELECT a.slack_status FROM low_rating_alerts a WHERE a.ticket_id = r.ticket_id ORDER BY a.version DESC LIMIT 1) AS slack_status
       FROM responses r WHERE r.rating <= 2 ORDER BY r.updated_at DESC LIMIT ?1`,
    )
    .bind(limit)
    .all<LowRatingRow>();
  return results;
}

export interface ExportRow {
  ticket_id: number;
  team: string;
  rating: number;
  comment: string | null;
  distinct_id: string | null;
  initial_target_area: string | null;
  first_submitted_at: number;
  updated_at: number;
}

/** Responses first given in [start, end), oldest first. */
export async function responsesBetween(db: D1Database, start: number, end: number): Promise<ExportRow[]> {
  const { results } = await db
    .prepare(
      `SELECT ticket_id, team, rating, comment, distinct_id, initial_target_area, first_submitted_at, updated_at
       FROM responses WHERE first_submitted_at >= ?1 AND first_submitted_at < ?2 ORDER BY first_submitted_at`,
    )
    .bind(start, end)
    .all<ExportRow>();
  return results;
}
