import { emailDomain } from "../lib/email-address";
import { DAY_MS } from "../lib/time";
import { POSTHOG_SUPPORT_SOLVED_STATUSES } from "./sources/posthog-support";
import { ZENDESK_SOLVED_STATUSES } from "./sources/zendesk";

export interface EligibilityRules {
  delayDays: number;
  lookbackDays: number;
  throttleDays: number;
  excludedTags: string[];
  internalDomains: string[];
  /** Channels whose tickets get no email survey (the customer spoke in a chat thread). */
  noEmailChannels?: string[];
}

export interface EligibilityFacts {
  status: string;
  solvedAt: number | null;
  tags: string[];
  requesterRole: string | null;
  email: string | null;
  emailValid: boolean;
  suppressed: boolean;
  /** When this address was last sent (or claimed for) a survey, if ever. */
  lastSurveyedAt: number | null;
  /** The channel the customer wrote in, where the source tells it (PostHog Support's `channel_source`). */
  channel?: string | null;
}

export type Decision = { kind: "not-due" } | { kind: "send" } | { kind: "skip"; reason: string };

/**
 * The ticket statuses that count as solved, each source's own (sources/*.ts): only these are ever
 * surveyed. The sources' words do not overlap (Zendesk has no `resolved`, PostHog Support no `solved`).
 */
export const SOLVED_STATUSES: readonly string[] = [...ZENDESK_SOLVED_STATUSES, ...POSTHOG_SUPPORT_SOLVED_STATUSES];

/**
 * What a store may filter on before `decide` sees a ticket: solved, inside the due window. Solved
 * tickets become due `delayDays` after solving and stop being due after `lookbackDays`. A store that
 * filters by these returns a superset of what `decide` sends, never fewer.
 */
export interface DuePrefilter {
  statuses: readonly string[];
  solvedFrom: number;
  solvedUntil: number;
}

export function duePrefilter(now: number, rules: Pick<EligibilityRules, "delayDays" | "lookbackDays">): DuePrefilter {
  return {
    statuses: SOLVED_STATUSES,
    solvedFrom: now - rules.lookbackDays * DAY_MS,
    solvedUntil: now - rules.delayDays * DAY_MS,
  };
}

function isInternal(email: string, internalDomains: string[]): boolean {
  const domain = emailDomain(email);
  return internalDomains.some((d) => domain === d || domain.endsWith(`.${d}`));
}

/**
 * Whether a ticket's requester gets a survey now. The order of the checks decides which reason a
 * skip records: the most lasting reason first.
 */
export function decide(ticket: EligibilityFacts, rules: EligibilityRules, now: number): Decision {
  const { statuses, solvedFrom, solvedUntil } = duePrefilter(now, rules);
  if (!statuses.includes(ticket.status) || ticket.solvedAt === null) return { kind: "not-due" };
  if (ticket.solvedAt > solvedUntil || ticket.solvedAt < solvedFrom) return { kind: "not-due" };

  const excluded = ticket.tags.find((tag) => rules.excludedTags.includes(tag.toLowerCase()));
  if (excluded) return { kind: "skip", reason: `excluded tag: ${excluded}` };
  if (ticket.channel && rules.noEmailChannels?.includes(ticket.channel))
    return { kind: "skip", reason: `channel: ${ticket.channel} (the customer spoke in a chat thread)` };
  if (ticket.requesterRole !== "end-user")
    return { kind: "skip", reason: `requester is not an end user (${ticket.requesterRole ?? "unknown"})` };
  if (!ticket.email) return { kind: "skip", reason: "requester has no email address" };
  if (!ticket.emailValid) return { kind: "skip", reason: "requester's email address is not valid" };
  if (isInternal(ticket.email, rules.internalDomains))
    return { kind: "skip", reason: `internal address (${emailDomain(ticket.email)})` };
  if (ticket.suppressed) return { kind: "skip", reason: "unsubscribed" };
  if (ticket.lastSurveyedAt !== null && ticket.lastSurveyedAt > now - rules.throttleDays * DAY_MS) {
    return { kind: "skip", reason: `surveyed within the last ${rules.throttleDays} days` };
  }
  return { kind: "send" };
}
