// Brings PostHog's survey and dashboard to what the product needs, or only says how they differ.
// Shared by `npm run posthog-setup` (creates what is missing; repairs with --fix) and the daily check
// (looks only).
import {
  createDashboard,
  createInsight,
  createSurvey,
  findDashboardsByName,
  findSurveysByName,
  getSurvey,
  updateInsight,
  updateSurvey,
  type PostHogApp,
  type PostHogDashboard,
  type PostHogSurvey,
} from "../services/posthog-app";
import {
  dashboardChanges,
  dashboardName,
  describeDashboardChange,
  desiredInsights,
  surveyFix,
  surveyMismatches,
  surveyToCreate,
  type SurveySpecInput,
} from "./posthog-survey-spec";

export interface SetupTarget extends SurveySpecInput {
  /** POSTHOG_SURVEY_ID as configured (the development default is no PostHog id). */
  surveyId: string;
}

export interface SetupOptions {
  /** Create the survey and dashboard when missing. */
  create: boolean;
  /** Repair what differs. */
  fix: boolean;
  /** The first stored answer (Unix ms), or null: the survey must start no later. */
  earliestAnswerAt: number | null;
  now: number;
}

export interface SetupReport {
  surveyId: string | undefined;
  dashboardId: number | undefined;
  /** What this run created or changed in PostHog. */
  done: string[];
  /** What differs in PostHog and was left as it is (nothing after a run with create and fix). */
  mismatches: string[];
  /** Settings of the product that do not match PostHog (e.g. POSTHOG_SURVEY_ID), in words. */
  settingsToChange: string[];
  /** The settings to put in wrangler.toml's [vars]. */
  settings: Record<string, string>;
}

/** PostHog's survey ids are UUIDs; anything else (such as the development default) is not one. */
export const looksLikeSurveyId = (id: string) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

async function findSurvey(app: PostHogApp, target: SetupTarget, notes: string[]): Promise<PostHogSurvey | undefined> {
  if (looksLikeSurveyId(target.surveyId)) {
    const byId = await getSurvey(app, target.surveyId);
    if (byId) return byId;
    notes.push(`POSTHOG_SURVEY_ID ${target.surveyId} is no survey of project ${app.projectId}`);
  }
  const named = await findSurveysByName(app, target.surveyName);
  return named[0];
}

async function setUpSurvey(app: PostHogApp, target: SetupTarget, options: SetupOptions, report: SetupReport) {
  const notes: string[] = [];
  let survey = await findSurvey(app, target, notes);
  report.settingsToChange.push(...notes);
  if (!survey) {
    if (!options.create) {
      report.mismatches.push(`there is no survey named "${target.surveyName}"`);
      return undefined;
    }
    survey = await createSurvey(app, surveyToCreate(target, options.earliestAnswerAt, options.now));
    report.done.push(
      `created the api survey "${survey.name}" (${survey.id}), partial responses on, starting ${survey.start_date}`,
    );
  } else {
    const mismatches = surveyMismatches(survey, target, options.earliestAnswerAt, options.now);
    if (mismatches.length > 0 && options.fix) {
      survey = await updateSurvey(app, survey.id, surveyFix(mismatches));
      report.done.push(...mismatches.map((m) => `survey "${survey!.name}": fixed: ${m.what}`));
    } else {
      report.mismatches.push(...mismatches.map((m) => `survey "${survey!.name}": ${m.what}`));
    }
  }
  if (survey.id !== target.surveyId && !notes.some((n) => n.startsWith("POSTHOG_SURVEY_ID")))
    report.settingsToChange.push(`POSTHOG_SURVEY_ID is "${target.surveyId}", the survey's id is "${survey.id}"`);
  return survey;
}

async function setUpDashboard(
  app: PostHogApp,
  target: SetupTarget,
  surveyId: string,
  options: SetupOptions,
  report: SetupReport,
) {
  const name = dashboardName(target.surveyName);
  const want = desiredInsights(surveyId, target.ratingQuestionId);
  const found: PostHogDashboard | undefined = (await findDashboardsByName(app, name))[0];
  if (!found) {
    if (!options.create) {
      report.mismatches.push(`there is no dashboard named "${name}"`);
      return undefined;
    }
    const dashboard = await createDashboard(app, {
      name,
      description: `Answers to the survey "${target.surveyName}" (${surveyId}), made by npm run posthog-setup.`,
    });
    for (const insight of want) await createInsight(app, { ...insight, dashboards: [dashboard.id] });
    report.done.push(
      `created the dashboard "${name}" (${dashboard.id}) with ${want.map((i) => `"${i.name}"`).join(", ")}`,
    );
    return dashboard.id;
  }
  const changes = dashboardChanges(found, want);
  for (const change of changes) {
    const what = `dashboard "${name}": ${describeDashboardChange(change)}`;
    if (!options.fix) {
      report.mismatches.push(what);
      continue;
    }
    if (change.kind === "add") await createInsight(app, { ...change.insight, dashboards: [found.id] });
    else
      await updateInsight(app, change.insightId, {
        description: change.insight.description,
        query: change.insight.query,
      });
    report.done.push(`${what}: ${change.kind === "add" ? "added" : "query replaced"}`);
  }
  return found.id;
}

export async function setUpPostHog(app: PostHogApp, target: SetupTarget, options: SetupOptions): Promise<SetupReport> {
  const report: SetupReport = {
    surveyId: undefined,
    dashboardId: undefined,
    done: [],
    mismatches: [],
    settingsToChange: [],
    settings: {},
  };
  const survey = await setUpSurvey(app, target, options, report);
  report.surveyId = survey?.id;
  if (survey) report.dashboardId = await setUpDashboard(app, target, survey.id, options, report);
  report.settings = {
    POSTHOG_SURVEY_ID: survey?.id ?? target.surveyId,
    POSTHOG_SURVEY_NAME: target.surveyName,
    POSTHOG_RATING_QUESTION_ID: target.ratingQuestionId,
    POSTHOG_COMMENT_QUESTION_ID: target.commentQuestionId,
    POSTHOG_REASONS_QUESTION_ID: target.reasonsQuestionId,
    POSTHOG_PROJECT_ID: app.projectId,
    POSTHOG_APP_HOST: app.appHost,
  };
  return report;
}
