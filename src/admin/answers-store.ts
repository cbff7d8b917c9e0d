import { postHogNumberSql } from "../lib/ticket-keys";

/** The answers page's reads: one page of answers, the rating distribution, and what to filter by. */

export interface AnswerFilter {
  /** [start, end) in ms of first answer; the whole history when no month is chosen. */
  start: number;
  end: number;
  team: string | null;
  rating: number | null;
}

/** Where the next page starts: the last answer shown (answers are ordered newest first, then by ticket). */
export interface AnswerCursor {
  at: number;
  ticketId: number;
}

/** An answer as the answers page lists it. */
export interface ListedAnswer {
  ticketId: number;
  /** The PostHog Support ticket's number (null for a Zendesk ticket). */
  ticketNumber: number | null;
  team: string;
  rating: number;
  comment: string | null;
  firstSubmittedAt: number;
  updatedAt: number;
}

export async function answersPage(
  db: D1Database,
  filter: AnswerFilter,
  after: AnswerCursor | null,
  limit: number,
): Promise<ListedAnswer[]> {
  const { results } = await db
    .prepare(
      `SELECT ticket_id AS ticketId, ${postHogNumberSql("ticket_id")} AS ticketNumber, team, rating, comment,
         first_submitted_at AS firstSubmittedAt, updated_at AS updatedAt
       FROM responses
       WHERE first_submitted_at >= ?1 AND first_submitted_at < ?2
         AND (?3 IS NULL OR team = ?3) AND (?4 IS NULL OR rating = ?4)
         AND (?5 IS NULL OR first_submitted_at < ?5 OR (first_submitted_at = ?5 AND ticket_id < ?6))
       ORDER BY first_submitted_at DESC, ticket_id DESC LIMIT ?7`,
    )
    .bind(filter.start, filter.end, filter.team, filter.rating, after?.at ?? null, after?.ticketId ?? null, limit)
    .all<ListedAnswer>();
  return results;
}

/** How many answers gave each rating, 1 to 5 (zeros included), for the month and team (not the rating filter). */
export async function ratingDistribution(db: D1Database, filter: AnswerFilter): Promise<number[]> {
  const { results } = await db
    .prepare(
      `SELECT rating, COUNT(*) AS answers FROM responses
       WHERE first_submitted_at >= ?1 AND first_submitted_at < ?2 AND (?3 IS NULL OR team = ?3)
       GROUP BY rating`,
    )
    .bind(filter.start, filter.end, filter.team)
    .all<{ rating: number; answers: number }>();
  const counts = [0, 0, 0, 0, 0];
  for (const r of results) counts[r.rating - 1] = r.answers;
  return counts;
}

/** Teams that answered in the range, for the filter (a few dozen at most). */
export async function answeredTeams(db: D1Database, start: number, end: number): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT DISTINCT team FROM responses WHERE first_submitted_at >= ?1 AND first_submitted_at < ?2 ORDER BY team LIMIT 200`,
    )
    .bind(start, end)
    .all<{ team: string }>();
  return results.map((r) => r.team);
}

/** Months with answers, newest first, from the tally (erasure never removes a month from it). */
export async function answeredMonths(db: D1Database, limit: number): Promise<string[]> {
  const { results } = await db
    .prepare(`SELECT month FROM hedgehog_tally ORDER BY month DESC LIMIT ?1`)
    .bind(limit)
    .all<{ month: string }>();
  return results.map((r) => r.month);
}

/** The month of the first answer ever (the tally's first month), or null before any. */
export async function firstAnsweredMonth(db: D1Database): Promise<string | null> {
  const row = await db.prepare(`SELECT MIN(month) AS month FROM hedgehog_tally`).first<{ month: string | null }>();
  return row?.month ?? null;
}
