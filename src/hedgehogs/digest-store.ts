/**
 * The Monday digest's reads (a week's answers, surveys emailed and first-reply targets, by team:
 * like the monthly report, it reads the survey's and the sync's tables on purpose) and its own table,
 * weekly_digests: one row per team and week, stored once, each channel settled once.
 */
import { DEFAULT_TEAM } from "../lib/survey-link";
import { namedTeams } from "../lib/teams";
import { ticketPage } from "../services/ticket-pages";
import { buildDigest, DIGEST_LIST_MAX, type DigestAnswer, type WeeklyDigest } from "./digest";
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
  /** ?1 start (ms), ?2 end (ms). Each team's low ratings, and those without a reason. */
  low: `SELECT team, COUNT(*) AS total, SUM(reasons IS NULL) AS noReason FROM responses
        WHERE first_submitted_at >= ?1 AND first_submitted_at < ?2 AND rating <= 3 GROUP BY team`,
  /** ?1 start (ms), ?2 end (ms). Each team's low ratings per reason id (an answer counts once per reason). */
  lowByReason: `SELECT r.team AS team, j.value AS reason, COUNT(*) AS answers
                FROM responses r, json_each(r.reasons) j
                WHERE r.first_submitted_at >= ?1 AND r.first_submitted_at < ?2 AND r.rating <= 3
                GROUP BY r.team, j.value`,
  /** ?1 start (ms), ?2 end (ms). Each team's comments left with a rating of 4 or 5. */
  commented: `SELECT team, COUNT(*) AS comments FROM responses
              WHERE first_submitted_at >= ?1 AND first_submitted_at < ?2 AND rating > 3 AND comment IS NOT NULL
              GROUP BY team`,
  /**
   * ?1 start (ms), ?2 end (ms), ?3 the longest list. The first ?3 low ratings (lowest first) and the
   * first ?3 other commented answers of each team, with PostHog Support's ticket number.
   */
  answers: `SELECT r.ticket_id AS ticketId, r.team AS team, r.rating AS rating, r.comment AS comment,
              r.reasons AS reasons, p.ticket_number AS ticketNumber
            FROM (SELECT ticket_id, team, rating, comment, reasons, first_submitted_at,
                    ROW_NUMBER() OVER (PARTITION BY team, rating <= 3 ORDER BY rating, first_submitted_at) AS place
                  FROM responses
                  WHERE first_submitted_at >= ?1 AND first_submitted_at < ?2 AND (rating <= 3 OR comment IS NOT NULL)) r
              LEFT JOIN posthog_support_tickets p ON p.ticket_key = r.ticket_id
            WHERE r.place <= ?3 ORDER BY r.rating, r.first_submitted_at`,
  /**
   * ?1 the week's end (ms), ?2 the UTC month it falls in ('YYYY-MM'), ?3 that month's start (ms).
   * Every hedgehog fed before the week ended: the tally of the months before, and that month's
   * first answers up to the end (the tally counts exactly those: one per ticket's first answer).
   */
  hedgehogs: `SELECT (SELECT COALESCE(SUM(hedgehogs), 0) FROM hedgehog_tally WHERE month < ?2)
                + (SELECT COUNT(*) FROM responses WHERE first_submitted_at >= ?3 AND first_submitted_at < ?1) AS hedgehogs`,
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

function toAnswer(row: AnswerRow, label: (id: string) => string, sources: DigestSources): DigestAnswer {
  const ids = row.reasons ? (JSON.parse(row.reasons) as string[]) : [];
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
  const endMonth = new Date(end).toISOString().slice(0, 7);
  const endMonthStart = Date.parse(`${endMonth}-01T00:00:00Z`);
  const [current, previous, emailed, target, low, lowByReason, commented, answers, hedgehogs] = await db.batch([
    db.prepare(REPORT_SQL.teams).bind(start, end),
    db.prepare(REPORT_SQL.teams).bind(before.start, before.end),
    db.prepare(DIGEST_SQL.emailed).bind(start, end, DEFAULT_TEAM),
    db.prepare(DIGEST_SQL.target).bind(start, end),
    db.prepare(DIGEST_SQL.low).bind(start, end),
    db.prepare(DIGEST_SQL.lowByReason).bind(start, end),
    db.prepare(DIGEST_SQL.commented).bind(start, end),
    db.prepare(DIGEST_SQL.answers).bind(start, end, DIGEST_LIST_MAX),
    db.prepare(DIGEST_SQL.hedgehogs).bind(end, endMonth, endMonthStart),
  ]);
  const counts = (rows: unknown[], team: string): TeamCounts =>
    (rows as TeamCounts[]).find((r) => r.team === team) ?? { team, responses: 0, satisfied: 0, ratingSum: 0 };
  const emailedRows = emailed!.results as Array<{ team: string; surveysEmailed: number }>;
  const targetRows = target!.results as Array<{ team: string; targetMet: number | null; answers: number }>;
  const lowRows = low!.results as Array<{ team: string; total: number; noReason: number }>;
  const reasonRows = lowByReason!.results as Array<{ team: string; reason: string; answers: number }>;
  const commentedRows = commented!.results as Array<{ team: string; comments: number }>;
  const answerRows = answers!.results as unknown as AnswerRow[];
  const teams = new Set([
    ...sources.teamSettings.flatMap(namedTeams),
    ...[current!, previous!, emailed!].flatMap((r) => (r.results as Array<{ team: string }>).map((t) => t.team)),
  ]);
  const targetOf = (team: string, met: number | null) =>
    targetRows.filter((r) => r.team === team && r.targetMet === met).reduce((sum, r) => sum + r.answers, 0);
  const labelOf = (id: string) => sources.reasons.find((r) => r.id === id)?.label ?? id;
  return [...teams].sort().map((team) => {
    const lowOfTeam = lowRows.find((r) => r.team === team);
    return buildDigest(
      {
        week,
        team,
        current: counts(current!.results, team),
        previous: counts(previous!.results, team),
        surveysEmailed: emailedRows.find((r) => r.team === team)?.surveysEmailed ?? 0,
        target: { met: targetOf(team, 1), missed: targetOf(team, 0), unknown: targetOf(team, null) },
        lowRatings: {
          total: lowOfTeam?.total ?? 0,
          noReason: lowOfTeam?.noReason ?? 0,
          byReason: reasonRows
            .filter((r) => r.team === team)
            .map((r) => ({ label: labelOf(r.reason), answers: r.answers })),
        },
        comments: commentedRows.find((r) => r.team === team)?.comments ?? 0,
        answers: answerRows.filter((r) => r.team === team).map((r) => toAnswer(r, labelOf, sources)),
        hedgehogsInAll: (hedgehogs!.results[0] as { hedgehogs: number }).hedgehogs,
      },
      sources.reasons.map((r) => r.label),
    );
  });
}

