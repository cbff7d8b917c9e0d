// `npm run posthog-setup`: creates, or checks and with --fix repairs, the PostHog survey and dashboard
// the product's answers belong to (see USAGE).
import { PostHogAppError } from "../src/services/posthog-app";
import { looksLikeSurveyId, setUpPostHog, type SetupReport } from "../src/survey/posthog-setup";
import { earliestAnswerAt } from "../src/survey/responses-store";
import { failUsage, parseCli, PERSIST_TO_USAGE } from "./cli";
import { parsedScriptSetting } from "./local-env";
import type { SettingName } from "../src/settings";
import { withLocalD1 } from "./local-d1";

const USAGE = `Creates, or checks and with --fix repairs, the PostHog survey and dashboard of this product.

npm run posthog-setup [-- --fix] [--earliest-answer YYYY-MM-DD] [--persist-to DIR]

  --fix                     change what differs (without it, a survey or dashboard that exists is only checked)
  --earliest-answer DATE    the first stored answer (the survey must start no later); for production, read it with
                            npx wrangler d1 execute DB --remote --command "SELECT date(MIN(first_submitted_at)/1000,'unixepoch') FROM responses"
${PERSIST_TO_USAGE}
                            (read for the first stored answer when --earliest-answer is not given)
  --help                    this text

Settings, from the environment, else .dev.vars, else wrangler.toml [vars]:
  POSTHOG_PERSONAL_API_KEY  a personal API key (phx_…) with survey:write, dashboard:write and insight:write (required)
  POSTHOG_PROJECT_ID        the project's number (required)
  POSTHOG_APP_HOST          PostHog's app (default https://us.posthog.com; https://eu.posthog.com for EU)
  POSTHOG_SURVEY_NAME, POSTHOG_SURVEY_ID, POSTHOG_RATING_QUESTION_ID, POSTHOG_COMMENT_QUESTION_ID,
  POSTHOG_REASONS_QUESTION_ID, LOW_RATING_REASONS (the choices of "What went wrong?")

A missing survey or dashboard is created. It prints what it created, changed or would change, and the
settings to put in wrangler.toml. Exit code 0: all in order; 1: something differs (run with --fix) or
PostHog refused; 2: bad options or settings.`;

const { values, problems } = parseCli({
  name: "posthog-setup",
  usage: USAGE,
  options: { fix: { type: "boolean" }, "earliest-answer": { type: "string" }, "persist-to": { type: "string" } },
});

/** Settings whose own rules refused them (their problem is listed; "is not set" would only repeat it). */
const invalid = new Set<SettingName>();
/** A setting as the Worker parses it (its schema in src/settings.ts); its problem is listed when it is not valid. */
function setting(name: SettingName): string {
  const parsed = parsedScriptSetting(name);
  if (parsed.ok) return parsed.value === undefined ? "" : String(parsed.value);
  problems.push(parsed.problem);
  invalid.add(name);
  return "";
}
const personalApiKey = setting("POSTHOG_PERSONAL_API_KEY");
const projectId = setting("POSTHOG_PROJECT_ID");
const appHost = setting("POSTHOG_APP_HOST").replace(/\/+$/, "");
const surveyName = setting("POSTHOG_SURVEY_NAME");
const surveyId = setting("POSTHOG_SURVEY_ID");
const ratingQuestionId = setting("POSTHOG_RATING_QUESTION_ID");
const commentQuestionId = setting("POSTHOG_COMMENT_QUESTION_ID");
const reasonsQuestionId = setting("POSTHOG_REASONS_QUESTION_ID");
const reasonsSetting = parsedScriptSetting("LOW_RATING_REASONS");
if (!reasonsSetting.ok) problems.push(reasonsSetting.problem);
const reasons = reasonsSetting.ok ? reasonsSetting.value.map((r) => r.label) : [];

// What this script needs beyond the settings' own rules: the private API's key and project, both optional for the Worker.
if (personalApiKey === "") problems.push("POSTHOG_PERSONAL_API_KEY is not set (a personal API key, phx_…)");
else if (personalApiKey.startsWith("phc_"))
  problems.push("POSTHOG_PERSONAL_API_KEY is a project key (phc_…); the private API needs a personal API key (phx_…)");
