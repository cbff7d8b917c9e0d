import type { Settings } from "../config";
import { addressKeys, isValidEmail, normalizeEmail, type AddressKeys } from "../lib/email-address";
import { zendeskTicketOf } from "./sources/zendesk";
import { zendeskAccess } from "../services/zendesk";
import { fetchTickets } from "../services/zendesk-tickets";
import type { TicketSource } from "../config";
import { decide, reminderSkipReason, SOLVED_STATUSES, type EligibilityFacts } from "./eligibility";
import type { FirstSurvey } from "./reminders-store";
import { currentPostHogTickets } from "./posthog-support-recheck";
import { rulesFor, SOURCE_NAMES, TICKET_SOURCES } from "./ticket-sources";
import { ERASED, type SendClaim, type SyncedTicket } from "./sends-store";
import { suppressedAmong } from "./suppressions-store";

/** What the re-check says of one claim just before its email is sent (or replayed). */
export type Verdict =
  | { kind: "eligible"; ticket: SyncedTicket; addressFingerprint: string }
  | { kind: "ineligible"; reason: string }
  | { kind: "wait"; afterMs: number; reason: string };

/** Zendesk's show_many takes at most 100 ids (developer.zendesk.com "Tickets", Show Multiple Tickets). */
const SHOW_MANY_IDS = 100;
/** A consumer waits at most this long for a Zendesk request slot; longer, and the claims wait for the next delivery. */
const ZENDESK_MAX_WAIT_MS = 20_000;
/** How long claims wait when Zendesk's answer could not be used (malformed), before reading again. */
const UNREADABLE_WAIT_MS = 5 * 60_000;

/**
 * The claims' tickets as they are now. For a replay, read fresh from Zendesk (show_many with the
 * export's sideloads): a requester's address can change without the ticket changing, and the export
 * only carries changed tickets, so the stored email may no longer be theirs. A first send takes the
 * ticket as the sync last read it (minutes ago): reading every claim again would cost one request to
 * Zendesk's general API per 100 emails and make Zendesk, not the mail provider, set the pace.
 * Without Zendesk credentials, replays take the synced ticket too.
 */
async function currentZendeskTickets(claims: SendClaim[], deps: ReadDeps): Promise<Map<number, Current>> {
  const access = zendeskAccess(deps.settings.zendesk);
  if (!access || !deps.fresh) return new Map(claims.map((c) => [c.ticketId, c.ticket]));
  const current = new Map<number, Current>();
  for (let i = 0; i < claims.length; i += SHOW_MANY_IDS) {
    const ids = claims.slice(i, i + SHOW_MANY_IDS).map((c) => c.ticketId);
    const answer = await fetchTickets(access, ids, {
      db: deps.db,
      fetcher: deps.fetcher,
      maxWaitMs: ZENDESK_MAX_WAIT_MS,
    });
    for (const id of ids) {
      if (answer.kind === "done") current.set(id, zendeskTicketOf(answer.value, id));
      else if (answer.kind === "retry") current.set(id, { afterMs: answer.afterMs, reason: answer.reason });
      else current.set(id, { afterMs: UNREADABLE_WAIT_MS, reason: answer.reason });
    }
  }
  return current;
}

type Current = SyncedTicket | null | { afterMs: number; reason: string };
type ReadDeps = { db: D1Database; settings: Settings; fetcher: typeof fetch; fresh: boolean };

/** How each source's tickets are read as they are now. */
const READERS: Record<TicketSource, (claims: SendClaim[], deps: ReadDeps) => Promise<Map<number, Current>>> = {
  zendesk: currentZendeskTickets,
  "posthog-support": currentPostHogTickets,
};

/** The claims' tickets as they are now, each from its own source. */
async function currentTickets(claims: SendClaim[], deps: ReadDeps): Promise<Map<number, Current>> {
  const current = new Map<number, Current>();
  for (const source of TICKET_SOURCES) {
    const ofSource = claims.filter((c) => c.ticket.source === source);
    if (ofSource.length > 0) for (const [id, t] of await READERS[source](ofSource, deps)) current.set(id, t);
  }
  return current;
}

/** A ticket as the eligibility rules see it; throttling was decided when the ticket was claimed. */
function factsOf(ticket: SyncedTicket, suppressed: boolean): EligibilityFacts {
  return {
    status: ticket.status ?? "unknown",
    solvedAt: ticket.solvedAt,
    tags: ticket.tags,
    requesterRole: ticket.role,
    email: ticket.email,
    emailValid: ticket.email !== null && isValidEmail(ticket.email),
    suppressed,
    lastSurveyedAt: null,
    channel: ticket.channel,
  };
}

/** Why a claim must not be sent now (null: it may be). */
export type Judge = (claim: SendClaim, ticket: SyncedTicket, suppressed: boolean) => string | null;

