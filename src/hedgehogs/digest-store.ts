/**
 * The Monday digest's reads (a week's answers, surveys emailed and first-reply targets, by team:
 * like the monthly report, it reads the survey's and the sync's tables on purpose) and its own table,
 * weekly_digests: one row per team and week, stored once, each channel settled once.
 */
import { DEFAULT_TEAM } from "../lib/survey-link";
import { namedTeams } from "../lib/teams";
import { ticketPage } from "../services/ticket-pages";
import { buildDigest, type DigestAnswer, type WeeklyDigest } from "./digest";
import { previousWeek, weekRange } from "./digest-week";
import { REPORT_SQL } from "./report-sql";
import type { TeamCounts } from "./report";

const DIGEST_SQL = {
  /** ?1 start (ms), ?2 end (ms). Surveys emailed, by the team of the ticket. */
  // A ticket without a team was surveyed, and is answered, under the default team (DEFAULT_TEAM).
  emailed: `SELECT COALESCE(team, ?3) AS team, COUNT(*) AS surveysEmailed FROM survey_sends
            WHERE status = 'sent' AND sent_at >= ?1 AND sent_at < ?2 GROUP BY 1`,
  /** ?1 start (ms), ?2 end (ms). Answers by team and whether the ticket's first reply met its target. */
  target: `SELECT r.team AS team, c.target_met AS targetMet, COUNT(*) AS answers
           FROM responses r LEFT JOIN ticket_context c ON c.ticket_id = r.ticket_id
           WHERE r.first_submitted_at >= ?1 AND r.first_submitted_at < ?2 GROUP BY r.team, c.target_met`,
  /** ?1 start (ms), ?2 end (ms). The week's low ratings and commented answers, with PostHog Support's number. */
  answers: `SELECT r.ticket_id AS ticketId, r.team AS team, r.rating AS rating, r.comment AS comment,
              r.reasons AS reasons, p.ticket_number AS ticketNumber
            FROM responses r LEFT JOIN posthog_support_tickets p ON p.ticket_key = r.ticket_id
            WHERE r.first_submitted_at >= ?1 AND r.first_submitted_at < ?2 AND (r.rating <= 3 OR r.comment IS NOT NULL)
            ORDER BY r.rating, r.first_submitted_at LIMIT 5000`,
  /** Every hedgehog fed so far. */
  hedgehogs: `SELECT COALESCE(SUM(hedgehogs), 0) AS hedgehogs FROM hedgehog_tally`,
} as const;

/** What a digest needs besides the tables: the calendar, the reasons' labels, the teams, the ticket pages. */
export interface DigestSources {
  timeZone: string;
  reasons: Array<{ id: string; label: string }>;
  /** The per-team settings (SLACK_WEBHOOK_URLS, DIGEST_EMAILS): teams named there get a digest every week. */
  teamSettings: Array<Record<string, unknown>>;
  zendeskBaseUrl: string | undefined;
  posthog: { appHost: string; projectId: string | undefined };
}

interface AnswerRow {
  ticketId: number;
  team: string;
  rating: number;
  comment: string | null;
  reasons: string | null;
  ticketNumber: number | null;
}

function toAnswer(row: AnswerRow, sources: DigestSources): DigestAnswer {
  const ids = row.reasons ? (JSON.parse(row.reasons) as string[]) : [];
  const label = (id: string) => sources.reasons.find((r) => r.id === id)?.label ?? id;
  const page = ticketPage(row.ticketId, row.ticketNumber, {
    zendeskBaseUrl: sources.zendeskBaseUrl,
    posthogAppHost: sources.posthog.appHost,
    posthogProjectId: sources.posthog.projectId,
  });
  const ticket = page.number ?? row.ticketId;
  return {
    key: row.ticketId,
    ticket,
    url: page.url,
    rating: row.rating,
    comment: row.comment,
    reasons: ids.map(label),
  };
}

/**
 * Every team's digest of a week: the teams the per-team settings name, and every team with answers
 * that week or the week before or surveys emailed that week, by name.
 */
