import type { Settings } from "../config";
import { retryDelaySeconds } from "../lib/backoff";
import { sha256Hex } from "../lib/ids";
import { buildSurveyUrl, expiryFrom } from "../survey/link";
import { renderSurveyEmail } from "./email";
import type { Mailer, OutgoingEmail, SendOutcome } from "./mailers";
import {
  loadSends,
  loadSendsByKey,
  markFinal,
  markSending,
  markSent,
  recordSendError,
  type SendContext,
} from "./sends-store";
import { unsubscribeUrl } from "./unsubscribe-link";

/** One queue message: up to 100 claimed tickets (one provider request's worth). */
export interface SurveyEmailMessage {
  ticketIds: number[];
  attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

export interface ConsumeReport {
  sent: number;
  failed: number;
  skipped: number;
  retried: number;
  acked: number;
  providerRequests: number;
}

/** A send whose outcome is unknown is only replayed while the provider still remembers its key (24 h at Resend). */
const REPLAY_WINDOW_MS = 20 * 60 * 60_000;

/** Idempotency key of one provider request, derived from the tickets it carries. */
export async function sendKeyFor(ticketIds: number[], batchSize: number): Promise<string> {
  if (batchSize === 1 && ticketIds.length === 1) return `survey-${ticketIds[0]}`;
  const sorted = [...ticketIds].sort((a, b) => a - b).join(",");
  return `survey-batch-${(await sha256Hex(sorted)).slice(0, 40)}`;
}

/** The requester's PostHog distinct id: their Zendesk external id, else one derived from the Zendesk user. */
export function distinctIdFor(row: Pick<SendContext, "requester_external_id" | "requester_id" | "ticket_id">): string {
  if (row.requester_external_id) return row.requester_external_id;
  return row.requester_id !== null ? `zendesk-user-${row.requester_id}` : `zendesk-ticket-${row.ticket_id}`;
}

/** Renders a ticket's email from stored facts only, so a replay renders the very same email. */
export async function buildEmail(row: SendContext, linkExp: number, settings: Settings): Promise<OutgoingEmail> {
  const fields = {
    distinctId: distinctIdFor(row),
    ticketId: row.ticket_id,
    team: row.group_name ?? "Support",
    exp: linkExp,
  };
  const faceUrls = await Promise.all(
    [1, 2, 3, 4, 5].map((rating) => buildSurveyUrl(settings.publicBaseUrl, fields, settings.linkSecret, rating)),
  );
  const email = renderSurveyEmail({
    ticketId: row.ticket_id,
    requesterName: row.requester_name,
    team: row.group_name,
    faceUrls,
    unsubscribeUrl: await unsubscribeUrl(settings.publicBaseUrl, row.requester_email!, settings.linkSecret),
    charity: settings.donation.charity,
  });
  return { ...email, to: row.requester_email!, from: settings.mail.from, idempotencyKey: `survey-${row.ticket_id}` };
}

/**
 * Emails the claimed tickets of a queue batch. Re-checks each claim first (a redelivered message,
 * a reopened ticket or an unsubscribe in between sends nothing), marks the claims `sending` before
 * the provider call, and `sent` after. A claim found `sending` was interrupted: with an idempotent
 * provider the very same request is replayed (the provider delivers nothing twice); without one it
 * is given up rather than risk a second email.
 */
export async function consumeSurveyEmails(
  messages: SurveyEmailMessage[],
  deps: { db: D1Database; mailer: Mailer; settings: Settings; now: number },
): Promise<ConsumeReport> {
  const { db, mailer, settings, now } = deps;
  const report: ConsumeReport = { sent: 0, failed: 0, skipped: 0, retried: 0, acked: 0, providerRequests: 0 };
  const ticketIds = [...new Set(messages.flatMap((m) => m.ticketIds))];
  const rows = await loadSends(db, ticketIds);
  /** Tickets that must be tried again, with the provider's Retry-After if it gave one. */
  const retry = new Map<number, number | undefined>();

  const fresh: SendContext[] = [];
  const replayKeys = new Set<string>();
  const skips: Array<{ ticketId: number; reason: string }> = [];
  const failures: Array<{ ticketId: number; reason: string }> = [];

  for (const ticketId of ticketIds) {
    const row = rows.get(ticketId);
    // Nothing claimed, or already done: a redelivered message sends nothing.
    if (!row || row.status === "sent" || row.status === "failed" || row.status === "skipped") continue;
    if (row.status === "sending") {
      if (!mailer.idempotent) {
        failures.push({
          ticketId,
          reason: "interrupted while sending; not retried so the customer never gets two emails",
        });
      } else if (now - row.decided_at > REPLAY_WINDOW_MS || !row.send_key) {
        failures.push({
          ticketId,
          reason: "delivery could not be confirmed in time; not retried to avoid a second email",
        });
      } else {
        replayKeys.add(row.send_key);
      }
      continue;
    }
    if (row.candidate_status !== "solved" && row.candidate_status !== "closed") {
      skips.push({
        ticketId,
        reason: `ticket was reopened (${row.candidate_status ?? "unknown"}) before the survey was sent`,
      });
    } else if (row.suppressed === 1) {
      skips.push({ ticketId, reason: "unsubscribed" });
    } else if (!row.requester_email) {
      skips.push({ ticketId, reason: "requester has no email address" });
    } else {
      fresh.push(row);
    }
  }
  await markFinal(db, skips, "skipped", now);
  await markFinal(db, failures, "failed", now);
  report.skipped += skips.length;
  report.failed += failures.length;

  const settle = async (batch: SendContext[], outcomes: SendOutcome[]) => {
    const sent: Array<{ ticketId: number; messageId: string }> = [];
    const permanent: Array<{ ticketId: number; reason: string }> = [];
    const transient: Array<{ ticketId: number; error: string }> = [];
    batch.forEach((row, i) => {
      const outcome = outcomes[i] ?? { kind: "transient", error: "no outcome from the mail provider" };
      if (outcome.kind === "sent") sent.push({ ticketId: row.ticket_id, messageId: outcome.messageId });
      else if (outcome.kind === "permanent") permanent.push({ ticketId: row.ticket_id, reason: outcome.error });
      else {
        transient.push({ ticketId: row.ticket_id, error: outcome.error });
        retry.set(row.ticket_id, outcome.retryAfterSeconds);
      }
    });
    await markSent(db, sent, now);
    await markFinal(db, permanent, "failed", now);
    if (transient.length > 0)
      await recordSendError(
        db,
        transient.map((t) => t.ticketId),
        transient[0]!.error,
      );
    report.sent += sent.length;
    report.failed += permanent.length;
  };

  // In ticket order, the order a replay rebuilds: a replayed request must be the same request.
  fresh.sort((a, b) => a.ticket_id - b.ticket_id);
  for (let i = 0; i < fresh.length; i += mailer.batchSize) {
    const batch = fresh.slice(i, i + mailer.batchSize);
    const key = await sendKeyFor(
      batch.map((r) => r.ticket_id),
      mailer.batchSize,
    );
    const linkExp = expiryFrom(new Date(now), settings.linkTtlDays);
    await markSending(
      db,
      batch.map((r) => r.ticket_id),
      { linkExp, sendKey: key, provider: mailer.name },
      now,
    );
    const emails = await Promise.all(batch.map((r) => buildEmail(r, r.link_exp ?? linkExp, settings)));
    report.providerRequests++;
    await settle(batch, await mailer.send(emails, key));
  }

  for (const key of replayKeys) {
    const group = [...(await loadSends(db, await loadSendsByKey(db, key))).values()].sort(
      (a, b) => a.ticket_id - b.ticket_id,
    );
    const linkExp = expiryFrom(new Date(now), settings.linkTtlDays); // only for a row that somehow has none yet
    const emails = await Promise.all(group.map((r) => buildEmail(r, r.link_exp ?? linkExp, settings)));
    await markSending(
      db,
      group.map((r) => r.ticket_id),
      { linkExp, sendKey: key, provider: mailer.name },
      now,
    );
    report.providerRequests++;
    await settle(group, await mailer.send(emails, key));
  }

  // A message is done when none of its tickets needs another try; otherwise the Queue brings it back
  // (its finished tickets are then passed over).
  for (const m of messages) {
    const waits = m.ticketIds.filter((id) => retry.has(id));
    if (waits.length === 0) {
      m.ack();
      report.acked++;
    } else {
      const retryAfter = Math.max(0, ...waits.map((id) => retry.get(id) ?? 0));
      m.retry({ delaySeconds: retryDelaySeconds(m.attempts, retryAfter || undefined) });
      report.retried++;
    }
  }
  return report;
}
