import { COMMENT_QUESTION, RATING_QUESTION, REASONS_QUESTION } from "../lib/copy";

export interface SurveyConfig {
  surveyId: string;
  surveyName: string;
  ratingQuestionId: string;
  commentQuestionId: string;
  reasonsQuestionId: string;
}

export interface CaptureEvent {
  distinctId: string;
  event: string;
  properties: Record<string, unknown>;
  timestamp: Date;
  uuid: string;
}

export interface SurveyAnswer {
  ticketId: number;
  distinctId: string;
  team: string;
  initialTargetArea: string | null;
  rating: number;
  comment: string | null;
  /** The labels of the reasons chosen for a low rating ("What went wrong?"), in the list's order. */
  reasons: string[];
  /** When the customer submitted this version of the answer. */
  submittedAt: number;
  /** What the Zendesk sync knows of the ticket's support, if it knows the ticket. */
  support?: SupportProperties;
}

/** The ticket's support, so a PostHog insight can break CSAT down by plan, speed, reopens and agent. */
export interface SupportProperties {
  plan: string | null;
  severity: string | null;
  firstReplyHours: number | null;
  targetHours: number | null;
  targetMet: boolean | null;
  reopens: number | null;
  replies: number | null;
  assigneeId: number | null;
  assignee: string | null;
  /** A PostHog Support ticket: which source, its uuid and number, the channel and priority. */
  ticketSource?: "posthog-support";
  ticketUuid?: string;
  ticketNumber?: number;
  channel?: string | null;
  priority?: string | null;
}

/**
 * `survey sent` in the schema posthog-js uses, so the answer shows in PostHog's Surveys UI:
 * id-based response keys, `$survey_questions`, a submission id fixed per ticket (an edit replaces
 * the earlier answer) and the responded flag on the person. The legacy `$survey_response` /
 * `$survey_response_1` keys keep the dashboards built on the old page working. The reasons are the
 * survey's third question (a `multiple_choice`: an array of the labels chosen), so the legacy index
 * keys of the first two keep their meaning; a rating that does not ask for them leaves it unanswered.
 */
export function buildSurveySentEvent(
  answer: SurveyAnswer,
  survey: SurveyConfig,
  ids: { submissionId: string; uuid: string },
): CaptureEvent {
  const comment = answer.comment ?? "";
  const reasons = answer.reasons.length > 0 ? answer.reasons : null;
  const properties: Record<string, unknown> = {
    $survey_id: survey.surveyId,
    $survey_name: survey.surveyName,
    $survey_questions: [
      { id: survey.ratingQuestionId, question: RATING_QUESTION, response: answer.rating },
      { id: survey.commentQuestionId, question: COMMENT_QUESTION, response: comment },
      { id: survey.reasonsQuestionId, question: REASONS_QUESTION, response: reasons },
    ],
    [`$survey_response_${survey.ratingQuestionId}`]: answer.rating,
    [`$survey_response_${survey.commentQuestionId}`]: comment,
    $survey_submission_id: ids.submissionId,
    $survey_completed: true,
    $set: { [`$survey_responded/${survey.surveyId}`]: true },
    $survey_response: answer.rating,
    $survey_response_1: comment,
    // A PostHog Support ticket is named by its uuid, as PostHog names it (the product's key is its own).
    ticketId: answer.support?.ticketUuid ?? String(answer.ticketId),
    ticketTeam: answer.team,
  };
  if (reasons !== null) properties[`$survey_response_${survey.reasonsQuestionId}`] = reasons;
  if (answer.initialTargetArea !== null) properties.initialTargetArea = answer.initialTargetArea;
  // Only what is known: an absent property reads as "unknown" in PostHog, a null would be a value.
  for (const [key, value] of Object.entries(answer.support ?? {})) if (value !== null) properties[key] = value;
  return {
    distinctId: answer.distinctId,
    event: "survey sent",
    properties,
    timestamp: new Date(answer.submittedAt),
    uuid: ids.uuid,
  };
}

export function buildSurveyShownEvent(
  view: { ticketId: number; distinctId: string; team: string; shownAt: number; ticketUuid?: string },
  survey: SurveyConfig,
  uuid: string,
): CaptureEvent {
  return {
    distinctId: view.distinctId,
    event: "survey shown",
    properties: {
      $survey_id: survey.surveyId,
      $survey_name: survey.surveyName,
      ticketId: view.ticketUuid ?? String(view.ticketId),
      ticketTeam: view.team,
      $set: { $survey_last_seen_date: new Date(view.shownAt).toISOString() },
    },
    timestamp: new Date(view.shownAt),
    uuid,
  };
}

/** Minutes to wait before the next delivery attempt: 1, 2, 4 … capped at 6 hours. */
export function captureBackoffMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.min(attempts, 20), 6 * 3_600_000);
}