export async function computeWeekDigests(
  db: D1Database,
  week: string,
  sources: DigestSources,
): Promise<WeeklyDigest[]> {
  const { start, end } = weekRange(week, sources.timeZone);
  const before = weekRange(previousWeek(week), sources.timeZone);
  const [current, previous, emailed, target, answers, hedgehogs] = await db.batch([
    db.prepare(REPORT_SQL.teams).bind(start, end),
    db.prepare(REPORT_SQL.teams).bind(before.start, before.end),
    db.prepare(DIGEST_SQL.emailed).bind(start, end, DEFAULT_TEAM),
    db.prepare(DIGEST_SQL.target).bind(start, end),
    db.prepare(DIGEST_SQL.answers).bind(start, end),
    db.prepare(DIGEST_SQL.hedgehogs),
  ]);
  const counts = (rows: unknown[], team: string): TeamCounts =>
    (rows as TeamCounts[]).find((r) => r.team === team) ?? { team, responses: 0, satisfied: 0, ratingSum: 0 };
  const emailedRows = emailed!.results as Array<{ team: string; surveysEmailed: number }>;
  const targetRows = target!.results as Array<{ team: string; targetMet: number | null; answers: number }>;
  const answerRows = answers!.results as unknown as AnswerRow[];
  const teams = new Set([
    ...sources.teamSettings.flatMap(namedTeams),
    ...[current!, previous!, emailed!].flatMap((r) => (r.results as Array<{ team: string }>).map((t) => t.team)),
  ]);
  const targetOf = (team: string, met: number | null) =>
    targetRows.filter((r) => r.team === team && r.targetMet === met).reduce((sum, r) => sum + r.answers, 0);
  return [...teams].sort().map((team) =>
    buildDigest(
      {
        week,
        team,
        current: counts(current!.results, team),
        previous: counts(previous!.results, team),
        surveysEmailed: emailedRows.find((r) => r.team === team)?.surveysEmailed ?? 0,
        target: { met: targetOf(team, 1), missed: targetOf(team, 0), unknown: targetOf(team, null) },
        answers: answerRows.filter((r) => r.team === team).map((r) => toAnswer(r, sources)),
        hedgehogsInAll: (hedgehogs!.results[0] as { hedgehogs: number }).hedgehogs,
      },
      sources.reasons.map((r) => r.label),
    ),
  );
}

export type ChannelStatus = "pending" | "done" | "skipped" | "failed";
export interface ChannelState {
  status: ChannelStatus;
  detail: string | null;
}

/** A stored digest and where its delivery stands. */
export interface StoredDigest {
  week: string;
  team: string;
  digest: WeeklyDigest;
  createdAt: number;
  slack: ChannelState;
  email: ChannelState;
  attempts: number;
  nextAttemptAt: number;
  sentAt: number | null;
}

interface DigestRow {
  week: string;
  team: string;
  figures: string;
  created_at: number;
  slack_status: ChannelStatus;
  slack_detail: string | null;
  email_status: ChannelStatus;
  email_detail: string | null;
  attempts: number;
  next_attempt_at: number;
  sent_at: number | null;
}

const toStored = (r: DigestRow): StoredDigest => ({
  week: r.week,
  team: r.team,
  digest: JSON.parse(r.figures) as WeeklyDigest,
  createdAt: r.created_at,
  slack: { status: r.slack_status, detail: r.slack_detail },
  email: { status: r.email_status, detail: r.email_detail },
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  sentAt: r.sent_at,
});

/** Whether a week's digests are stored (all of a week's rows are written in one batch). */
export async function weekStored(db: D1Database, week: string): Promise<boolean> {
  return (await db.prepare(`SELECT 1 FROM weekly_digests WHERE week = ?1 LIMIT 1`).bind(week).first()) !== null;
}

/**
 * Stores a week's digests, each with what its channels owe, in one transaction; a digest already
 * stored is kept as it was. Answers how many this call stored.
 */
export async function storeWeekOnce(
  db: D1Database,
  digests: Array<{ digest: WeeklyDigest; slack: ChannelState; email: ChannelState }>,
  now: number,
): Promise<number> {
  if (digests.length === 0) return 0;
  const insert = db.prepare(
    `INSERT INTO weekly_digests (week, team, figures, created_at, slack_status, slack_detail, email_status, email_detail, sent_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, CASE WHEN ?5 = 'pending' OR ?7 = 'pending' THEN NULL ELSE ?4 END)
     ON CONFLICT (week, team) DO NOTHING`,
  );
  const results = await db.batch(
    digests.map(({ digest, slack, email }) =>
      insert.bind(
        digest.week,
        digest.team,
        JSON.stringify(digest),
        now,
        slack.status,
        slack.detail,
        email.status,
        email.detail,
      ),
    ),
  );
  return results.reduce((sum, r) => sum + r.meta.changes, 0);
}

