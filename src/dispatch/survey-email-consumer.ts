import type { Settings } from "../config";
import { sha256Hex } from "../lib/ids";
import { zendeskUserDistinctId } from "../lib/requester-ids";
import { queueDelaySeconds } from "../services/backoff";
import type { EmailOutcome, Mailer, OutgoingEmail } from "../services/mail";
import { buildSurveyUrl, DEFAULT_TEAM, expiryFrom } from "../lib/survey-link";
import { renderSurveyEmail } from "./email";
import {
  countReplay,
  endClaims,
  loadClaims,
  loadClaimsByKey,
  settleSends,
  startSending,
  leaveOut,
  type EmailSnapshot,
  type SendClaim,
  type SendTable,
  type Settlement,
  type SyncedTicket,
} from "./sends-store";
import { judgeReminder, recheckClaims, type Judge } from "./recheck";
import { firstSurveys, type FirstSurvey } from "./reminders-store";
import { ticketRefs } from "./posthog-support-store";
import type { PostHogTicketRef } from "./sources/posthog-support";
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

/**
 * What a consumer sends: the survey emails, or their one reminder each (built from the survey email's
 * snapshot, so with its links). Both go through every step below; each keeps its own send state and
 * its own idempotency keys.
 */
export type SendKind = "survey" | "reminder";

const TABLES: Record<SendKind, SendTable> = { survey: "survey_sends", reminder: "survey_reminders" };
const tableOf = (deps: { kind?: SendKind }): SendTable => TABLES[deps.kind ?? "survey"];

/** A send whose outcome is unknown is only replayed while the provider still remembers its key (24 h at Resend). */
const REPLAY_WINDOW_MS = 20 * 60 * 60_000;

/** The requester's PostHog distinct id: their Zendesk external id, else one derived from the Zendesk user. */
function distinctIdFor(ticket: { ticketId: number; externalId: string | null; requesterId: number | null }) {
  if (ticket.externalId) return ticket.externalId;
  return ticket.requesterId !== null ? zendeskUserDistinctId(ticket.requesterId) : `zendesk-ticket-${ticket.ticketId}`;
}

/** What the consumer will do with a batch of claims (pure). */
export interface SendPlan {
  failed: Array<{ ticketId: number; reason: string }>;
  /** Keys of requests whose outcome is unknown: sent again exactly as they were, less who is no longer eligible. */
  replayKeys: string[];
  /** Claims to re-check and build fresh emails for, in ticket order. */
  fresh: SendClaim[];
}

/**
 * Sorts the claims of a batch. A claim already settled sends nothing (a redelivered message). A claim
 * whose send's outcome is unknown is replayed while the provider remembers its key (only the same
 * request tells whether it was delivered), or given up when the provider cannot deduplicate. A fresh
 * claim is re-checked before its email is built.
 */
function planSends(claims: SendClaim[], options: { now: number; idempotent: boolean }): SendPlan {
  const plan: SendPlan = { failed: [], replayKeys: [], fresh: [] };
  const keys = new Set<string>();
  for (const claim of [...claims].sort((a, b) => a.ticketId - b.ticketId)) {
    if (claim.status === "sending") {
      if (!options.idempotent)
        plan.failed.push({
          ticketId: claim.ticketId,
          reason: "interrupted while sending; not retried so the customer never gets two emails",
        });
      else if (!claim.sendKey || options.now - (claim.sendStartedAt ?? 0) > REPLAY_WINDOW_MS)
        plan.failed.push({
          ticketId: claim.ticketId,
          reason:
            "delivery could not be confirmed within the provider's idempotency window; not retried to avoid a second email",
        });
      else keys.add(claim.sendKey);
      continue;
    }
    if (claim.status === "claimed") plan.fresh.push(claim);
  }
  plan.replayKeys = [...keys];
  return plan;
}

/** One email of a request; `addressFingerprint` is its address's fingerprint, recorded when a fresh email starts sending. */
type RequestEmail = {
  ticketId: number;
  snapshot: EmailSnapshot;
  email: OutgoingEmail;
  addressFingerprint: string | null;
};

