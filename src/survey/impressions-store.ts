import { leasePendingCaptures, type CaptureClaim } from "./capture-store";

/** The columns of a `survey_impressions` row that make a StoredImpression. */
interface ImpressionRow {
  ticket_id: number;
  distinct_id: string | null;
  team: string;
  first_shown_at: number;
  capture_attempts: number;
}

/** A ticket's first view of its survey, kept until PostHog has taken its `survey shown`. */
export interface StoredImpression {
  ticketId: number;
  /** Null once the person was erased. */
  distinctId: string | null;
  team: string;
  shownAt: number;
  /** How many times PostHog has not accepted it yet. */
  captureAttempts: number;
}

const IMPRESSION_COLUMNS = "ticket_id, distinct_id, team, first_shown_at, capture_attempts";

function toImpression(r: ImpressionRow): StoredImpression {
  return {
    ticketId: r.ticket_id,
    distinctId: r.distinct_id,
    team: r.team,
    shownAt: r.first_shown_at,
    captureAttempts: r.capture_attempts,
  };
}

/**
 * Stores the first view of a ticket's survey, with what its `survey shown` needs; true only for that
 * first view (another device, a reload or a second report stores nothing and owes nothing).
 */
export async function recordImpression(
  db: D1Database,
  view: { ticketId: number; distinctId: string; team: string },
  now: number,
): Promise<boolean> {
  const result = await db
    .prepare(
      `INSERT INTO survey_impressions (ticket_id, distinct_id, team, first_shown_at) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT DO NOTHING`,
    )
    .bind(view.ticketId, view.distinctId, view.team, now)
    .run();
  return result.meta.changes === 1;
}

/** Leases impressions PostHog has not accepted yet (see leasePendingCaptures). */
export async function claimPendingImpressions(
  db: D1Database,
  now: number,
  claim: CaptureClaim,
): Promise<StoredImpression[]> {
  const rows = await leasePendingCaptures<ImpressionRow>(db, "survey_impressions", IMPRESSION_COLUMNS, now, claim);
  return rows.map(toImpression);
}

/**
 * Erasure: the distinct id of a person's impressions, on their tickets or under their distinct id. The
 * row stays (the ticket was shown its survey once), so a later view sends nothing either; one not
 * delivered yet is then settled unsent by the delivery, which has no one to send it for.
 */
export function eraseImpressions(
  db: D1Database,
  who: { ticketIdsJson: string; distinctId: string | null },
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE survey_impressions SET distinct_id = NULL
       WHERE (ticket_id IN (SELECT value FROM json_each(?1)) OR (?2 IS NOT NULL AND distinct_id = ?2))
         AND distinct_id IS NOT NULL`,
    )
    .bind(who.ticketIdsJson, who.distinctId);
}
