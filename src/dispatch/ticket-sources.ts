// The ticket sources the dispatcher reads, and what differs between them in the rules: the survey's
// delay (PostHog's handbook surveys a day after resolving; Zendesk's automation waited three) and the
// channels that get no email. Everything else (exclusions, internal domains, throttle) is shared.
import type { Settings, TicketSource } from "../config";
import type { EligibilityRules } from "./eligibility";

export const TICKET_SOURCES: readonly TicketSource[] = ["zendesk", "posthog-support"];

/** Each source's name in what people read (skip reasons, status pages). */
export const SOURCE_NAMES: Record<TicketSource, string> = { zendesk: "Zendesk", "posthog-support": "PostHog Support" };

const SOURCE_RULES: Record<TicketSource, (s: Settings) => Partial<EligibilityRules>> = {
  zendesk: () => ({}),
  "posthog-support": (s) => ({
    delayDays: s.posthogSupport.delayDays,
    noEmailChannels: s.posthogSupport.noEmailChannels,
  }),
};

/** The eligibility rules for a ticket of this source. */
export function rulesFor(settings: Settings, source: TicketSource): EligibilityRules {
  return { ...settings.dispatch, ...SOURCE_RULES[source](settings) };
}
