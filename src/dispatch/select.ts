import type { Settings } from "../config";
import { isValidEmail } from "../lib/email-address";
import type { QueueMessage } from "../queue-message";
import { decide, dueWindow } from "./eligibility";
import { claimTickets, findDueCandidates, reclaimStale, recordSkips, type SkipDecision } from "./sends-store";

/** Bounds one run's work; the next run takes the rest. */
export const MAX_TICKETS_PER_RUN = 25_000;
/** Tickets per queue message (one Resend batch) and messages per sendBatch call. */
const TICKETS_PER_MESSAGE = 100;
const MESSAGES_PER_SEND = 100;
const STALE_CLAIM_MS = 60 * 60_000;

export interface SelectReport {
  considered: number;
  claimed: number;
  requeued: number;
  skipped: Record<string, number>;
}

/**
 * Decides every due ticket: records skips with their reason, claims the rest (each ticket once,
 * whatever other run overlaps) and queues the claims for the consumer to email.
 */
export async function selectAndEnqueue(
  db: D1Database,
  queue: Queue<QueueMessage>,
  settings: Settings,
  now: number,
): Promise<SelectReport> {
  const rules = settings.dispatch;
  const { solvedFrom, solvedUntil } = dueWindow(now, rules);
  const due = await findDueCandidates(db, solvedFrom, solvedUntil, MAX_TICKETS_PER_RUN);
  const skips: SkipDecision[] = [];
  const claims: Array<{ ticketId: number; emailHash: string | null; ticketUpdatedAt: number }> = [];
  // Addresses claimed earlier in this same run count for throttling too.
  const claimedThisRun = new Set<string>();
  for (const c of due) {
    const decision = decide(
      {
        status: c.status,
        solvedAt: c.solved_at,
        tags: JSON.parse(c.tags) as string[],
        requesterRole: c.requester_role,
        email: c.requester_email,
        emailValid: c.requester_email !== null && isValidEmail(c.requester_email),
        suppressed: c.suppressed === 1,
        lastSurveyedAt: c.email_hash !== null && claimedThisRun.has(c.email_hash) ? now : c.last_surveyed_at,
      },
      rules,
      now,
    );
    if (decision.kind === "skip") {
      skips.push({
        ticketId: c.ticket_id,
        reason: decision.reason,
        emailHash: c.email_hash,
        ticketUpdatedAt: c.ticket_updated_at,
      });
    } else if (decision.kind === "send") {
      claims.push({ ticketId: c.ticket_id, emailHash: c.email_hash, ticketUpdatedAt: c.ticket_updated_at });
      if (c.email_hash !== null) claimedThisRun.add(c.email_hash);
    }
  }
  await recordSkips(db, skips, now);
  const claimed = await claimTickets(db, claims, now);
  const requeued = await reclaimStale(db, now, STALE_CLAIM_MS, 1000);
  const toQueue = [...claimed, ...requeued];
  const messages: Array<{ body: QueueMessage }> = [];
  for (let i = 0; i < toQueue.length; i += TICKETS_PER_MESSAGE) {
    messages.push({ body: { kind: "survey-email", ticketIds: toQueue.slice(i, i + TICKETS_PER_MESSAGE) } });
  }
  for (let i = 0; i < messages.length; i += MESSAGES_PER_SEND)
    await queue.sendBatch(messages.slice(i, i + MESSAGES_PER_SEND));
  const skipped: Record<string, number> = {};
  for (const s of skips) skipped[s.reason] = (skipped[s.reason] ?? 0) + 1;
  return { considered: due.length, claimed: claimed.length, requeued: requeued.length, skipped };
}
