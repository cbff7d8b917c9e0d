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
 * Why a ticket's requester must not be emailed at all, whatever the timing (null: nothing stops it). The
 * order decides which reason a skip records: the most lasting reason first.
 */
function lastingSkipReason(ticket: EligibilityFacts, rules: EligibilityRules): string | null {
  const excluded = ticket.tags.find((tag) => rules.excludedTags.includes(tag.toLowerCase()));
  if (excluded) return `excluded tag: ${excluded}`;
  if (ticket.channel && rules.noEmailChannels?.includes(ticket.channel))
    return `channel: ${ticket.channel} (the customer spoke in a chat thread)`;
  if (ticket.requesterRole !== "end-user") return `requester is not an end user (${ticket.requesterRole ?? "unknown"})`;
  if (!ticket.email) return "requester has no email address";
  if (!ticket.emailValid) return "requester's email address is not valid";
  if (isInternal(ticket.email, rules.internalDomains)) return `internal address (${emailDomain(ticket.email)})`;
  if (ticket.suppressed) return "unsubscribed";
  return null;
}

/** The earliest moment another email to the address holds back a new one. */
export const throttleSince = (rules: Pick<EligibilityRules, "throttleDays">, now: number) =>
  now - rules.throttleDays * DAY_MS;

const throttled = (lastAt: number | null, rules: Pick<EligibilityRules, "throttleDays">, now: number) =>
  lastAt !== null && lastAt > throttleSince(rules, now);

/** Why a survey, or a reminder, is held back by another email to the address (the claims record it too). */
export const surveyThrottledReason = (throttleDays: number) => `surveyed within the last ${throttleDays} days`;
export const reminderThrottledReason = (throttleDays: number) => `emailed another survey within the last ${throttleDays} days`;

/** Whether a ticket's requester gets a survey now. */
export function decide(ticket: EligibilityFacts, rules: EligibilityRules, now: number): Decision {
  const { statuses, solvedFrom, solvedUntil } = duePrefilter(now, rules);
  if (!statuses.includes(ticket.status) || ticket.solvedAt === null) return { kind: "not-due" };
  if (ticket.solvedAt > solvedUntil || ticket.solvedAt < solvedFrom) return { kind: "not-due" };
  const reason = lastingSkipReason(ticket, rules);
  if (reason) return { kind: "skip", reason };
  if (throttled(ticket.lastSurveyedAt, rules, now)) {
    return { kind: "skip", reason: surveyThrottledReason(rules.throttleDays) };
  }
  return { kind: "send" };
}

/** What the reminder of a surveyed ticket depends on, beside the ticket itself. */
export interface ReminderFacts {
  /** When the survey email was sent. */
  surveySentAt: number;
  /** The survey link's expiry (Unix seconds), the same in the reminder. */
  linkExp: number;
  answered: boolean;
  /** The first email's address is still the requester's (the reminder goes to it, with its links). */
  sameAddress: boolean;
  /**
   * When this address was last emailed a survey or a reminder for another ticket (or claimed for one), if
   * ever: the survey of this very ticket is the one being reminded of, and does not count.
   */
  lastOtherEmailAt: number | null;
}

/**
 * How far past its time a reminder may still go, and how long its link must still work: a reminder
 * says "in case our first email got buried", which rings false weeks later (a cron that stopped,
 * reminders switched on, a long hold), and a link about to expire would greet a click with an error.
 */
const REMINDER_GRACE_MS = DAY_MS;

/** Why a reminder is not sent at this time: the link expired or soon expires, or its time has passed. */
function reminderTimingReason(reminder: ReminderFacts, reminderDays: number, now: number): string | null {
  const linkExpiresAt = reminder.linkExp * 1000;
  if (linkExpiresAt <= now) return "the survey link has expired";
  if (linkExpiresAt < now + REMINDER_GRACE_MS) return "the survey link expires in less than a day";
  if (now > reminder.surveySentAt + reminderDays * DAY_MS + REMINDER_GRACE_MS)
    return `too late: it was due ${reminderDays} days after the survey email, over a day ago`;
  return null;
}

/**
 * Why a surveyed ticket's requester must not get its reminder (null: nothing stops it): an answer, the
 * link's expiry (or less than a day left on it), its time long past, the same lasting rules as the
 * survey (unsubscribed, excluded, no longer an end user…), another address, a reopened ticket, or
 * another survey emailed to the address within the throttle. The consumer asks this again just before
 * sending, as it is then (throttling was decided at the claim).
 */
export function reminderSkipReason(
  ticket: EligibilityFacts,
  reminder: ReminderFacts,
  rules: EligibilityRules & { reminderDays: number },
  now: number,
): string | null {
  if (reminder.answered) return "answered";
  const timing = reminderTimingReason(reminder, rules.reminderDays, now);
  if (timing) return timing;
  const reason = lastingSkipReason(ticket, rules);
  if (reason) return reason;
  if (!reminder.sameAddress) return "requester's email address changed since the survey";
  if (!SOLVED_STATUSES.includes(ticket.status)) return `ticket was reopened (${ticket.status}) since the survey`;
  if (throttled(reminder.lastOtherEmailAt, rules, now)) return reminderThrottledReason(rules.throttleDays);
  return null;
}

/**
 * Whether a surveyed ticket's requester gets its one reminder now: `reminderDays` after the survey
 * email, and at most a day later.
 */
export function decideReminder(
  ticket: EligibilityFacts,
  reminder: ReminderFacts,
  rules: EligibilityRules & { reminderDays: number },
  now: number,
): Decision {
  if (rules.reminderDays <= 0 || reminder.surveySentAt > now - rules.reminderDays * DAY_MS) return { kind: "not-due" };
  const reason = reminderSkipReason(ticket, reminder, rules, now);
  return reason ? { kind: "skip", reason } : { kind: "send" };
}
