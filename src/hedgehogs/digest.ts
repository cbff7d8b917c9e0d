/**
 * The Monday digest of one team: last week's answers beside the week before's, and what the team
 * should read (low ratings with their reasons, comments, ticket links). Plain values in and out; the
 * Slack message, the email and the admin preview all show `digestFigures` and the same lists.
 */
import { formatCount } from "../lib/format";
import { plural } from "../lib/plural";
import { slackEscape } from "../services/slack";
import { weekDays } from "./digest-week";
import { formatMean, formatPercent, type TeamCounts } from "./report";

/** The longest list of low ratings, and of comments, a digest carries; the rest are counted. */
export const DIGEST_LIST_MAX = 20;
/** A comment longer than this is cut (Slack shows a message of up to 40,000 characters). */
const COMMENT_MAX = 500;

/** One answer as the digest lists it: a low rating, or a comment left with a higher one. */
export interface DigestAnswer {
  /** The ticket as stored (responses.ticket_id), by which erasure finds a person's comments. */
  key: number;
  /** The ticket's number as the team knows it (Zendesk's id, or PostHog Support's number). */
  ticket: number;
  url: string | null;
  rating: number;
  comment: string | null;
  /** The reasons' labels ("What went wrong?"), in the list's order. */
  reasons: string[];
}

/** What the store read for one team and week, as buildDigest takes it. */
export interface TeamWeekCounts {
  week: string;
  team: string;
  current: TeamCounts;
  previous: TeamCounts;
  surveysEmailed: number;
  /** Answers whose first reply met, missed, or had no known target. */
  target: { met: number; missed: number; unknown: number };
  /** All the week's low ratings (1-3): how many, how many gave no reason, how many gave each (by label). */
  lowRatings: { total: number; noReason: number; byReason: Array<{ label: string; answers: number }> };
  /** How many answers rated 4 or 5 left a comment. */
  comments: number;
  /** The listed answers: up to DIGEST_LIST_MAX low ratings (lowest first) and as many commented others. */
  answers: DigestAnswer[];
  /** Every hedgehog fed by every team before the week ended. */
  hedgehogsInAll: number;
}

interface WeekFigures {
  answers: number;
  csat: number | null;
  meanRating: number | null;
}

export interface WeeklyDigest {
  week: string;
  team: string;
  current: WeekFigures;
  previous: WeekFigures;
  surveysEmailed: number;
  /** Answers ÷ surveys emailed in the week, as the monthly report counts it (null when none was emailed). */
  responseRate: number | null;
  target: { met: number; missed: number; unknown: number };
  /** One hedgehog per ticket answered for the first time: the team's answers. */
  hedgehogs: number;
  hedgehogsInAll: number;
  lowRatings: { total: number; byReason: Array<{ label: string; answers: number }>; noReason: number };
  lowRatingList: DigestAnswer[];
  comments: DigestAnswer[];
  /** How many of each list were left out beyond DIGEST_LIST_MAX. */
  leftOut: { lowRatings: number; comments: number };
}

function weekFigures(c: TeamCounts): WeekFigures {
  return {
    answers: c.responses,
    csat: c.responses > 0 ? c.satisfied / c.responses : null,
    meanRating: c.responses > 0 ? c.ratingSum / c.responses : null,
  };
}

const cut = (a: DigestAnswer): DigestAnswer =>
  a.comment && a.comment.length > COMMENT_MAX ? { ...a, comment: `${a.comment.slice(0, COMMENT_MAX)}…` } : a;

export function buildDigest(c: TeamWeekCounts, reasonLabels: string[]): WeeklyDigest {
  const low = c.answers.filter((a) => a.rating <= 3).slice(0, DIGEST_LIST_MAX);
  const comments = c.answers.filter((a) => a.rating > 3 && a.comment).slice(0, DIGEST_LIST_MAX);
  // Listed reasons in the list's order; a reason no longer listed keeps its answers, under its id, after them.
  const place = (label: string) => {
    const i = reasonLabels.indexOf(label);
    return i === -1 ? reasonLabels.length : i;
  };
  const byReason = c.lowRatings.byReason
    .filter((r) => r.answers > 0)
    .sort((a, b) => place(a.label) - place(b.label) || a.label.localeCompare(b.label));
  return {
    week: c.week,
    team: c.team,
    current: weekFigures(c.current),
    previous: weekFigures(c.previous),
    surveysEmailed: c.surveysEmailed,
    responseRate: c.surveysEmailed > 0 ? c.current.responses / c.surveysEmailed : null,
    target: c.target,
    hedgehogs: c.current.responses,
    hedgehogsInAll: c.hedgehogsInAll,
    lowRatings: { total: c.lowRatings.total, byReason, noReason: c.lowRatings.noReason },
    lowRatingList: low.map(cut),
    comments: comments.map(cut),
    leftOut: {
      lowRatings: Math.max(0, c.lowRatings.total - low.length),
      comments: Math.max(0, c.comments - comments.length),
    },
  };
}

/** A week without answers: its digest is one line, or none (DIGEST_EMPTY_WEEK). */
export const isEmptyWeek = (d: WeeklyDigest) => d.current.answers === 0;