if (projectId === "" && !invalid.has("POSTHOG_PROJECT_ID"))
  problems.push("POSTHOG_PROJECT_ID is not set (the project's number, from its URL)");
if (surveyName === "" && !invalid.has("POSTHOG_SURVEY_NAME")) problems.push("POSTHOG_SURVEY_NAME must not be empty");
if (
  ratingQuestionId === commentQuestionId &&
  !invalid.has("POSTHOG_RATING_QUESTION_ID") &&
  !invalid.has("POSTHOG_COMMENT_QUESTION_ID")
)
  problems.push("POSTHOG_RATING_QUESTION_ID and POSTHOG_COMMENT_QUESTION_ID must differ");
if (
  (reasonsQuestionId === ratingQuestionId || reasonsQuestionId === commentQuestionId) &&
  !invalid.has("POSTHOG_REASONS_QUESTION_ID")
)
  problems.push("POSTHOG_REASONS_QUESTION_ID must differ from the rating's and the comment's question ids");
const earliestOption = values["earliest-answer"];
if (
  earliestOption !== undefined &&
  !(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z)?$/.test(earliestOption) && Number.isFinite(Date.parse(earliestOption)))
)
  problems.push("--earliest-answer must be a date like 2026-03-01");
if (problems.length > 0) failUsage("posthog-setup", problems);

const earliest =
  earliestOption !== undefined
    ? { at: Date.parse(earliestOption), from: "--earliest-answer" }
    : { at: await withLocalD1(values["persist-to"], earliestAnswerAt), from: "the local database" };

const list = (title: string, items: string[]) => {
  if (items.length === 0) return;
  console.log(`\n${title}`);
  for (const item of items) console.log(`  - ${item}`);
};

let report: SetupReport;
try {
  console.log(`PostHog project ${projectId} at ${appHost}`);
  console.log(
    earliest.at === null
      ? `No stored answer in ${earliest.from}: the survey may start today.`
      : `Earliest stored answer (${earliest.from}): ${new Date(earliest.at).toISOString()}; the survey must start no later.`,
  );
  report = await setUpPostHog(
    { appHost, projectId, personalApiKey, fetcher: fetch },
    { surveyName, surveyId, ratingQuestionId, commentQuestionId, reasonsQuestionId, reasons },
    { create: true, fix: values.fix === true, earliestAnswerAt: earliest.at, now: Date.now() },
  );
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`posthog-setup: ${message}`);
  if (err instanceof PostHogAppError && (err.status === 401 || err.status === 403))
    console.error(
      "posthog-setup: the personal API key needs the scopes survey:write, dashboard:write and insight:write.",
    );
  process.exit(1);
}

list(values.fix ? "Created or changed:" : "Created:", report.done);
list("Would change (run again with --fix):", report.mismatches);
list("Settings that differ from PostHog:", report.settingsToChange);
console.log(
  "\nPut these in [vars] of wrangler.toml (the personal key stays a secret: npx wrangler secret put POSTHOG_PERSONAL_API_KEY):",
);
for (const [name, value] of Object.entries(report.settings)) console.log(`${name} = ${JSON.stringify(value)}`);
if (report.dashboardId !== undefined)
  console.log(`\nDashboard: ${appHost}/project/${projectId}/dashboard/${report.dashboardId}`);
if (report.surveyId !== undefined && looksLikeSurveyId(report.surveyId))
  console.log(`Survey: ${appHost}/project/${projectId}/surveys/${report.surveyId}`);
if (report.mismatches.length > 0) {
  console.log(`\n${report.mismatches.length} difference${report.mismatches.length === 1 ? "" : "s"} left as they are.`);
  process.exit(1);
}
console.log(
  report.done.length === 0
    ? "\nNothing to change: PostHog is set up as the product needs."
    : "\nPostHog is set up as the product needs.",
);