export async function findDigest(db: D1Database, week: string, team: string): Promise<StoredDigest | null> {
  const row = await db
    .prepare(`SELECT * FROM weekly_digests WHERE week = ?1 AND team = ?2`)
    .bind(week, team)
    .first<DigestRow>();
  return row && toStored(row);
}

/**
 * Digests with a channel still to send whose wait is over (at the run's time `now`) and that no other
 * run is delivering. Leases are on the clock (`clock`, Date.now()), not on the run's scheduled time: a
 * run that reaches this step minutes late must not find its own lease already over.
 */
export async function owedDigests(db: D1Database, now: number, clock: number, limit: number): Promise<StoredDigest[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM weekly_digests WHERE (slack_status = 'pending' OR email_status = 'pending')
         AND next_attempt_at <= ?1 AND lease_until <= ?3 ORDER BY next_attempt_at LIMIT ?2`,
    )
    .bind(now, limit, clock)
    .all<DigestRow>();
  return results.map(toStored);
}

/**
 * Takes a digest for this run until `until` on the clock; false when another run holds it
 * (compare-and-set against the clock's `clock`).
 */
export async function leaseDigest(
  db: D1Database,
  d: StoredDigest,
  lease: { now: number; clock: number; until: number },
): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE weekly_digests SET lease_until = ?3, attempts = attempts + 1
       WHERE week = ?1 AND team = ?2 AND lease_until <= ?5 AND next_attempt_at <= ?4
         AND (slack_status = 'pending' OR email_status = 'pending')`,
    )
    .bind(d.week, d.team, lease.until, lease.now, lease.clock)
    .run();
  return result.meta.changes === 1;
}

/** Records one channel's outcome as soon as it is known, so a later crash never repeats it. */
export async function markDigestChannel(
  db: D1Database,
  d: Pick<StoredDigest, "week" | "team">,
  channel: "slack" | "email",
  state: ChannelState,
): Promise<void> {
  const column = channel === "slack" ? "slack" : "email";
  await db
    // Only a channel still pending: an outcome once recorded is never overwritten by a late run.
    .prepare(
      `UPDATE weekly_digests SET ${column}_status = ?3, ${column}_detail = ?4
       WHERE week = ?1 AND team = ?2 AND ${column}_status = 'pending'`,
    )
    .bind(d.week, d.team, state.status, state.detail)
    .run();
}

/** Ends this run's attempt: a wait before the next one while a channel is still pending, else sent. */
export async function endDigestAttempt(
  db: D1Database,
  d: Pick<StoredDigest, "week" | "team">,
  nextAttemptAt: number,
  now: number,
): Promise<void> {
  await db
    .prepare(
      `UPDATE weekly_digests SET lease_until = 0, next_attempt_at = ?3,
         sent_at = CASE WHEN slack_status = 'pending' OR email_status = 'pending' THEN NULL ELSE ?4 END
       WHERE week = ?1 AND team = ?2`,
    )
    .bind(d.week, d.team, nextAttemptAt, now)
    .run();
}

/** One of a stored digest's lists with the comments of the tickets ?1 (a JSON array of keys) erased. */
const listWithoutComments = (list: "lowRatingList" | "comments") =>
  `(SELECT json_group_array(json_set(l.value, '$.comment',
      CASE WHEN (l.value ->> 'key') IN (SELECT value FROM json_each(?1)) THEN NULL ELSE l.value ->> 'comment' END))
    FROM json_each(weekly_digests.figures, '$.${list}') AS l)`;

const listsTickets = (list: "lowRatingList" | "comments") =>
  `EXISTS (SELECT 1 FROM json_each(weekly_digests.figures, '$.${list}') AS l
     WHERE (l.value ->> 'key') IN (SELECT value FROM json_each(?1)))`;

/**
 * Erasure's statement for stored digests: the comments of a person's tickets (`ticketIdsJson`, a JSON
 * array of ticket keys) are cleared from every digest that lists them, as they are from the answers;
 * ratings and counts stay. A digest not sent yet then goes out without them.
 */
export function eraseDigestComments(db: D1Database, ticketIdsJson: string): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE weekly_digests SET figures = json_set(figures,
         '$.lowRatingList', json(${listWithoutComments("lowRatingList")}),
         '$.comments', json(${listWithoutComments("comments")}))
       WHERE ${listsTickets("lowRatingList")} OR ${listsTickets("comments")}`,
    )
    .bind(ticketIdsJson);
}
