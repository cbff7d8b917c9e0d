import type { Settings } from "../config";
import { isValidEmail } from "../lib/email-address";
import { sha256Hex } from "../lib/ids";
import { queueDelaySeconds } from "../services/backoff";
import type { EmailOutcome, Mailer, OutgoingEmail } from "../services/mail";
import { buildSurveyUrl, expiryFrom } from "../lib/survey-link";
import { renderSurveyEmail } from "./email";
import {
  countReplay,
  endClaims,
  loadClaims,
  loadClaimsByKey,
  settleSends,
  startSending,
  type EmailSnapshot,
  type SendClaim,
  type Settlement,
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
  waiting: number;
  acked: number;
  retried: number;
  providerRequests: number;
}

/** A send whose outcome is unknown is only replayed while the provider still remembers its key (24 h at Resend). */
export const REPLAY_WINDOW_MS = 20 * 60 * 60_000;

/** The requester's PostHog distinct id: their Zendesk external id, else one derived from the Zendesk user. */
export function distinctIdFor(ticket: { ticketId: number; externalId: string | null; requesterId: number | null }) {
  if (ticket.externalId) return ticket.externalId;
  return ticket.requesterId !== null ? `zendesk-user-${ticket.requesterId}` : `zendesk-ticket-${ticket.ticketId}`;
}

/** What the consumer will do with a batch of claims (pure). */
export interface SendPlan {
  skipped: Array<{ ticketId: number; reason: string }>;
  failed: Array<{ ticketId: number; reason: string }>;
  /** Keys of requests whose outcome is unknown: sent again exactly as they were. */
  replayKeys: string[];
  /** Claims to build fresh emails for, in ticket order. */
  fresh: SendClaim[];
}

/**
 * Re-checks every claim before anything is sent. A claim already settled sends nothing (a
 * redelivered message). A claim whose send's outcome is unknown is replayed unchanged while the
 * provider remembers its key (only the same request tells whether it was delivered), or given up
 * when the provider cannot deduplicate. A fresh claim is checked again: reopened, unsubscribed,
 * erased or without a valid address, it is skipped with the reason.
 */
export function planSends(claims: SendClaim[], options: { now: number; idempotent: boolean }): SendPlan {
  const plan: SendPlan = { skipped: [], failed: [], replayKeys: [], fresh: [] };
  const keys = new Set<string>();
  for (const claim of [...claims].sort((a, b) => a.ticketId - b.ticketId)) {
    if (claim.status === "sending") {
      if (!options.idempotent)
        plan.failed.push({
          ticketId: claim.ticketId,
          reason: "interrupted while sending; not retried so the customer never gets two emails",
        });
      else if (!claim.sendKey || !claim.snapshot || options.now - (claim.sendStartedAt ?? 0) > REPLAY_WINDOW_MS)
        plan.failed.push({
          ticketId: claim.ticketId,
          reason:
            "delivery could not be confirmed within the provider's idempotency window; not retried to avoid a second email",
        });
      else keys.add(claim.sendKey);
      continue;
    }
    if (claim.status !== "claimed") continue;
    const reason = recheck(claim);
    if (reason) plan.skipped.push({ ticketId: claim.ticketId, reason });
    else plan.fresh.push(claim);
  }
  plan.replayKeys = [...keys];
  return plan;
}

function recheck(claim: SendClaim): string | null {
  const { status, email } = claim.ticket;
  if (status !== "solved" && status !== "closed")
    return `ticket was reopened (${status ?? "unknown"}) before the survey was sent`;
  if (claim.suppressed) return "unsubscribed";
  if (!email) return "requester has no email address (removed or erased)";
  if (!isValidEmail(email)) return "requester's email address is not valid";
  return null;
}

/** A provider request: its key and its emails, in ticket order. */
interface SendRequest {
  key: string;
  replay: boolean;
  emails: Array<{ ticketId: number; snapshot: EmailSnapshot; email: OutgoingEmail }>;
}

