import type { Settings } from "../config";
import { isValidEmail } from "../lib/email-address";
import { sha256Hex } from "../lib/ids";
import { zendeskUserDistinctId } from "../lib/requester-ids";
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
const REPLAY_WINDOW_MS = 20 * 60 * 60_000;

/** The requester's PostHog distinct id: their Zendesk external id, else one derived from the Zendesk user. */
function distinctIdFor(ticket: { ticketId: number; externalId: string | null; requesterId: number | null }) {
  if (ticket.externalId) return ticket.externalId;
  return ticket.requesterId !== null ? zendeskUserDistinctId(ticket.requesterId) : `zendesk-ticket-${ticket.ticketId}`;
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
function planSends(claims: SendClaim[], options: { now: number; idempotent: boolean }): SendPlan {
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
async function buildEmail(ticketId: number, snapshot: EmailSnapshot, settings: Settings): Promise<OutgoingEmail> {
  const fields = { distinctId: snapshot.distinctId, ticketId, team: snapshot.team ?? "Support", exp: snapshot.linkExp };
  const faceUrls = await Promise.all(
    [1, 2, 3, 4, 5].map((rating) => buildSurveyUrl(settings.publicBaseUrl, fields, settings.linkSecret, { rating })),
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
function settlementOf(request: SendRequest, outcomes: EmailOutcome[], now: number): Settlement {
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

/** Tickets not settled in this run, each with how long until its message should come back (ms). */
type Waits = Map<number, number>;

/**
 * Emails the claimed tickets of a queue batch in four steps: plan (re-check every claim and build the
 * provider requests, replays first), send (each request paced by the provider's limit, a rate limit
 * or quota stopping the rest: they would be refused too), settle (record each email's outcome, inside
 * the send step, right after its request) and acknowledge (a message whose tickets are all settled
 * is acked; one with a ticket still waiting comes back after the longest wait). Each step takes values
 * and returns values; first sends and replays go through the same steps.
 */
export async function consumeSurveyEmails(
  messages: SurveyEmailMessage[],
  deps: { db: D1Database; mailer: Mailer; settings: Settings; now: number },
): Promise<ConsumeReport> {
  const planned = await planRequests(messages, deps);
  const sent = await sendRequests(planned.requests, deps);
  const waits: Waits = new Map([...planned.waits, ...sent.waits]);
  const acknowledged = acknowledge(messages, waits);
  return {
    sent: sent.sent,
    failed: planned.failed + sent.failed,
    skipped: planned.skipped,
    waiting: waits.size,
    acked: acknowledged.acked,
    retried: acknowledged.retried,
    providerRequests: sent.providerRequests,
  };
}

/**
 * Plan: re-checks the messages' claims, records those that will not be sent (skipped or failed, with
 * the reason), and builds the provider requests: replays of unconfirmed sends first, then fresh ones up
 * to this invocation's share (the rest wait for a later delivery of their message).
 */
async function planRequests(
  messages: SurveyEmailMessage[],
  deps: { db: D1Database; mailer: Mailer; settings: Settings; now: number },
): Promise<{ requests: SendRequest[]; skipped: number; failed: number; waits: Waits }> {
  const { db, mailer, settings, now } = deps;
  const claims = await loadClaims(db, [...new Set(messages.flatMap((m) => m.ticketIds))]);
  const plan = planSends([...claims.values()], { now, idempotent: mailer.idempotent });
  // With SURVEY_EMAILS=off a Zendesk automation sends the links: claims made before the switch are not sent.
  const emailsOff = settings.surveyEmails === "off";
  const skipped = emailsOff
    ? [...plan.skipped, ...plan.fresh.map((c) => ({ ticketId: c.ticketId, reason: "SURVEY_EMAILS is off" }))]
    : plan.skipped;
  const fresh = emailsOff ? [] : plan.fresh;
  await endClaims(db, { skipped, failed: plan.failed }, now);

  const replays = await Promise.all(plan.replayKeys.map((key) => replayRequest(db, key, now)));
  const share = fresh.slice(0, mailer.maxEmailsPerInvocation);
  const later: Waits = new Map(fresh.slice(share.length).map((c) => [c.ticketId, 1000]));
  return {
    requests: [...replays.flatMap((r) => (r.request ? [r.request] : [])), ...(await freshRequests(share, deps))],
    skipped: skipped.length,
    failed: plan.failed.length + replays.reduce((n, r) => n + r.erased, 0),
    waits: later,
  };
}

/**
 * The request of an unconfirmed send, again: the very emails of its first attempt, as stored then (the
 * same bytes, whatever changed since). An email erased meanwhile is not sent again.
 */
async function replayRequest(
  db: D1Database,
  key: string,
  now: number,
): Promise<{ request: SendRequest | null; erased: number }> {
  const group = await loadClaimsByKey(db, key);
  const erased = group.filter((c) => c.snapshot === null || c.email === null);
  if (erased.length > 0) {
    const reason = "erased while its send was unconfirmed; not sent again";
    await endClaims(db, { skipped: [], failed: erased.map((c) => ({ ticketId: c.ticketId, reason })) }, now);
  }
  const emails = group.flatMap((c) =>
    c.snapshot && c.email ? [{ ticketId: c.ticketId, snapshot: c.snapshot, email: c.email }] : [],
  );
  return { request: emails.length > 0 ? { key, replay: true, emails } : null, erased: erased.length };
}

/** Fresh requests of at most the provider's batch size, each email rendered from its snapshot. */
async function freshRequests(
  claims: SendClaim[],
  deps: { mailer: Mailer; settings: Settings; now: number },
): Promise<SendRequest[]> {
  const { mailer, settings, now } = deps;
  const linkExp = expiryFrom(new Date(now), settings.linkTtlDays);
  const requests: SendRequest[] = [];
  for (let i = 0; i < claims.length; i += mailer.batchSize) {
    const batch = claims.slice(i, i + mailer.batchSize);
    const emails = await Promise.all(
      batch.map(async (c) => {
        const snapshot = snapshotOf(c, linkExp);
        return { ticketId: c.ticketId, snapshot, email: await buildEmail(c.ticketId, snapshot, settings) };
      }),
    );
    const key = await newRequestKey(
      batch.map((c) => c.ticketId),
      now,
    );
    requests.push({ key, replay: false, emails });
  }
  return requests;
}

/**
 * Send and settle: each request in turn, its outcomes recorded as soon as the provider answers. A
 * refusal of a whole request (a rate limit or quota) stops the rest, which wait as long as it says.
 */
async function sendRequests(
  requests: SendRequest[],
  deps: { db: D1Database; mailer: Mailer; now: number },
): Promise<{ sent: number; failed: number; providerRequests: number; waits: Waits }> {
  const totals = { sent: 0, failed: 0, providerRequests: 0 };
  const waits: Waits = new Map();
  for (const [i, request] of requests.entries()) {
    const result = await sendRequest(request, deps);
    totals.sent += result.sent;
    totals.failed += result.failed;
    totals.providerRequests += result.reachedProvider ? 1 : 0;
    for (const [ticketId, ms] of result.waits) waits.set(ticketId, ms);
    if (result.stopAfterMs !== undefined) {
      for (const rest of requests.slice(i + 1)) for (const e of rest.emails) waits.set(e.ticketId, result.stopAfterMs);
      break;
    }
  }
  return { ...totals, waits };
}

/** One provider request: marked as sending (or counted as a replay), sent, and its outcomes settled. */
async function sendRequest(
  request: SendRequest,
  deps: { db: D1Database; mailer: Mailer; now: number },
): Promise<{ sent: number; failed: number; reachedProvider: boolean; waits: Waits; stopAfterMs?: number }> {
  const { db, mailer, now } = deps;
  const waits: Waits = new Map();
  let toSend = request;
  if (request.replay) await countReplay(db, request.key);
  else {
    // Only what is still claimed and not suppressed now is sent (an unsubscribe or an erasure may
    // have come since the claims were read); the rest is re-checked on the message's next delivery.
    const started = await startSending(db, request.emails, { sendKey: request.key, provider: mailer.name }, now);
    for (const e of request.emails) if (!started.has(e.ticketId)) waits.set(e.ticketId, 1000);
    toSend = { ...request, emails: request.emails.filter((e) => started.has(e.ticketId)) };
    if (toSend.emails.length === 0) return { sent: 0, failed: 0, reachedProvider: false, waits };
  }
  const outcomes = await mailer.send(
    toSend.emails.map((e) => e.email),
    toSend.key,
  );
  const settlement = settlementOf(toSend, outcomes, Date.now());
  await settleSends(db, settlement, Date.now());
  outcomes.forEach((o, i) => {
    if (o.kind === "retry") waits.set(toSend.emails[i]!.ticketId, o.afterMs);
  });
  const refusal = outcomes.find((o) => o.kind === "retry" && !o.maybeDone);
  const wholeRequestRefused = refusal?.kind === "retry" && outcomes.every((o) => o.kind === "retry" && !o.maybeDone);
  return {
    sent: settlement.sent.length,
    failed: settlement.failed.length,
    reachedProvider: !outcomes.every((o) => o.kind === "retry" && o.notSent),
    waits,
    ...(wholeRequestRefused ? { stopAfterMs: refusal.afterMs } : {}),
  };
}

/** Acknowledge: a message whose tickets are all settled is acked; the others come back after their longest wait. */
function acknowledge(messages: SurveyEmailMessage[], waits: Waits): { acked: number; retried: number } {
  let acked = 0;
  let retried = 0;
  for (const m of messages) {
    const pending = m.ticketIds.filter((id) => waits.has(id));
    if (pending.length === 0) {
      m.ack();
      acked++;
    } else {
      m.retry({ delaySeconds: queueDelaySeconds(Math.max(...pending.map((id) => waits.get(id)!))) });
      retried++;
    }
  }
  return { acked, retried };
}
