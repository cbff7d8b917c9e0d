/**
 * "Is it our speed?": CSAT and mean rating by plan, by first-reply target met or missed, by reopened
 * or not, and by assignee, rolled up from one grouped query. Plain values in, plain values out.
 */
import { plural } from "../lib/plural";

/** Groups smaller than this show their count only: a CSAT of 2 answers says nothing. */
export const MIN_GROUP_ANSWERS = 5;

/** One row of REPORT_SQL.support: answers of one (plan, target met, reopened, assignee) cell. */
export interface SupportCell {
  plan: string | null;
  targetMet: number | null;
  reopened: number | null;
  assigneeId: number | null;
  assigneeName: string | null;
  responses: number;
  satisfied: number;
  ratingSum: number;
}

export interface GroupFigures {
  /** Stable key of the group (`null`: not known). */
  key: string | null;
  label: string;
  responses: number;
  /** Null below MIN_GROUP_ANSWERS answers (and without answers). */
  csat: number | null;
  meanRating: number | null;
  /** Fewer than MIN_GROUP_ANSWERS answers: shown as a count only. */
  small: boolean;
}

export interface Breakdowns {
  plan: GroupFigures[];
  target: GroupFigures[];
  reopened: GroupFigures[];
  assignee: GroupFigures[];
}

export const BREAKDOWN_TITLES: Record<keyof Breakdowns, string> = {
  plan: "By plan",
  target: "By first-reply target",
  reopened: "Reopened or not",
  assignee: "By assignee",
};

function roll<C extends { responses: number; satisfied: number; ratingSum: number }>(
  cells: C[],
  keyOf: (c: C) => string | null,
  labelOf: (key: string | null, c: C) => string,
  order: (a: GroupFigures, b: GroupFigures) => number,
): GroupFigures[] {
  const groups = new Map<string | null, { label: string; responses: number; satisfied: number; ratingSum: number }>();
  for (const c of cells) {
    const key = keyOf(c);
    const g = groups.get(key) ?? { label: labelOf(key, c), responses: 0, satisfied: 0, ratingSum: 0 };
    g.responses += c.responses;
    g.satisfied += c.satisfied;
    g.ratingSum += c.ratingSum;
    groups.set(key, g);
  }
  return [...groups.entries()]
    .map(([key, g]) => {
      const small = g.responses < MIN_GROUP_ANSWERS;
      return {
        key,
        label: g.label,
        responses: g.responses,
        csat: small ? null : g.satisfied / g.responses,
        meanRating: small ? null : g.ratingSum / g.responses,
        small,
      };
    })
    .sort(order);
}

const byAnswers = (a: GroupFigures, b: GroupFigures) =>
  (a.key === null ? 1 : 0) - (b.key === null ? 1 : 0) || b.responses - a.responses || a.label.localeCompare(b.label);

const fixed = (keys: Array<string | null>) => (a: GroupFigures, b: GroupFigures) =>
  keys.indexOf(a.key) - keys.indexOf(b.key);

/** "pay_as_you_go" → "Pay as you go". */
export function planLabel(plan: string | null): string {
  if (plan === null) return "No plan set";
  const words = plan.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function buildBreakdowns(cells: SupportCell[]): Breakdowns {
  return {
    plan: roll(
      cells,
      (c) => c.plan,
      (k) => planLabel(k),
      byAnswers,
    ),
    target: roll(
      cells,
      (c) => (c.targetMet === null ? null : c.targetMet ? "met" : "missed"),
      (k) => (k === "met" ? "Target met" : k === "missed" ? "Target missed" : "No target, or not known"),
      fixed(["met", "missed", null]),
    ),
    reopened: roll(
      cells,
      (c) => (c.reopened === null ? null : c.reopened ? "reopened" : "not-reopened"),
      (k) => (k === "reopened" ? "Reopened" : k === "not-reopened" ? "Not reopened" : "Not known"),
      fixed(["not-reopened", "reopened", null]),
    ),
    assignee: roll(
      cells,
      (c) => (c.assigneeId === null ? null : String(c.assigneeId)),
      (k, c) => (k === null ? "Unassigned, or not known" : (c.assigneeName ?? `Agent #${k}`)),
      byAnswers,
    ),
  };
}

const percent = (share: number) => `${Math.round(share * 100)}%`;

/**
 * The monthly report's one line: "CSAT 92% when the first reply met its target, 61% when it
 * missed: 14 answers missed it." Null when no answer had a target.
 */
export function speedFinding(b: Breakdowns): string | null {
  const met = b.target.find((g) => g.key === "met");
  const missed = b.target.find((g) => g.key === "missed");
  if (!met && !missed) return null;
  const metCount = met?.responses ?? 0;
  const missedCount = missed?.responses ?? 0;
  if (met?.csat == null || missed?.csat == null) {
    return `Too few answers to compare CSAT by first-reply target: ${plural(metCount, "answer")} met it, ${plural(missedCount, "answer")} missed it.`;
  }
  return `CSAT ${percent(met.csat)} when the first reply met its target, ${percent(missed.csat)} when it missed: ${plural(missedCount, "answer")} missed it, ${plural(metCount, "answer")} met it.`;
}

/** One row of REPORT_SQL.posthogSupport: answers to PostHog Support tickets of one (channel, priority, SLA) cell. */
export interface PostHogSupportCell {
  channel: string | null;
  priority: string | null;
  /** 1: resolved before `sla_due_at`, 0: after it, null: no SLA (or not resolved when known). */
  slaMet: number | null;
  responses: number;
  satisfied: number;
  ratingSum: number;
}

export interface PostHogSupportBreakdowns {
  channel: GroupFigures[];
  priority: GroupFigures[];
  sla: GroupFigures[];
}

export const POSTHOG_SUPPORT_BREAKDOWN_TITLES: Record<keyof PostHogSupportBreakdowns, string> = {
  channel: "PostHog Support: by channel",
  priority: "PostHog Support: by priority",
  sla: "PostHog Support: by SLA",
};

export const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** CSAT of PostHog Support tickets by the channel the customer wrote in, the priority, and the SLA kept or not. */
export function buildPostHogSupportBreakdowns(cells: PostHogSupportCell[]): PostHogSupportBreakdowns {
  return {
    channel: roll(
      cells,
      (c) => c.channel,
      (k) => (k === null ? "Not known" : capitalised(k)),
      byAnswers,
    ),
    priority: roll(
      cells,
      (c) => c.priority,
      (k) => (k === null ? "No priority" : capitalised(k)),
      fixed(["high", "medium", "low", null]),
    ),
    sla: roll(
      cells,
      (c) => (c.slaMet === null ? null : c.slaMet ? "met" : "missed"),
      (k) => (k === "met" ? "Resolved before its SLA" : k === "missed" ? "Resolved after its SLA" : "No SLA"),
      fixed(["met", "missed", null]),
    ),
  };
}