/** A new key for each fresh request, so a rebuilt request never reuses the key of a different one. */
async function newRequestKey(ticketIds: number[], now: number): Promise<string> {
  const ids = ticketIds.join(",");
  return `survey-${(await sha256Hex(ids)).slice(0, 32)}-${now.toString(36)}`;
}

function snapshotOf(claim: SendClaim, linkExp: number): EmailSnapshot {
  return {
    to: claim.ticket.email!,
    name: claim.ticket.name,
    team: claim.ticket.groupName,
    distinctId: distinctIdFor({ ticketId: claim.ticketId, ...claim.ticket }),
    linkExp,
  };
}

/** Renders a ticket's email from its snapshot only, so a replay renders the very same email. */
export async function buildEmail(
  ticketId: number,
  snapshot: EmailSnapshot,
  settings: Settings,
): Promise<OutgoingEmail> {
  const fields = { distinctId: snapshot.distinctId, ticketId, team: snapshot.team ?? "Support", exp: snapshot.linkExp };
  const faceUrls = await Promise.all(
    [1, 2, 3, 4, 5].map((rating) => buildSurveyUrl(settings.publicBaseUrl, fields, settings.linkSecret, rating)),
  );
  const email = renderSurveyEmail({
    ticketId,
    requesterName: snapshot.name,
    team: snapshot.team,
    faceUrls,
    unsubscribeUrl: await unsubscribeUrl(settings.publicBaseUrl, ticketId, settings.linkSecret),
    charity: settings.donation.charity,
    brand: settings.brand,
  });
  return { ...email, to: snapshot.to, from: settings.mail.from, idempotencyKey: `survey-${ticketId}` };
}

/** Sorts each email's outcome into what to record: sent, failed, or waiting (not sent, or unknown). */
export function settlementOf(request: SendRequest, outcomes: EmailOutcome[], now: number): Settlement {
  const settlement: Settlement = { sent: [], failed: [], notSent: [], unknown: [] };
  request.emails.forEach(({ ticketId }, i) => {
    const outcome = outcomes[i] ?? {
      kind: "retry",
      afterMs: 60_000,
      reason: "no outcome from the mail provider",
      maybeDone: true,
    };
    if (outcome.kind === "done") settlement.sent.push({ ticketId, messageId: outcome.value });
    else if (outcome.kind === "failed")
      settlement.failed.push({
        ticketId,
        reason: outcome.code ? `${outcome.code}: ${outcome.reason}` : outcome.reason,
      });
    else {
      const wait = { ticketId, error: outcome.reason, retryAt: now + outcome.afterMs };
      // A replayed request stays unknown until the provider answers it: its first attempt may have sent it.
      if (outcome.maybeDone || request.replay) settlement.unknown.push(wait);
      else settlement.notSent.push(wait);
    }
  });
  return settlement;
}

/**
 * Emails the claimed tickets of a queue batch in four steps: plan (re-check every claim), send
 * (replays first, then fresh requests, each paced by the provider's limit), settle (record each
 * email's outcome), acknowledge (a message whose tickets are all settled is acked; one with a ticket
 * still waiting comes back after the longest wait). A rate limit or quota stops the run's remaining
 * requests: they would be refused too.
 */