/** A provider request: its key and its emails, in ticket order. */
interface SendRequest {
  key: string;
  replay: boolean;
  emails: RequestEmail[];
  /** A replay's tickets that are no longer eligible: not in this body, settled with the reason. */
  leftOut?: Array<{ ticketId: number; reason: string }>;
  /**
   * A replay that left tickets out: the bodies sent under this key before (newest first), one of
   * which Resend may hold instead (it then answers this body with invalid_idempotent_request).
   */
  earlier?: Array<{ emails: RequestEmail[]; leftOut: Array<{ ticketId: number; reason: string }> }>;
}

/** A new key for each fresh request, so a rebuilt request never reuses the key of a different one. */
async function newRequestKey(ticketIds: number[], now: number, kind: SendKind): Promise<string> {
  const ids = ticketIds.join(",");
  return `${kind}-${(await sha256Hex(ids)).slice(0, 32)}-${now.toString(36)}`;
}

/** What a fresh email is built from: the ticket as the re-check read it. */
function snapshotOf(ticketId: number, ticket: SyncedTicket, linkExp: number): EmailSnapshot {
  return {
    to: ticket.email!,
    name: ticket.name,
    team: ticket.groupName,
    distinctId: distinctIdFor({ ticketId, ...ticket }),
    linkExp,
  };
}

/**
 * Renders a ticket's email from its snapshot only, so a replay renders the very same email. A PostHog
 * Support ticket's link and subject name it as PostHog does (its uuid and number).
 */
