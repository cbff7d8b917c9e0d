import { postHogNumberSql } from "../lib/ticket-keys";

/** A low answer (1 or 2) with where its alert got to. */
export interface LowRating {
  ticketId: number;
  /** The PostHog Support ticket's number (null for a Zendesk ticket). */
  ticketNumber: number | null;
  team: string;
  rating: number;
  comment: string | null;
  updatedAt: number;
  zendeskStatus: string | null;
  slackStatus: string | null;
}

export async function recentLowRatings(db: D1Database, limit: number): Promise<LowRating[]> {
  const { results } = await db
    .prepare(
      `SELECT r.ticket_id AS ticketId, ${postHogNumberSql("r.ticket_id")} AS ticketNumber, r.team, r.rating, r.comment, r.updated_at AS updatedAt,
         (SELECT a.zendesk_status FROM low_rating_alerts a WHERE a.ticket_id = r.ticket_id ORDER BY a.version DESC LIMIT 1) AS zendeskStatus,
         (SELECT a.slack_status FROM low_rating_alerts a WHERE a.ticket_id = r.ticket_id ORDER BY a.version DESC LIMIT 1) AS slackStatus
       FROM responses r WHERE r.rating <= 2 ORDER BY r.updated_at DESC LIMIT ?1`,
    )
    .bind(limit)
    .all<LowRating>();
  return results;
}

/** An answer as the CSV export writes it. */
export interface ExportedAnswer {
  ticketId: number;
  /** The PostHog Support ticket's number (null for a Zendesk ticket). */
  ticketNumber: number | null;
  team: string;
  rating: number;
  comment: string | null;
  distinctId: string | null;
  initialTargetArea: string | null;
  firstSubmittedAt: number;
  updatedAt: number;
}

/** Responses first given in [start, end), oldest first. */
export async function responsesBetween(db: D1Database, start: number, end: number): Promise<ExportedAnswer[]> {
  const { results } = await db
    .prepare(
      `SELECT ticket_id AS ticketId, ${postHogNumberSql("ticket_id")} AS ticketNumber, team, rating, comment, distinct_id AS distinctId,
         initial_target_area AS initialTargetArea, first_submitted_at AS firstSubmittedAt, updated_at AS updatedAt
       FROM responses WHERE first_submitted_at >= ?1 AND first_submitted_at < ?2 ORDER BY first_submitted_at`,
    )
    .bind(start, end)
    .all<ExportedAnswer>();
  return results;
}