export async function consumeSurveyEmails(
  messages: SurveyEmailMessage[],
  deps: { db: D1Database; mailer: Mailer; settings: Settings; now: number },
): Promise<ConsumeReport> {
  const { db, mailer, settings, now } = deps;
  const report: ConsumeReport = {
    sent: 0,
    failed: 0,
    skipped: 0,
    waiting: 0,
    acked: 0,
    retried: 0,
    providerRequests: 0,
  };
  const ticketIds = [...new Set(messages.flatMap((m) => m.ticketIds))];

  // Plan
  const claims = await loadClaims(db, ticketIds);
  const plan = planSends([...claims.values()], { now, idempotent: mailer.idempotent });
  if (settings.surveyEmails === "off") {
    // A Zendesk automation sends the links now: claims made before the switch are not sent.
    plan.skipped.push(...plan.fresh.map((c) => ({ ticketId: c.ticketId, reason: "SURVEY_EMAILS is off" })));
    plan.fresh = [];
  }
  /** Tickets left for a later delivery of their message (past this invocation's share). */
  const waitsForLater = new Map<number, number>();
  await endClaims(db, { skipped: plan.skipped, failed: plan.failed }, now);
  report.skipped += plan.skipped.length;
  report.failed += plan.failed.length;

  const requests: SendRequest[] = [];
  for (const key of plan.replayKeys) {
    const group = await loadClaimsByKey(db, key);
    // An email erased while its send was unconfirmed: it is not sent again.
    const erased = group.filter((c) => c.snapshot === null || c.email === null);
    if (erased.length > 0) {
      const reason = "erased while its send was unconfirmed; not sent again";
      await endClaims(db, { skipped: [], failed: erased.map((c) => ({ ticketId: c.ticketId, reason })) }, now);
      report.failed += erased.length;
    }
    // The very emails of the first attempt, as stored then: the same bytes, whatever changed since.
    const emails = group.flatMap((c) =>
      c.snapshot && c.email ? [{ ticketId: c.ticketId, snapshot: c.snapshot, email: c.email }] : [],
    );
    if (emails.length > 0) requests.push({ key, replay: true, emails });
  }
  const linkExp = expiryFrom(new Date(now), settings.linkTtlDays);
  const fresh = plan.fresh.slice(0, mailer.maxEmailsPerInvocation);
  for (const later of plan.fresh.slice(fresh.length)) waitsForLater.set(later.ticketId, 1000);
  for (let i = 0; i < fresh.length; i += mailer.batchSize) {
    const batch = fresh.slice(i, i + mailer.batchSize);
    const emails = await Promise.all(
      batch.map(async (c) => {
        const snapshot = snapshotOf(c, linkExp);
        return { ticketId: c.ticketId, snapshot, email: await buildEmail(c.ticketId, snapshot, settings) };
      }),
    );
    requests.push({
      key: await newRequestKey(
        batch.map((c) => c.ticketId),
        now,
      ),
      replay: false,
      emails,
    });
  }

  // Send and settle
  const waits = new Map<number, number>(waitsForLater);
  let stopAfterMs: number | undefined;
  for (const request of requests) {
    if (stopAfterMs !== undefined) {
      for (const e of request.emails) waits.set(e.ticketId, stopAfterMs);
      continue;
    }
    if (request.replay) await countReplay(db, request.key);
    else {
      // Only what is still claimed and not suppressed now is sent (an unsubscribe or an erasure may
      // have come since the claims were read); the rest is re-checked on the message's next delivery.
      const started = await startSending(db, request.emails, { sendKey: request.key, provider: mailer.name }, now);
      for (const e of request.emails) if (!started.has(e.ticketId)) waits.set(e.ticketId, 1000);
      request.emails = request.emails.filter((e) => started.has(e.ticketId));
      if (request.emails.length === 0) continue;
    }
    const outcomes = await mailer.send(
      request.emails.map((e) => e.email),
      request.key,
    );
    if (!outcomes.every((o) => o.kind === "retry" && o.notSent)) report.providerRequests++;
    const settlement = settlementOf(request, outcomes, Date.now());
    await settleSends(db, settlement, Date.now());
    report.sent += settlement.sent.length;
    report.failed += settlement.failed.length;
    for (const o of [...outcomes.entries()]) {
      if (o[1].kind === "retry") waits.set(request.emails[o[0]]!.ticketId, o[1].afterMs);
    }
    const refusal = outcomes.find((o) => o.kind === "retry" && !o.maybeDone);
    if (refusal?.kind === "retry" && outcomes.every((o) => o.kind === "retry" && !o.maybeDone))
      stopAfterMs = refusal.afterMs;
  }
  report.waiting = waits.size;

  // Acknowledge
  for (const m of messages) {
    const pending = m.ticketIds.filter((id) => waits.has(id));
    if (pending.length === 0) {
      m.ack();
      report.acked++;
    } else {
      m.retry({ delaySeconds: queueDelaySeconds(Math.max(...pending.map((id) => waits.get(id)!))) });
      report.retried++;
    }
  }
  return report;
}
