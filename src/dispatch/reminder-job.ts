import type { Settings } from "../config";
import { isValidEmail, normalizeEmail } from "../lib/email-address";
import { DAY_MS } from "../lib/time";
import type { QueueMessage } from "../queue-message";
import { decideReminder, reminderThrottledReason, throttleSince } from "./eligibility";
import { legacyRowsRemain } from "./fingerprints-store";
import { findDueReminders, recordReminderDecisions, type ReminderDecision } from "./reminders-store";
import { queueClaims, selectReport, STALE_CLAIM_MS, type SelectReport } from "./select-job";
import { ERASED, reclaimStale } from "./sends-store";
import { rulesFor } from "./ticket-sources";

/** Bounds one run's work; the next run takes the rest. */
const MAX_REMINDERS_PER_RUN = 25_000;

/** A reminder run's report: the survey emails' own shape. */
export type ReminderReport = SelectReport;

/**
 * Decides the one reminder of every survey sent SURVEY_REMINDER_DAYS ago: sends it up to a day later,
 * and skips with the reason one whose time has passed (or whose link is about to expire), or claims it (once, whatever other run overlaps) and queues it for the
 * same consumer as the survey emails. Claims whose message may have been lost are queued again, also
 * when reminders were switched off since (the consumer then skips them).
 */
export async function selectReminders(
  db: D1Database,
  queue: Queue<QueueMessage>,
  settings: Settings,
  now: number,
  options: { newClaims: boolean },
): Promise<ReminderReport> {
  const days = settings.dispatch.reminderDays;
  const deciding = options.newClaims && days > 0;
  const held =
    deciding && (await legacyRowsRemain(db))
      ? "waiting for the addresses of older rows to be keyed (the fingerprints step)"
      : undefined;
  const due =
    deciding && !held
      ? await findDueReminders(
          db,
          // Surveys whose reminder is past its time are read too, while their link lasts and a day more,
          // so that each records why it got none.
          { sentFrom: now - (days + settings.linkTtlDays + 1) * DAY_MS, sentUntil: now - days * DAY_MS },
          MAX_REMINDERS_PER_RUN,
        )
      : [];
  const decisions: ReminderDecision[] = [];
  // Addresses claimed earlier in this same run count for throttling too.
  const claimedThisRun = new Set<string>();
  for (const r of due) {
    const fingerprint = r.addressFingerprint;
    const decision =
      r.surveyAddress === null
        ? ({ kind: "skip", reason: ERASED } as const)
        : decideReminder(
            {
              status: r.ticket.status,
              solvedAt: r.ticket.solvedAt,
              tags: r.ticket.tags,
              requesterRole: r.ticket.role,
              email: r.ticket.email,
              emailValid: r.ticket.email !== null && isValidEmail(r.ticket.email),
              suppressed: r.suppressed,
              lastSurveyedAt: null,
              channel: r.ticket.channel,
            },
            {
              surveySentAt: r.surveySentAt,
              linkExp: r.linkExp,
              answered: r.answered,
              sameAddress:
                r.ticket.email !== null && normalizeEmail(r.ticket.email) === normalizeEmail(r.surveyAddress),
              lastOtherEmailAt: fingerprint !== null && claimedThisRun.has(fingerprint) ? now : r.lastOtherEmailAt,
            },
            { ...rulesFor(settings, r.ticket.source), reminderDays: days },
            now,
          );
    if (decision.kind === "not-due") continue;
    if (decision.kind === "send" && fingerprint !== null) claimedThisRun.add(fingerprint);
    decisions.push({
      ticketId: r.ticketId,
      skipReason: decision.kind === "skip" ? decision.reason : null,
      addressFingerprint: fingerprint,
      ticketUpdatedAt: r.ticket.updatedAt,
    });
  }
  const throttle = {
    since: throttleSince(settings.dispatch, now),
    reason: reminderThrottledReason(settings.dispatch.throttleDays),
  };
  const { claimed, throttled } = await recordReminderDecisions(db, decisions, now, throttle);
  const requeued = await reclaimStale(db, now, STALE_CLAIM_MS, 1000, "survey_reminders");
  await queueClaims(queue, "survey-reminder", [...claimed, ...requeued]);
  return selectReport({
    considered: due.length,
    claimed,
    requeued,
    skipReasons: decisions.flatMap((d) => (d.skipReason ? [d.skipReason] : [])),
    throttled: { reason: throttle.reason, tickets: throttled },
    held,
  });
}
