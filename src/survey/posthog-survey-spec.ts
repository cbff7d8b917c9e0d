// What PostHog must hold for this product's answers to show correctly: the `api` survey and the
// team's dashboard, and how what PostHog holds differs from that. Pure: no I/O, plain values in and out.
import type { PostHogDashboard, PostHogSurvey, SurveyQuestion } from "../services/posthog-app";
import { COMMENT_QUESTION, RATING_LABELS, RATING_QUESTION, REASONS_QUESTION } from "../lib/copy";

/** The product's settings the survey and dashboard are built from. */
export interface SurveySpecInput {
  surveyName: string;
  ratingQuestionId: string;
  commentQuestionId: string;
  reasonsQuestionId: string;
  /** The labels "What went wrong?" offers (LOW_RATING_REASONS), in order. */
  reasons: string[];
}

/** One thing that differs from what the product needs, in words, and the change that repairs it. */
export interface Mismatch {
  what: string;
  fix: Record<string, unknown>;
}

const DAY_MS = 86_400_000;

/** Midnight UTC of the day `ms` falls in, as PostHog's API writes dates. */
function startOfUtcDay(ms: number): string {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString();
}

/**
 * The latest start date that shows every stored answer: answers dated before a survey's start date
 * are hidden from its results. With no answer yet, today (midnight UTC) is early enough.
 */
function latestStartDate(earliestAnswerAt: number | null, now: number): string {
  return startOfUtcDay(earliestAnswerAt ?? now);
}

/** Where the reasons question sits: third, so the legacy index keys of rating (0) and comment (1) keep their meaning. */
const REASONS_INDEX = 2;
const COMMENT_INDEX = 1;

/**
 * The three questions, with PostHog's branching so its own UI asks as the page does: a rating of 1 to 3
 * (PostHog's buckets of a 5-point scale: negative 1-2, neutral 3, positive 4-5) goes to "What went
 * wrong?", which then goes to the comment; 4 and 5 go straight to the comment, which ends the survey.
 */
function desiredQuestions(input: SurveySpecInput): SurveyQuestion[] {
  return [
    {
      id: input.ratingQuestionId,
      type: "rating",
      question: RATING_QUESTION,
      display: "emoji",
      scale: 5,
      lowerBoundLabel: RATING_LABELS[0],
      upperBoundLabel: RATING_LABELS[4],
      optional: false,
      branching: {
        type: "response_based",
        responseValues: { negative: REASONS_INDEX, neutral: REASONS_INDEX, positive: COMMENT_INDEX },
      },
    },
    {
      id: input.commentQuestionId,
      type: "open",
      question: COMMENT_QUESTION,
      optional: true,
      branching: { type: "end" },
    },
    {
      id: input.reasonsQuestionId,
      type: "multiple_choice",
      question: REASONS_QUESTION,
      choices: input.reasons,
      optional: true,
      branching: { type: "specific_question", index: COMMENT_INDEX },
    },
  ];
}

/** The body that creates the survey (`POST /api/projects/:id/surveys/`). */
export function surveyToCreate(input: SurveySpecInput, earliestAnswerAt: number | null, now: number) {
  return {
    name: input.surveyName,
    description:
      "Customer satisfaction after a solved support ticket. Answers arrive server-side from hedgehog-csat " +
      "(`survey sent`, one submission per ticket); made by `npm run posthog-setup`.",
    type: "api",
    questions: desiredQuestions(input),
    start_date: latestStartDate(earliestAnswerAt, now),
    enable_partial_responses: true,
  };
}

const QUESTION_FIELDS = ["id", "type", "question", "scale", "display", "lowerBoundLabel", "upperBoundLabel"] as const;
/** Fields compared as JSON (key order aside): the choices in their order, and where each answer leads. */
const QUESTION_STRUCTURES = ["choices", "branching"] as const;

function describe(value: unknown): string {
  return value === undefined || value === null ? "not set" : JSON.stringify(value);
}