export function digestTitle(d: WeeklyDigest): string {
  return `${d.team}: the week of ${weekDays(d.week)}`;
}

/** The one line a week without answers gets. */
export function emptyWeekLine(d: WeeklyDigest): string {
  return `${digestTitle(d)}: no answers (the week before: ${formatCount(d.previous.answers)}).`;
}

function targetShown(t: WeeklyDigest["target"]): string {
  if (t.met + t.missed === 0) return "no answer had a first-reply target";
  return `met ${formatCount(t.met)}, missed ${formatCount(t.missed)}${t.unknown > 0 ? ` (${formatCount(t.unknown)} with no target or not known)` : ""}`;
}

function lowShown(l: WeeklyDigest["lowRatings"]): string {
  if (l.total === 0) return "none";
  const parts = [
    ...l.byReason.map((r) => `${r.label} ${formatCount(r.answers)}`),
    ...(l.noReason > 0 ? [`no reason given ${formatCount(l.noReason)}`] : []),
  ];
  return `${formatCount(l.total)}: ${parts.join(", ")}`;
}

/** The digest's figures, defined once, in the order every channel shows them. */
export function digestFigures(d: WeeklyDigest): Array<{ label: string; shown: string }> {
  const before = (now: string, then: string) => `${now} (the week before: ${then})`;
  return [
    { label: "Answers", shown: before(formatCount(d.current.answers), formatCount(d.previous.answers)) },
    {
      label: "CSAT (share of 4-5 ratings)",
      shown: before(formatPercent(d.current.csat), formatPercent(d.previous.csat)),
    },
    { label: "Mean rating", shown: before(formatMean(d.current.meanRating), formatMean(d.previous.meanRating)) },
    {
      label: "Response rate",
      shown: `${formatPercent(d.responseRate)} (${plural(d.surveysEmailed, "survey")} emailed)`,
    },
    { label: "First-reply target", shown: targetShown(d.target) },
    { label: "Low ratings (1-3) by reason", shown: lowShown(d.lowRatings) },
    {
      label: "Hedgehogs fed",
      shown: `${formatCount(d.hedgehogs)} (${formatCount(d.hedgehogsInAll)} by every team up to the week's end)`,
    },
  ];
}

/** "2/5 on ticket #123: The reply was slow" */
export function answerHeadline(a: DigestAnswer): string {
  return `${a.rating}/5 on ticket #${a.ticket}${a.reasons.length > 0 ? `: ${a.reasons.join(", ")}` : ""}`;
}

const more = (n: number, what: string) => (n > 0 ? [`…and ${plural(n, what)} more (see /admin/answers)`] : []);

function slackAnswer(a: DigestAnswer): string {
  const where = a.url ? `<${a.url}|ticket #${a.ticket}>` : `ticket #${a.ticket}`;
  const reasons = a.reasons.length > 0 ? `: ${slackEscape(a.reasons.join(", "))}` : "";
  const comment = a.comment ? `\n> ${slackEscape(a.comment).replace(/\n/g, "\n> ")}` : "";
  return `• *${a.rating}/5* on ${where}${reasons}${comment}`;
}

/** The Slack message (mrkdwn): the one line of an empty week, or the figures and both lists. */
export function digestSlackText(d: WeeklyDigest): string {
  if (isEmptyWeek(d)) return `:hedgehog: ${slackEscape(emptyWeekLine(d))}`;
  return [
    `:hedgehog: *Weekly CSAT digest: ${slackEscape(digestTitle(d))}*`,
    ...digestFigures(d).map((f) => `${f.label}: ${slackEscape(f.shown)}`),
    ...(d.lowRatingList.length > 0 ? ["", "*Low ratings*", ...d.lowRatingList.map(slackAnswer)] : []),
    ...more(d.leftOut.lowRatings, "low rating"),
    ...(d.comments.length > 0 ? ["", "*Comments*", ...d.comments.map(slackAnswer)] : []),
    ...more(d.leftOut.comments, "comment"),
  ].join("\n");
}

function textAnswer(a: DigestAnswer): string {
  const comment = a.comment ? `\n  "${a.comment.replace(/\n/g, "\n  ")}"` : "";
  return `- ${answerHeadline(a)}${a.url ? ` (${a.url})` : ""}${comment}`;
}

/** The digest as plain text: the email's text part and the admin preview. */
export function digestText(d: WeeklyDigest): string {
  if (isEmptyWeek(d)) return emptyWeekLine(d);
  return [
    `Weekly CSAT digest: ${digestTitle(d)}`,
    "",
    ...digestFigures(d).map((f) => `${f.label}: ${f.shown}`),
    ...(d.lowRatingList.length > 0 ? ["", "Low ratings:", ...d.lowRatingList.map(textAnswer)] : []),
    ...more(d.leftOut.lowRatings, "low rating"),
    ...(d.comments.length > 0 ? ["", "Comments:", ...d.comments.map(textAnswer)] : []),
    ...more(d.leftOut.comments, "comment"),
  ].join("\n");
}
