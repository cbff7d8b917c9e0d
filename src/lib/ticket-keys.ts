// Which source a ticket key belongs to. Every table keys a ticket by one integer: a Zendesk ticket's
// own id (always positive) or a PostHog Support ticket's key (negative, given once per uuid in
// `posthog_support_tickets`; migrations/0020_posthog_support.sql). The rule is written here once.
import type { TicketSource } from "../config";

export function sourceOfKey(ticketKey: number): TicketSource {
  return ticketKey < 0 ? "posthog-support" : "zendesk";
}