export type ChannelStatus = "pending" | "sending" | "done" | "skipped" | "failed";
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

/** A digest with a channel not settled yet (the owed-digests index covers exactly this). */
const UNSETTLED = `(slack_status IN ('pending', 'sending') OR email_status IN ('pending', 'sending'))`;

/**
 * Digests with a channel still to send whose wait is over (at the run's time `now`) and that no other
 * run is delivering. Leases are on the clock (`clock`, Date.now()), not on the run's scheduled time: a
 * run that reaches this step minutes late must not find its own lease already over.
 */
export async function owedDigests(db: D1Database, now: number, clock: number, limit: number): Promise<StoredDigest[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM weekly_digests WHERE ${UNSETTLED}
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
       WHERE week = ?1 AND team = ?2 AND lease_until <= ?5 AND next_attempt_at <= ?4 AND ${UNSETTLED}`,
    )
    .bind(d.week, d.team, lease.until, lease.now, lease.clock)
    .run();
  return result.meta.changes === 1;
}

/**
 * Marks a pending channel as being sent by the run holding the lease `leaseUntil`, before a call that
 * cannot be replayed safely; false when this run no longer holds the digest or the channel moved on.
 */
export async function startChannelSend(
  db: D1Database,
  d: Pick<StoredDigest, "week" | "team">,
  channel: "slack" | "email",
  leaseUntil: number,
): Promise<boolean> {
  const column = channel === "slack" ? "slack" : "email";
  const result = await db
    .prepare(
      `UPDATE weekly_digests SET ${column}_status = 'sending'
       WHERE week = ?1 AND team = ?2 AND ${column}_status = 'pending' AND lease_until = ?3`,
    )
    .bind(d.week, d.team, leaseUntil)
    .run();
  return result.meta.changes === 1;
}

/**
 * Records one channel's outcome as soon as it is known, so a later crash never repeats it. Only from
 * the state this run left it in (`from`): an outcome once recorded is never overwritten by a late run.
 */
export async function markDigestChannel(
  db: D1Database,
  d: Pick<StoredDigest, "week" | "team">,
  channel: "slack" | "email",
  state: ChannelState,
  from: "pending" | "sending",
): Promise<void> {
  const column = channel === "slack" ? "slack" : "email";
  await db
    .prepare(
      `UPDATE weekly_digests SET ${column}_status = ?3, ${column}_detail = ?4
       WHERE week = ?1 AND team = ?2 AND ${column}_status = ?5`,
    )
    .bind(d.week, d.team, state.status, state.detail, from)
    .run();
}

/**
 * Ends the attempt of the run holding the lease `leaseUntil`: a wait before the next one while a
 * channel is still pending, else sent. A run that lost its lease leaves the row to its new holder.
 */
export async function endDigestAttempt(
  db: D1Database,
  d: Pick<StoredDigest, "week" | "team">,
  attempt: { nextAttemptAt: number; now: number; leaseUntil: number },
): Promise<void> {
  await db
    .prepare(
      `UPDATE weekly_digests SET lease_until = 0, next_attempt_at = ?3,
         sent_at = CASE WHEN ${UNSETTLED} THEN NULL ELSE ?4 END
       WHERE week = ?1 AND team = ?2 AND lease_until = ?5`,
    )
    .bind(d.week, d.team, attempt.nextAttemptAt, attempt.now, attempt.leaseUntil)
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
