/**
 * The report's queries, as SQL text with numbered parameters: the report store runs them, and
 * bench/report.ts runs the very same statements to time each one.
 */
export const REPORT_SQL = {
  /** ?1 month start (ms), ?2 month end (ms). Reads only the covering index responses_month_team_rating. */
  teams: `SELECT team, COUNT(*) AS responses, SUM(rating >= 4) AS satisfied, SUM(rating) AS ratingSum
          FROM responses WHERE first_submitted_at >= ?1 AND first_submitted_at < ?2
          GROUP BY team`,
  /** ?1 month start (ms), ?2 month end (ms). The month's range of responses_month_team_rating, then each row. */
  verification: `SELECT verified_by AS verifiedBy, COUNT(*) AS responses FROM responses
                 WHERE first_submitted_at >= ?1 AND first_submitted_at < ?2 GROUP BY verified_by`,
  /** ?1 the period's first month, ?2 its last ('YYYY-MM'; the same for a monthly report). */
  hedgehogs: `SELECT (SELECT COALESCE(SUM(hedgehogs), 0) FROM hedgehog_tally WHERE month BETWEEN ?1 AND ?2) AS hedgehogs,
                (SELECT COALESCE(SUM(hedgehogs), 0) FROM hedgehog_tally WHERE month <= ?2) AS runningHedgehogs`,
  /** ?1 month start (ms), ?2 month end (ms). */
  emailed: `SELECT COUNT(*) AS surveysEmailed FROM survey_sends WHERE status = 'sent' AND sent_at >= ?1 AND sent_at < ?2`,
  /**
   * ?1 month start (ms), ?2 month end (ms). Reminders sent in the month, and the month's answers
   * first given after their ticket's reminder was sent.
   */
  reminders: `SELECT (SELECT COUNT(*) FROM survey_reminders WHERE status = 'sent' AND sent_at >= ?1 AND sent_at < ?2) AS reminded,
                (SELECT COUNT(*) FROM responses r JOIN survey_reminders m ON m.ticket_id = r.ticket_id
                 WHERE r.first_submitted_at >= ?1 AND r.first_submitted_at < ?2
                   AND m.status = 'sent' AND r.first_submitted_at >= m.sent_at) AS answeredAfterReminder`,
  /**
   * ?1 start (ms), ?2 end (ms), ?3 the default team. The period's sent surveys, and how many of them
   * were answered, by the team the survey named (?3 when its ticket named none), the ticket's plan and
   * the channel it came in (a Zendesk ticket's channel is not kept: its key is 'zendesk');
   * src/hedgehogs/response-rates.ts rolls them up.
   */
  responseRates: `SELECT COALESCE(s.team, ?3) AS team, x.plan AS plan,
                    CASE WHEN k.source = 'zendesk' THEN 'zendesk' ELSE k.channel END AS channel,
                    COUNT(*) AS sent, COUNT(r.ticket_id) AS answered
                  FROM survey_sends s LEFT JOIN responses r ON r.ticket_id = s.ticket_id
                    LEFT JOIN ticket_context x ON x.ticket_id = s.ticket_id
                    LEFT JOIN candidates k ON k.ticket_id = s.ticket_id
                  WHERE s.status = 'sent' AND s.sent_at >= ?1 AND s.sent_at < ?2
                  GROUP BY COALESCE(s.team, ?3), x.plan, CASE WHEN k.source = 'zendesk' THEN 'zendesk' ELSE k.channel END`,
  /** ?1 start (ms). The admin page's CSAT chart; reads only responses_month_team_rating. */
  csatByTeamAndMonth: `SELECT strftime('%Y-%m', first_submitted_at / 1000, 'unixepoch') AS month, team,
                         COUNT(*) AS responses, SUM(rating >= 4) AS satisfied
                       FROM responses WHERE first_submitted_at >= ?1
                       GROUP BY month, team ORDER BY month, team`,
  /**
   * ?1 month start (ms), ?2 month end (ms). Every breakdown of "is it our speed?" in one pass: answers
   * grouped by the ticket's plan, target met, reopened and assignee (the covering index, then one
   * ticket_context row by primary key per answer); src/hedgehogs/breakdowns.ts rolls them up.
   */
  support: `SELECT c.plan AS plan, c.target_met AS targetMet, (c.reopens > 0) AS reopened, c.assignee_id AS assigneeId,
              MAX(c.assignee_name) AS assigneeName, COUNT(*) AS responses, SUM(r.rating >= 4) AS satisfied,
              SUM(r.rating) AS ratingSum
            FROM responses r LEFT JOIN ticket_context c ON c.ticket_id = r.ticket_id
            WHERE r.first_submitted_at >= ?1 AND r.first_submitted_at < ?2
            GROUP BY c.plan, c.target_met, (c.reopens > 0), c.assignee_id`,
  /**
   * ?1 month start (ms), ?2 month end (ms). Answers to PostHog Support tickets (negative keys) by the
   * ticket's channel, priority, and whether it was resolved before its SLA (`sla_due_at`).
   */
  posthogSupport: `SELECT c.channel AS channel, p.priority AS priority,
                     CASE WHEN p.sla_due_at IS NULL OR c.solved_at IS NULL THEN NULL ELSE c.solved_at <= p.sla_due_at END AS slaMet,
                     COUNT(*) AS responses, SUM(r.rating >= 4) AS satisfied, SUM(r.rating) AS ratingSum
                   FROM responses r JOIN posthog_support_tickets p ON p.ticket_key = r.ticket_id
                     LEFT JOIN candidates c ON c.ticket_id = r.ticket_id
                   WHERE r.first_submitted_at >= ?1 AND r.first_submitted_at < ?2
                   GROUP BY c.channel, p.priority, slaMet`,
  /**
   * ?1 month start (ms), ?2 month end (ms). Low ratings (1-3) per reason chosen (an answer counts once
   * for each reason it gave); the reasons column holds a JSON array of reason ids.
   */
  lowByReason: `SELECT j.value AS reason, COUNT(*) AS answers
                FROM responses r, json_each(r.reasons) j
                WHERE r.first_submitted_at >= ?1 AND r.first_submitted_at < ?2 AND r.rating <= 3
                GROUP BY j.value`,
  /**
   * ?1 month start (ms), ?2 month end (ms), ?3 the "not fixed yet" reason id. The month's low ratings,
   * those without a reason, and those that name the reason ?3 (CSAT is also shown without them).
   */
  lowRatings: `SELECT COALESCE(SUM(rating <= 3), 0) AS low,
                 COALESCE(SUM(rating <= 3 AND reasons IS NULL), 0) AS noReason,
                 COALESCE(SUM(EXISTS (SELECT 1 FROM json_each(responses.reasons) WHERE value = ?3)), 0) AS notFixedYet
               FROM responses WHERE first_submitted_at >= ?1 AND first_submitted_at < ?2`,
} as const;
