// What a PostHog Support ticket is to the dispatcher (products/conversations/backend: models/ticket.py,
// api/tickets.py TicketSerializer): the requester is the ticket's customer (an end user by
// definition), reached at `email_from` (email channel), else the address they gave the widget
// (`anonymous_traits.email`), else their PostHog person's `email`; their PostHog distinct id is the
// ticket's own `distinct_id`. Resolved is the one solved status; the resolved time is not on the
// ticket (there is no `resolved_at`), so the caller gives it. The channel is `channel_source`.
// PostHog Support has no groups: the team is the product's default, "Support".
import { requesterDistinctId, requesterEmail, type PostHogTicket } from "../../services/posthog-support";
import type { SyncedTicket } from "../sends-store";

export const POSTHOG_SUPPORT_SOLVED_STATUSES: readonly string[] = ["resolved"];

const textOf = (value: unknown) => (typeof value === "string" && value.trim() !== "" ? value.trim() : null);

/** A listed ticket as the dispatcher keeps it, resolved at `resolvedAt` (null while not resolved). */
export function postHogSupportTicketOf(t: PostHogTicket, resolvedAt: number | null): SyncedTicket {
  const email = requesterEmail(t);
  return {
    source: "posthog-support",
    status: t.status,
    solvedAt: POSTHOG_SUPPORT_SOLVED_STATUSES.includes(t.status) ? resolvedAt : null,
    tags: t.tags.map((tag) => tag.toLowerCase()),
    role: "end-user",
    email,
    name: textOf(t.anonymous_traits?.name) ?? textOf(t.person?.name),
    externalId: requesterDistinctId(t, email),
    requesterId: null,
    groupName: null,
    channel: t.channel_source ?? null,
  };
}

/** What the dispatcher keeps of a PostHog Support ticket besides the candidate row. */
export interface PostHogTicketRef {
  uuid: string;
  number: number;
  priority: string | null;
  slaDueAt: number | null;
}

export const refOf = (t: PostHogTicket): PostHogTicketRef => ({
  uuid: t.id,
  number: t.ticket_number,
  priority: t.priority ?? null,
  slaDueAt: t.sla_due_at ? Date.parse(t.sla_due_at) : null,
});