function questionDifferences(label: string, actual: SurveyQuestion | undefined, want: SurveyQuestion): string[] {
  if (!actual) return [`the ${label} question is missing`];
  const out: string[] = [];
  for (const field of QUESTION_FIELDS) {
    if (want[field] === undefined) continue;
    if (actual[field] !== want[field])
      out.push(`the ${label} question's ${field} is ${describe(actual[field])}, should be ${describe(want[field])}`);
  }
  for (const field of QUESTION_STRUCTURES) {
    if (want[field] === undefined) continue;
    if (canonicalJson(actual[field] ?? null) !== canonicalJson(want[field]))
      out.push(`the ${label} question's ${field} is ${describe(actual[field])}, should be ${describe(want[field])}`);
  }
  // PostHog reads a missing `optional` as required.
  if ((actual.optional === true) !== (want.optional === true))
    out.push(`the ${label} question should be ${want.optional ? "optional" : "required"}`);
  return out;
}

/**
 * How the survey differs from what the product needs. `earliestAnswerAt` is the first stored answer
 * (Unix ms) or null; the start date must not be after it (nor after now), or answers are hidden.
 */
export function surveyMismatches(
  survey: PostHogSurvey,
  input: SurveySpecInput,
  earliestAnswerAt: number | null,
  now: number,
): Mismatch[] {
  const out: Mismatch[] = [];
  if (survey.name !== input.surveyName)
    out.push({
      what: `the name is ${describe(survey.name)}, should be ${describe(input.surveyName)}`,
      fix: { name: input.surveyName },
    });
  if (survey.type !== "api")
    out.push({
      what: `the type is ${describe(survey.type)}, should be "api" (answers captured by the server)`,
      fix: { type: "api" },
    });
  if (survey.enable_partial_responses !== true)
    out.push({
      what: "partial responses are off: an edited answer would count twice in PostHog's results",
      fix: { enable_partial_responses: true },
    });
  const limit = Date.parse(latestStartDate(earliestAnswerAt, now));
  const start = survey.start_date === null ? null : Date.parse(survey.start_date);
  if (start === null || !Number.isFinite(start))
    out.push({
      what: "it has no start date (a draft): PostHog shows no results for it",
      fix: { start_date: latestStartDate(earliestAnswerAt, now) },
    });
  else if (start > limit)
    out.push({
      what:
        earliestAnswerAt === null
          ? `its start date ${survey.start_date} is in the future: answers before it are hidden`
          : `its start date ${survey.start_date} is after the earliest stored answer (${new Date(earliestAnswerAt).toISOString()}): earlier answers are hidden`,
      fix: { start_date: latestStartDate(earliestAnswerAt, now) },
    });
  if (survey.end_date !== null)
    out.push({
      what: `it was stopped (end date ${survey.end_date}): later answers are hidden`,
      fix: { end_date: null },
    });
  if (survey.archived) out.push({ what: "it is archived", fix: { archived: false } });

  const want = desiredQuestions(input);
  const questions = survey.questions ?? [];
  const problems = [
    ...questionDifferences("rating", questions[0], want[0]!),
    ...questionDifferences("comment", questions[1], want[1]!),
    ...questionDifferences("reasons", questions[2], want[2]!),
  ];
  if (questions.length > want.length) problems.push(`it has ${questions.length} questions, should have ${want.length}`);
  if (problems.length > 0) out.push({ what: problems.join("; "), fix: { questions: want } });
  return out;
}

/** The one PATCH body that repairs every mismatch. */
export function surveyFix(mismatches: Mismatch[]): Record<string, unknown> {
  return Object.assign({}, ...mismatches.map((m) => m.fix)) as Record<string, unknown>;
}

// The dashboard ------------------------------------------------------------------------------------

export interface DesiredInsight {
  name: string;
  description: string;
  query: Record<string, unknown>;
}

export function dashboardName(surveyName: string): string {
  return `${surveyName}: answers`;
}

