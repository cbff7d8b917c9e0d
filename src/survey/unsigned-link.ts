import type { Settings } from "../config";
import { DAY_MS } from "../lib/time";
import { zendeskUserDistinctId } from "../lib/requester-ids";
import { fetchTickets } from "../services/zendesk-tickets";
import { zendeskAccess } from "../services/zendesk";
import { DEFAULT_TEAM, type ParsedSurveyLink, type UnsignedLinkFields } from "../lib/survey-link";
import { ticketKeyFor } from "../lib/ticket-keys";
import { findTicket, postHogSupportAccess, requesterDistinctId, requesterEmail } from "../services/posthog-support";
import { knownTicketFacts, postHogTicketKey, rememberTicketFacts, type TicketFacts } from "./ticket-facts-store";

/** Zendesk's solved statuses, and PostHog Support's one (resolved). */
const SOLVED = ["solved", "closed", "resolved"];

/** How long what Zendesk said about a ticket the sync does not know is trusted. */
const LOOKUP_FRESH_MS = 10 * 60_000;
/** A page view waits at most this long for a Zendesk request slot before saying "try again". */
const LOOKUP_MAX_WAIT_MS = 3_000;

export type UnsignedVerdict =
  | { ok: true; link: ParsedSurveyLink }
  | { ok: false; why: "unknown" | "not-theirs" | "not-solved" | "expired" | "unavailable"; detail?: string };

/** The PostHog distinct id a Zendesk requester gets: their external id, else one from the user id. */
function requesterDistinctIds(facts: Pick<TicketFacts, "requesterId" | "requesterExternalId">): string[] {
  const ids: string[] = [];
  if (facts.requesterExternalId) ids.push(facts.requesterExternalId);
  if (facts.requesterId !== null) ids.push(zendeskUserDistinctId(facts.requesterId));
  return ids;
}

/**
 * Whether an unsigned link may be answered (pure): the ticket is real, solved or closed within the
 * link lifetime, and the link's customer is its requester. The team is the ticket's group in
 * Zendesk, whatever the link's text says.
 */
function judgeUnsignedLink(
  fields: UnsignedLinkFields,
  facts: TicketFacts,
  now: number,
  linkTtlDays: number,
): UnsignedVerdict {
  if (!facts.found) return { ok: false, why: "unknown" };
  if (!requesterDistinctIds(facts).includes(fields.distinctId)) return { ok: false, why: "not-theirs" };
  if (!SOLVED.includes(facts.status ?? "") || facts.solvedAt === null) return { ok: false, why: "not-solved" };
  const expiresAt = facts.solvedAt + linkTtlDays * DAY_MS;
  if (expiresAt <= now) return { ok: false, why: "expired" };
  return {
    ok: true,
    link: {
      distinctId: fields.distinctId,
      ticketId: fields.ticketId,
      team: facts.groupName ?? DEFAULT_TEAM,
      initialTargetArea: fields.initialTargetArea,
      exp: Math.floor(expiresAt / 1000),
      sig: "",
      rating: fields.rating,
      unsigned: true,
      posthogTicket: fields.posthogTicket,
    },
  };
}

async function lookUp(
  db: D1Database,
  settings: Settings,
  ticketId: number,
  now: number,
): Promise<TicketFacts | "unavailable"> {
  const known = await knownTicketFacts(db, ticketId, now - LOOKUP_FRESH_MS);
  if (known) return known;
  const access = zendeskAccess(settings.zendesk);
  if (!access) return "unavailable";
  const answer = await fetchTickets(access, [ticketId], { db, fetcher: fetch, maxWaitMs: LOOKUP_MAX_WAIT_MS });
  if (answer.kind !== "done") {
    console.warn(`unsigned link for ticket ${ticketId}: ${answer.reason}`);
    return "unavailable";
  }
  const ticket = answer.value.tickets.find((t) => t.id === ticketId);
  const user = ticket?.requester_id != null ? answer.value.users.get(ticket.requester_id) : undefined;
  const solvedAt = ticket ? (answer.value.solvedAt.get(ticket.id) ?? null) : null;
  const facts: TicketFacts = ticket
    ? {
        found: true,
        status: ticket.status,
        solvedAt: solvedAt === null ? null : Date.parse(solvedAt),
        requesterId: ticket.requester_id ?? null,
        requesterExternalId: user?.external_id == null ? null : String(user.external_id),
        groupName: ticket.group_id != null ? (answer.value.groups.get(ticket.group_id) ?? null) : null,
      }
    : { found: false, status: null, solvedAt: null, requesterId: null, requesterExternalId: null, groupName: null };
  await rememberTicketFacts(db, ticketId, facts, now);
  return facts;
}

/**
 * Checks an unsigned link against Zendesk: from what the sync knows, else one (cached, paced)
 * Zendesk request. Nothing is recorded for a link that fails.
 */
export async function verifyUnsignedLink(
  db: D1Database,
  settings: Settings,
  fields: UnsignedLinkFields,
  now: number,
): Promise<UnsignedVerdict> {
  if (fields.posthogTicket) {
    const found = await lookUpPostHog(db, settings, fields.posthogTicket, now);
    if (found === "unavailable") return { ok: false, why: "unavailable" };
    if (found === null) return { ok: false, why: "unknown" };
    return judgeUnsignedLink({ ...fields, ticketId: found.key }, found.facts, now, settings.linkTtlDays);
  }
  const facts = await lookUp(db, settings, fields.ticketId, now);
  if (facts === "unavailable") return { ok: false, why: "unavailable" };
  return judgeUnsignedLink(fields, facts, now, settings.linkTtlDays);
}

/**
 * A PostHog Support ticket an unsigned link names: from what the dispatcher knows, else one (paced)
 * read of PostHog's list by the ticket's number, kept a while like Zendesk's. A ticket PostHog does not
 * have gets no key, so nothing is kept of it (each such link costs one paced request). A resolved
 * ticket's resolved time is its `updated_at` when first seen (PostHog keeps no resolved time).
 */
async function lookUpPostHog(
  db: D1Database,
  settings: Settings,
  ticket: { uuid: string; number: number },
  now: number,
): Promise<{ key: number; facts: TicketFacts } | null | "unavailable"> {
  const known = await postHogTicketKey(db, ticket.uuid);
  const facts = known === null ? null : await knownTicketFacts(db, known, now - LOOKUP_FRESH_MS);
  if (known !== null && facts) return { key: known, facts };
  const access = postHogSupportAccess(settings.posthog);
  if (!access || !settings.ticketSources.includes("posthog-support")) return "unavailable";
  const answer = await findTicket(access, ticket, { db, fetcher: fetch, maxWaitMs: LOOKUP_MAX_WAIT_MS });
  if (answer.kind !== "done") {
    console.warn(`unsigned link for PostHog Support ticket ${ticket.number}: ${answer.reason}`);
    return "unavailable";
  }
  const t = answer.value;
  if (!t) return null;
  const key = await ticketKeyFor(db, { ...ticket, priority: t.priority ?? null, slaDueAt: null }, now);
  const looked: TicketFacts = {
    found: true,
    status: t.status,
    solvedAt: t.status === "resolved" ? Date.parse(t.updated_at) : null,
    requesterId: null,
    requesterExternalId: requesterDistinctId(t, requesterEmail(t)),
    groupName: null,
  };
  await rememberTicketFacts(db, key, looked, now);
  return { key, facts: looked };
}