async function buildEmail(
  ticketId: number,
  snapshot: EmailSnapshot,
  settings: Settings,
  posthogTicket: PostHogTicketRef | undefined,
  kind: SendKind,
): Promise<OutgoingEmail> {
  const fields = {
    distinctId: snapshot.distinctId,
    ticketId,
    team: snapshot.team ?? DEFAULT_TEAM,
    exp: snapshot.linkExp,
    posthogTicket: posthogTicket && { uuid: posthogTicket.uuid, number: posthogTicket.number },
  };
  const faceUrls = await Promise.all(
    [1, 2, 3, 4, 5].map((rating) => buildSurveyUrl(settings.publicBaseUrl, fields, settings.linkSecret, { rating })),
  );
  const email = renderSurveyEmail({
    ticketId: posthogTicket?.number ?? ticketId,
    requesterName: snapshot.name,
    team: snapshot.team,
    faceUrls,
    unsubscribeUrl: await unsubscribeUrl(settings.publicBaseUrl, ticketId, settings.linkSecret),
    charity: settings.donation.charity,
    brand: settings.brand,
    reminder: kind === "reminder",
  });
  return { ...email, to: snapshot.to, from: settings.mail.from, idempotencyKey: `${kind}-${ticketId}` };
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
 * and returns values; first sends and replays go through the same steps and the same re-check.
 */
export async function consumeSurveyEmails(messages: SurveyEmailMessage[], deps: ConsumerDeps): Promise<ConsumeReport> {
  const planned = await planRequests(messages, deps);
  const sent = await sendRequests(planned.requests, deps);
  const waits: Waits = new Map([...planned.waits, ...sent.waits]);
  const acknowledged = acknowledge(messages, waits);
  return {
    sent: sent.sent,
    failed: planned.failed + sent.failed,
    skipped: planned.skipped + sent.skipped,
    waiting: waits.size,
    acked: acknowledged.acked,
    retried: acknowledged.retried,
    providerRequests: sent.providerRequests,
  };
}

export interface ConsumerDeps {
  db: D1Database;
  mailer: Mailer;
  settings: Settings;
  /** Reaches Zendesk for the re-check. */
  fetcher: typeof fetch;
  now: number;
  /** Survey emails (the default) or reminders. */
  kind?: SendKind;
  /**
   * Emails this invocation has already planned (replays and fresh sends), shared by the survey emails
   * and the reminders of one queue batch: the provider's per-invocation limit (maxEmailsPerInvocation)
   * is the invocation's.
   */
  planned?: { sends: number };
}

/**
 * The re-check's rule for reminders, with the survey emails they repeat; for survey emails, the
 * default rule (undefined) and no surveys.
 */
async function remindersRule(
  claims: SendClaim[],
  deps: ConsumerDeps,
): Promise<{ judge?: Judge; firsts: Map<number, FirstSurvey> }> {
  if (deps.kind !== "reminder") return { firsts: new Map() };
  const firsts = await firstSurveys(
    deps.db,
    claims.map((c) => c.ticketId),
  );
  return {
    firsts,
    judge: (claim, ticket, suppressed) =>
      judgeReminder(firsts.get(claim.ticketId), ticket, suppressed, deps.settings, deps.now),
  };
}

/** Why the claims of this kind are not sent at all now (null: they are). */
function switchedOff(settings: Settings, kind: SendKind | undefined): string | null {
  // With SURVEY_EMAILS=off a Zendesk automation sends the links: claims made before the switch are not sent.
  if (settings.surveyEmails === "off") return "SURVEY_EMAILS is off";
  if (kind === "reminder" && settings.dispatch.reminderDays === 0) return "SURVEY_REMINDER_DAYS is 0 (no reminders)";
  return null;
}

/**
 * Plan: re-checks the messages' claims, records those that will not be sent (skipped or failed, with
 * the reason), and builds the provider requests: replays of unconfirmed sends first, then fresh ones up
 * to this invocation's share (the rest wait for a later delivery of their message).
 */
async function planRequests(
  messages: SurveyEmailMessage[],
  deps: ConsumerDeps,
): Promise<{ requests: SendRequest[]; skipped: number; failed: number; waits: Waits }> {
  const { db, mailer, settings, now } = deps;
  const table = tableOf(deps);
  const claims = await loadClaims(db, [...new Set(messages.flatMap((m) => m.ticketIds))], table);
  const plan = planSends([...claims.values()], { now, idempotent: mailer.idempotent });
  const off = switchedOff(settings, deps.kind);
  const offSkips = off ? plan.fresh.map((c) => ({ ticketId: c.ticketId, reason: off })) : [];
  // Replays of unconfirmed sends come first, and count against the invocation's allowance too.
  const replays = [];
  for (const key of plan.replayKeys) replays.push(await replayRequest(key, deps));
  const replayed = replays.reduce((n, r) => n + (r.request?.emails.length ?? 0), 0);
  const room = Math.max(0, mailer.maxEmailsPerInvocation - (deps.planned?.sends ?? 0) - replayed);
  const share = off ? [] : plan.fresh.slice(0, room);
  if (deps.planned) deps.planned.sends += replayed + share.length;
  const waits: Waits = new Map(off ? [] : plan.fresh.slice(share.length).map((c) => [c.ticketId, 1000]));

  const rule = await remindersRule(share, deps);
  const verdicts = await recheckClaims(share, deps, { fresh: false, judge: rule.judge });
  const skipped = [...offSkips];
  const eligible: Array<{ claim: SendClaim; ticket: SyncedTicket; addressFingerprint: string }> = [];
  for (const claim of share) {
    const verdict = verdicts.get(claim.ticketId)!;
    if (verdict.kind === "ineligible") skipped.push({ ticketId: claim.ticketId, reason: verdict.reason });
    else if (verdict.kind === "wait") waits.set(claim.ticketId, verdict.afterMs);
    else eligible.push({ claim, ticket: verdict.ticket, addressFingerprint: verdict.addressFingerprint });
  }
  await endClaims(db, { skipped, failed: plan.failed }, now, table);

  for (const r of replays) for (const [ticketId, ms] of r.waits) waits.set(ticketId, ms);
  return {
    requests: [
      ...replays.flatMap((r) => (r.request ? [r.request] : [])),
      ...(await freshRequests(eligible, deps, rule.firsts)),
    ],
    skipped: skipped.length + replays.reduce((n, r) => n + r.skipped, 0),
    failed: plan.failed.length,
    waits,
  };
}

/**
 * The request of an unconfirmed send, again: the very emails of its first attempt, as stored then (the
 * same bytes, whatever changed since), less the tickets no longer eligible. Each of those is left out
 * from this replay round on (the body changes, so Resend will answer it as a new request if the key is
 * free, or with invalid_idempotent_request if it holds an earlier body: see sendReplay). When no one
 * is left, nothing is sent: the tickets are skipped with their reasons.
 */
async function replayRequest(
  key: string,
  deps: ConsumerDeps,
): Promise<{ request: SendRequest | null; skipped: number; waits: Waits }> {
  const { db, now } = deps;
  const table = tableOf(deps);
  const group = await loadClaimsByKey(db, key, table);
  const waits: Waits = new Map();
  const active = group.filter((c) => c.leftOut === null);
  // A replay's emails were built for the addresses of that time: read the tickets fresh from Zendesk.
  const { judge } = await remindersRule(active, deps);
  const verdicts = await recheckClaims(active, deps, { fresh: true, judge });
  const wait = [...verdicts.values()].find((v) => v.kind === "wait");
  if (wait?.kind === "wait") {
    // The re-check could not read every ticket: the whole request waits (its body depends on all of them).
    for (const c of group) waits.set(c.ticketId, wait.afterMs);
    return { request: null, skipped: 0, waits };
  }
  const newlyOut = active.flatMap((c) => {
    const v = verdicts.get(c.ticketId)!;
    return v.kind === "ineligible" ? [{ ticketId: c.ticketId, reason: v.reason }] : [];
  });
  const lastRound = Math.max(0, ...group.map((c) => c.leftOut?.round ?? 0));
  const round = newlyOut.length > 0 ? lastRound + 1 : lastRound;
  await leaveOut(db, newlyOut, round, table);
  const out = new Map([
    ...group.flatMap((c) => (c.leftOut ? ([[c.ticketId, c.leftOut]] as const) : [])),
    ...newlyOut.map((o) => [o.ticketId, { round, reason: o.reason }] as const),
  ]);
  /** The body of round r: every ticket of the request not left out in rounds 1 to r. */
  const bodyOf = (r: number) => {
    const members = group.filter((c) => (out.get(c.ticketId)?.round ?? Infinity) > r);
    const emails = members.flatMap((c) =>
      c.snapshot && c.email
        ? [{ ticketId: c.ticketId, snapshot: c.snapshot, email: c.email, addressFingerprint: null }]
        : [],
    );
    const leftOut = group
      .filter((c) => !members.includes(c))
      .map((c) => ({ ticketId: c.ticketId, reason: out.get(c.ticketId)!.reason }));
    // A body whose bytes were erased cannot be sent again.
    return emails.length === members.length ? { emails, leftOut } : null;
  };
  const body = bodyOf(round)!;
  if (body.emails.length === 0) {
    const reasons = body.leftOut.map((o) => ({
      ticketId: o.ticketId,
      reason: `${o.reason}; not sent again (whether its first attempt was delivered is unknown)`,
    }));
    await endClaims(db, { skipped: reasons, failed: [] }, now, table);
    return { request: null, skipped: reasons.length, waits };
  }
  const earlier: NonNullable<SendRequest["earlier"]> = [];
  for (let r = round - 1; r >= 0; r--) {
    const b = bodyOf(r);
    if (b) earlier.push(b);
  }
  return { request: { key, replay: true, ...body, earlier: round > 0 ? earlier : undefined }, skipped: 0, waits };
}

/**
 * Fresh requests of at most the provider's batch size, each email rendered from its snapshot: a survey
 * email's taken from the ticket now, a reminder's from the survey email it repeats (`firsts`).
 */
async function freshRequests(
  claims: Array<{ claim: SendClaim; ticket: SyncedTicket; addressFingerprint: string }>,
  deps: { db: D1Database; mailer: Mailer; settings: Settings; now: number; kind?: SendKind },
  firsts: Map<number, FirstSurvey>,
): Promise<SendRequest[]> {
  const kind = deps.kind ?? "survey";
  const { mailer, settings, now } = deps;
  const linkExp = expiryFrom(new Date(now), settings.linkTtlDays);
  const refs = await ticketRefs(
    deps.db,
    claims.filter((c) => c.ticket.source === "posthog-support").map((c) => c.claim.ticketId),
  );
  const requests: SendRequest[] = [];
  for (let i = 0; i < claims.length; i += mailer.batchSize) {
    const batch = claims.slice(i, i + mailer.batchSize);
    const emails = await Promise.all(
      batch.map(async ({ claim, ticket, addressFingerprint }) => {
        const snapshot =
          kind === "reminder" ? firsts.get(claim.ticketId)!.snapshot! : snapshotOf(claim.ticketId, ticket, linkExp);
        return {
          ticketId: claim.ticketId,
          snapshot,
          email: await buildEmail(claim.ticketId, snapshot, settings, refs.get(claim.ticketId), kind),
          addressFingerprint,
        };
      }),
    );
    const key = await newRequestKey(
      batch.map((c) => c.claim.ticketId),
      now,
      kind,
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
  deps: { db: D1Database; mailer: Mailer; now: number; kind?: SendKind },
): Promise<{ sent: number; failed: number; skipped: number; providerRequests: number; waits: Waits }> {
  const totals = { sent: 0, failed: 0, skipped: 0, providerRequests: 0 };
  const waits: Waits = new Map();
  for (const [i, request] of requests.entries()) {
    const result = request.replay ? await sendReplay(request, deps) : await sendRequest(request, deps);
    totals.sent += result.sent;
    totals.failed += result.failed;
    totals.skipped += result.skipped;
    totals.providerRequests += result.providerRequests;
    for (const [ticketId, ms] of result.waits) waits.set(ticketId, ms);
    if (result.stopAfterMs !== undefined) {
      for (const rest of requests.slice(i + 1)) {
        for (const e of rest.emails) waits.set(e.ticketId, result.stopAfterMs);
        for (const o of rest.leftOut ?? []) waits.set(o.ticketId, result.stopAfterMs);
      }
      break;
    }
  }
  return { ...totals, waits };
}

interface SendResult {
  sent: number;
  failed: number;
  skipped: number;
  providerRequests: number;
  waits: Waits;
  stopAfterMs?: number;
}

/** Records a request's outcomes and says what waits and whether the rest must stop (a whole request refused for now). */
async function settle(
  request: SendRequest,
  outcomes: EmailOutcome[],
  deps: { db: D1Database; kind?: SendKind },
  extra: { skipped?: Array<{ ticketId: number; reason: string }>; providerRequests: number },
): Promise<SendResult> {
  const settlement = settlementOf(request, outcomes, Date.now());
  const skipped = extra.skipped ?? [];
  await settleSends(deps.db, settlement, Date.now(), skipped, tableOf(deps));
  const waits: Waits = new Map();
  outcomes.forEach((o, i) => {
    if (o.kind === "retry") waits.set(request.emails[i]!.ticketId, o.afterMs);
  });
  const refusal = outcomes.find((o) => o.kind === "retry" && !o.maybeDone);
  const wholeRequestRefused = refusal?.kind === "retry" && outcomes.every((o) => o.kind === "retry" && !o.maybeDone);
  return {
    sent: settlement.sent.length,
    failed: settlement.failed.length,
    skipped: skipped.length,
    providerRequests: extra.providerRequests,
    waits,
    ...(wholeRequestRefused ? { stopAfterMs: refusal.afterMs } : {}),
  };
}

const reachedProvider = (outcomes: EmailOutcome[]) => !outcomes.every((o) => o.kind === "retry" && o.notSent);

/** A fresh provider request: marked as sending, sent, and its outcomes settled. */
async function sendRequest(request: SendRequest, deps: { db: D1Database; mailer: Mailer; now: number; kind?: SendKind }) {
  const { db, mailer, now } = deps;
  const waits: Waits = new Map();
  // Only what is still claimed and not suppressed now is sent (an unsubscribe or an erasure may
  // have come since the claims were read); the rest is re-checked on the message's next delivery.
  const started = await startSending(
    db,
    request.emails,
    { sendKey: request.key, provider: mailer.name },
    now,
    tableOf(deps),
  );
  for (const e of request.emails) if (!started.has(e.ticketId)) waits.set(e.ticketId, 1000);
  const toSend = { ...request, emails: request.emails.filter((e) => started.has(e.ticketId)) };
  if (toSend.emails.length === 0) return { sent: 0, failed: 0, skipped: 0, providerRequests: 0, waits };
  const outcomes = await mailer.send(
    toSend.emails.map((e) => e.email),
    toSend.key,
  );
  const result = await settle(toSend, outcomes, deps, { providerRequests: reachedProvider(outcomes) ? 1 : 0 });
  for (const [ticketId, ms] of waits) result.waits.set(ticketId, ms);
  return result;
}

/** Resend holds another body under this key: some earlier attempt of the request was accepted. */
const keyHoldsOtherBody = (outcomes: EmailOutcome[]) =>
  outcomes.length > 0 && outcomes.every((o) => o.kind === "failed" && o.code === "invalid_idempotent_request");

/**
 * A replay: the request's body less the tickets left out, under the same key. Resend keeps at most one
 * body per key, and a body it holds is answered with its first answer and never sent again, so:
 * - a 200 answers the body it now holds, this one (sent now because the key was free, or earlier):
 *   its emails are settled from the answer, and the tickets left out were not sent by this key;
 * - invalid_idempotent_request says it holds an earlier body of this request (the bodies are nested,
 *   each one the last less who was left out): each earlier body is sent in turn, newest first, until
 *   one is answered; none is sent anew, since the key is taken. The answered one settles every ticket.
 *   If none can be rebuilt (an erasure took its bytes), this body's tickets were in whichever was
 *   accepted (sent), and whether the ones left out were is unknown;
 * - anything else: the outcome stays unknown and everyone waits.
 */
async function sendReplay(request: SendRequest, deps: { db: D1Database; mailer: Mailer; now: number; kind?: SendKind }) {
  const { db, mailer } = deps;
  await countReplay(db, request.key, tableOf(deps));
  const notSentReason = (o: { ticketId: number; reason: string }) => ({
    ticketId: o.ticketId,
    reason: `${o.reason}; not sent`,
  });
  let outcomes = await mailer.send(
    request.emails.map((e) => e.email),
    request.key,
  );
  let providerRequests = reachedProvider(outcomes) ? 1 : 0;
  if (request.earlier !== undefined && keyHoldsOtherBody(outcomes)) {
    for (const body of request.earlier) {
      const answer = await mailer.send(
        body.emails.map((e) => e.email),
        request.key,
      );
      providerRequests += reachedProvider(answer) ? 1 : 0;
      if (keyHoldsOtherBody(answer)) continue;
      const held = { ...request, ...body };
      if (!answer.every((o) => o.kind !== "retry")) return waitAll(held, answer, deps, providerRequests);
      return settle(held, answer, deps, { skipped: body.leftOut.map(notSentReason), providerRequests });
    }
    // No earlier body could be sent again to learn its answer: this body's emails were in the one accepted.
    outcomes = request.emails.map(() => ({ kind: "done", value: `resend-request:${request.key}` }) as const);
    const unknown = (request.leftOut ?? []).map((o) => ({
      ticketId: o.ticketId,
      reason: `${o.reason}; not sent again (an earlier attempt was accepted and may have reached them)`,
    }));
    const result = await settle(request, outcomes, deps, { providerRequests });
    await endClaims(db, { skipped: [], failed: unknown }, Date.now(), tableOf(deps));
    return { ...result, failed: result.failed + unknown.length };
  }
  if (!outcomes.every((o) => o.kind !== "retry")) return waitAll(request, outcomes, deps, providerRequests);
  return settle(request, outcomes, deps, {
    skipped: (request.leftOut ?? []).map(notSentReason),
    providerRequests,
  });
}

/** A replay whose answer settles nothing for sure: its tickets, and those left out, stay unconfirmed. */
async function waitAll(
  request: SendRequest,
  outcomes: EmailOutcome[],
  deps: { db: D1Database; kind?: SendKind },
  providerRequests: number,
): Promise<SendResult> {
  const result = await settle(request, outcomes, deps, { providerRequests });
  const longest = Math.max(1000, ...result.waits.values());
  for (const o of request.leftOut ?? []) result.waits.set(o.ticketId, longest);
  return result;
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