/**
 * Whether a claimed reminder may still be sent, by the reminder's rule (eligibility.ts) on the ticket as
 * it is now and the survey email it repeats: not answered, the link not expired nor about to, not
 * past its time (a message that came back late), the same address. Its throttling was decided when it
 * was claimed.
 */
export function judgeReminder(
  first: FirstSurvey | undefined,
  ticket: SyncedTicket,
  suppressed: boolean,
  settings: Settings,
  now: number,
): string | null {
  if (!first) return "the survey email was not sent";
  if (first.snapshot === null || (suppressed && ticket.email === null)) return ERASED;
  const { to, linkExp } = first.snapshot;
  return reminderSkipReason(
    factsOf(ticket, suppressed),
    {
      surveySentAt: first.sentAt,
      linkExp,
      answered: first.answered,
      sameAddress: ticket.email !== null && normalizeEmail(ticket.email) === normalizeEmail(to),
      lastOtherEmailAt: null,
    },
    { ...rulesFor(settings, ticket.source), reminderDays: settings.dispatch.reminderDays },
    now,
  );
}

/**
 * Whether a claimed ticket may still be emailed, by the eligibility rule itself (eligibility.ts) on the
 * ticket as it is now. Throttling is not asked again: it was decided when the ticket was claimed, and
 * the claim itself counts as this address's latest survey.
 */
function judge(ticket: SyncedTicket, suppressed: boolean, settings: Settings, now: number): string | null {
  // Erasure empties the synced address and suppresses it: the suppression is the reason to record.
  if (suppressed && ticket.email === null) return ERASED;
  const status = ticket.status ?? "unknown";
  const decision = decide(factsOf(ticket, suppressed), rulesFor(settings, ticket.source), now);
  if (decision.kind === "send") return null;
  if (decision.kind === "skip") return decision.reason;
  if (!SOLVED_STATUSES.includes(status)) return `ticket was reopened (${status}) before the survey was sent`;
  return "ticket is no longer due (solved again, or outside the survey window)";
}

/**
 * Re-checks claims just before their email goes out, first sends and replays alike: each ticket as
 * Zendesk has it now, against the eligibility rule, with the suppression list for both the address it
 * was claimed for and the address it has now. A replay (a claim with the email of an unconfirmed
 * attempt) must also still go to the very address it was built for: it is sent byte for byte.
 */
export async function recheckClaims(
  claims: SendClaim[],
  deps: { db: D1Database; settings: Settings; fetcher: typeof fetch; now: number },
  read: { fresh: boolean; judge?: Judge | undefined },
): Promise<Map<number, Verdict>> {
  const verdicts = new Map<number, Verdict>();
  if (claims.length === 0) return verdicts;
  const current = await currentTickets(claims, { ...deps, fresh: read.fresh });
  // Each address is looked up by its fingerprint and by the bare hash older suppressions may still carry.
  const keys = new Map<number, AddressKeys>();
  for (const claim of claims) {
    const ticket = current.get(claim.ticketId);
    if (ticket && "email" in ticket && ticket.email)
      keys.set(claim.ticketId, await addressKeys(deps.settings.addressFingerprintKey, ticket.email));
  }
  const suppressed = await suppressedAmong(deps.db, [...keys.values()]);
  for (const claim of claims) {
    const ticket = current.get(claim.ticketId);
    const replay = claim.status === "sending";
    if (replay && (claim.snapshot === null || claim.email === null)) {
      verdicts.set(claim.ticketId, { kind: "ineligible", reason: "erased while its send was unconfirmed" });
      continue;
    }
    if (ticket === undefined || ticket === null) {
      const where = SOURCE_NAMES[claim.ticket.source];
      verdicts.set(claim.ticketId, { kind: "ineligible", reason: `ticket is no longer in ${where}` });
      continue;
    }
    if ("afterMs" in ticket) {
      verdicts.set(claim.ticketId, { kind: "wait", afterMs: ticket.afterMs, reason: ticket.reason });
      continue;
    }
    const fingerprint = keys.get(claim.ticketId)?.fingerprint;
    const isSuppressed = claim.suppressed || (fingerprint !== undefined && suppressed.has(fingerprint));
    const reason = read.judge
      ? read.judge(claim, ticket, isSuppressed)
      : judge(ticket, isSuppressed, deps.settings, deps.now);
    if (reason) verdicts.set(claim.ticketId, { kind: "ineligible", reason });
    else if (replay && normalizeEmail(ticket.email!) !== normalizeEmail(claim.snapshot!.to))
      verdicts.set(claim.ticketId, {
        kind: "ineligible",
        reason: `requester's email address changed in ${SOURCE_NAMES[ticket.source]}`,
      });
    else verdicts.set(claim.ticketId, { kind: "eligible", ticket, addressFingerprint: fingerprint! });
  }
  return verdicts;
}