const sqlString = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

/**
 * One row per answered ticket: `survey sent` events of this survey grouped by `$survey_submission_id`
 * (fixed per ticket), the first time it was answered, and the latest rating and team (an edit
 * replaces the earlier answer, as on PostHog's survey results page with partial responses on).
 */
function answersPerTicket(surveyId: string, ratingQuestionId: string): string {
  return (
    "SELECT properties['$survey_submission_id'] AS submission, min(timestamp) AS first_answered, " +
    `argMax(toInt(properties[${sqlString(`$survey_response_${ratingQuestionId}`)}]), timestamp) AS rating, ` +
    "argMax(properties['ticketTeam'], timestamp) AS team " +
    `FROM events WHERE event = 'survey sent' AND properties['$survey_id'] = ${sqlString(surveyId)} AND {filters} ` +
    "GROUP BY submission"
  );
}

function sqlInsight(name: string, description: string, query: string, display: string): DesiredInsight {
  return {
    name,
    description,
    query: { kind: "DataVisualizationNode", source: { kind: "HogQLQuery", query }, display },
  };
}

/** The four insights of the team's CSAT dashboard, written in HogQL so an edited answer counts once. */
export function desiredInsights(surveyId: string, ratingQuestionId: string): DesiredInsight[] {
  const tickets = `(${answersPerTicket(surveyId, ratingQuestionId)})`;
  return [
    sqlInsight(
      "Answers per week",
      "Tickets answered for the first time, per week (an edit is not a new answer).",
      `SELECT toStartOfWeek(first_answered) AS week, count() AS answers FROM ${tickets} GROUP BY week ORDER BY week`,
      "ActionsBar",
    ),
    sqlInsight(
      "CSAT per week",
      "Share of answers rating 4 or 5, per week of the first answer, using each ticket's latest rating.",
      `SELECT toStartOfWeek(first_answered) AS week, round(100 * countIf(rating >= 4) / count(), 1) AS csat_percent FROM ${tickets} GROUP BY week ORDER BY week`,
      "ActionsLineGraph",
    ),
    sqlInsight(
      "Mean rating by team",
      "Mean of each ticket's latest rating (1-5), per team that answered the ticket.",
      `SELECT team, round(avg(rating), 2) AS mean_rating, count() AS answers FROM ${tickets} GROUP BY team ORDER BY answers DESC`,
      "ActionsBar",
    ),
    sqlInsight(
      "Hedgehogs fed per month",
      "One hedgehog is fed for every ticket answered for the first time, counted per UTC month.",
      `SELECT toStartOfMonth(first_answered) AS month, count() AS hedgehogs FROM ${tickets} GROUP BY month ORDER BY month`,
      "ActionsBar",
    ),
  ];
}

/** A change the dashboard needs: an insight to add, or one whose query to replace. */
export type DashboardChange =
  { kind: "add"; insight: DesiredInsight } | { kind: "update"; insightId: number; insight: DesiredInsight };

/** JSON with object keys sorted, so two queries compare equal whatever order PostHog keeps keys in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

/** Which insights the dashboard lacks, or shows with another query (matched by name). */
export function dashboardChanges(dashboard: PostHogDashboard, want: DesiredInsight[]): DashboardChange[] {
  const shown = dashboard.tiles.filter((t) => !t.deleted && t.insight && !t.insight.deleted).map((t) => t.insight!);
  const changes: DashboardChange[] = [];
  for (const insight of want) {
    const existing = shown.find((i) => i.name === insight.name);
    if (!existing) changes.push({ kind: "add", insight });
    else if (canonicalJson(existing.query) !== canonicalJson(insight.query))
      changes.push({ kind: "update", insightId: existing.id, insight });
  }
  return changes;
}

export function describeDashboardChange(change: DashboardChange): string {
  return change.kind === "add"
    ? `the insight "${change.insight.name}" is missing from the dashboard`
    : `the insight "${change.insight.name}" has another query`;
}
