// What a person knows a ticket by, whichever source it came from: a Zendesk ticket by its id, a
// PostHog Support ticket by its `ticket_number` (never the product's own negative key), each with its
// page in the source's app when that is configured.
import type { Settings, TicketSource } from "../config";
import { sourceOfKey } from "../lib/ticket-keys";
import { postHogTicketUrl } from "./posthog-support";
import { zendeskTicketUrl } from "./zendesk";

/** The settings a ticket's page is built from. */
export interface TicketPageSettings {
  zendeskBaseUrl: string | undefined;
  posthogAppHost: string;
  posthogProjectId: string | undefined;
}

export function ticketPageSettings(s: Pick<Settings, "zendesk" | "posthog">): TicketPageSettings {
  return {
    zendeskBaseUrl: s.zendesk.baseUrl,
    posthogAppHost: s.posthog.appHost,
    posthogProjectId: s.posthog.projectId,
  };
}

export interface TicketPage {
  source: TicketSource;
  /** The number people use for it; null: a PostHog Support ticket whose number is not known. */
  number: number | null;
  url: string | null;
}

/** A ticket key (and, for PostHog Support, the ticket's number) as the team knows the ticket. */
export function ticketPage(ticketKey: number, posthogNumber: number | null, s: TicketPageSettings): TicketPage {
  if (sourceOfKey(ticketKey) === "zendesk")
    return { source: "zendesk", number: ticketKey, url: zendeskTicketUrl(s.zendeskBaseUrl, ticketKey) };
  const url =
    posthogNumber !== null && s.posthogProjectId
      ? postHogTicketUrl({ appHost: s.posthogAppHost, projectId: s.posthogProjectId }, posthogNumber)
      : null;
  return { source: "posthog-support", number: posthogNumber, url };
}
