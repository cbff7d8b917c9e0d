import type { Settings } from "../config";
import { findTicket, postHogSupportAccess } from "../services/posthog-support";
import { saveSeenTickets, ticketRefs, type SeenTicket } from "./posthog-support-store";
import type { SendClaim, SyncedTicket } from "./sends-store";
import { POSTHOG_SUPPORT_SOLVED_STATUSES, postHogSupportTicketOf, refOf } from "./sources/posthog-support";

type Current = SyncedTicket | null | { afterMs: number; reason: string };

/** A consumer waits at most this long for a request slot; longer, and the claims wait for a later delivery. */
const MAX_WAIT_MS = 20_000;
const UNREADABLE_WAIT_MS = 5 * 60_000;

/**
 * PostHog Support claims as their tickets are now, read fresh every time, first sends and replays
 * alike: a ticket pushed by a webhook was recorded from its event alone (no tags), and a reopened
 * ticket emits nothing the hook takes. Each is found through the list endpoint by its number (the
 * single-ticket GET would mark it read for the team). Its resolved time stays the earliest known for
 * this resolution; the sighting is recorded, so a reopened ticket's candidate row says so.
 */
export async function currentPostHogTickets(
  claims: SendClaim[],
  deps: { db: D1Database; settings: Settings; fetcher: typeof fetch },
): Promise<Map<number, Current>> {
  const current = new Map<number, Current>();
  const access = postHogSupportAccess(deps.settings.posthog);
  if (!access) {
    for (const c of claims)
      current.set(c.ticketId, {
        afterMs: UNREADABLE_WAIT_MS,
        reason: "PostHog Support is not configured (POSTHOG_PERSONAL_API_KEY, POSTHOG_PROJECT_ID)",
      });
    return current;
  }
  const refs = await ticketRefs(
    deps.db,
    claims.map((c) => c.ticketId),
  );
  const seen: SeenTicket[] = [];
  for (const claim of claims) {
    const ref = refs.get(claim.ticketId);
    if (!ref) {
      current.set(claim.ticketId, null);
      continue;
    }
    const answer = await findTicket(access, ref, { db: deps.db, fetcher: deps.fetcher, maxWaitMs: MAX_WAIT_MS });
    if (answer.kind === "retry") current.set(claim.ticketId, { afterMs: answer.afterMs, reason: answer.reason });
    else if (answer.kind === "failed")
      current.set(claim.ticketId, { afterMs: UNREADABLE_WAIT_MS, reason: answer.reason });
    else if (answer.value === null) current.set(claim.ticketId, null);
    else {
      const t = answer.value;
      const updatedAt = Date.parse(t.updated_at);
      const stillResolved =
        POSTHOG_SUPPORT_SOLVED_STATUSES.includes(t.status) &&
        claim.ticket.status === t.status &&
        claim.ticket.solvedAt !== null;
      const ticket = postHogSupportTicketOf(t, stillResolved ? Math.min(claim.ticket.solvedAt!, updatedAt) : updatedAt);
      current.set(claim.ticketId, ticket);
      seen.push({ ref: refOf(t), ticket, seenVersion: updatedAt });
    }
  }
  await saveSeenTickets(deps.db, seen, "recheck", {
    now: Date.now(),
    fingerprintKey: deps.settings.addressFingerprintKey,
  });
  return current;
}
