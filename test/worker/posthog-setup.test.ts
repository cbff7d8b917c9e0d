import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { Env } from "../../src/env";
import { DAY_MS } from "../../src/lib/time";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import { setUpPostHog } from "../../src/survey/posthog-setup";
import type { PostHogSurvey } from "../../src/services/posthog-app";
import { surveyMismatches } from "../../src/survey/posthog-survey-spec";
import { ADMIN_TOKEN, BASE, call, posthog, runCron, storeAnswer, testEnv, textOf } from "./helpers";

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const adminText = async (e: Env) =>
  textOf(await (await call(new Request(`${BASE}/admin`, { headers: auth }), e)).text());
const NAME = "Customer satisfaction score (CSAT)";
const DAY = 86_400_000;
/** LOW_RATING_REASONS' default labels, in order. */
const REASONS = [
  "The reply was slow",
  "My problem was not solved",
  "A bug or missing feature that was not fixed yet",
  "Billing or account",
  "Something else",
];
let nextProject = 800_000 + Math.floor(Math.random() * 100_000);

/** An env whose PostHog project is this test's own on the loopback fake. */
function projectEnv(overrides: Partial<Env> = {}) {
  const project = String(nextProject++);
  return {
    project,
    env: testEnv({
      POSTHOG_PERSONAL_API_KEY: "phx_test_read_only",
      POSTHOG_PROJECT_ID: project,
      POSTHOG_APP_HOST: inject("posthogUrl"),
      POSTHOG_SURVEY_NAME: NAME,
      ...overrides,
    }),
  };
}

/** Sets the project up as `npm run posthog-setup` does; answers the survey's id. */
async function setUp(project: string, earliestAnswerAt = Date.parse("2019-01-01")) {
  const report = await setUpPostHog(
    { appHost: inject("posthogUrl"), projectId: project, personalApiKey: "phx_test_personal_key", fetcher: fetch },
    {
      surveyName: NAME,
      surveyId: "hedgehog-csat-dev",
      ratingQuestionId: "csat-rating",
      commentQuestionId: "csat-comment",
      reasonsQuestionId: "csat-reasons",
      reasons: REASONS,
    },
    { create: true, fix: false, earliestAnswerAt, now: Date.now() },
  );
  return report.surveyId!;
}

async function privateApiCalls(project: string) {
  return (await posthog.requests()).filter((r) => r.path.startsWith(`/api/projects/${project}/`));
}

async function lastSummary() {
  const row = await env.DB.prepare(
    "SELECT summary FROM job_runs WHERE job = 'every-ten-minutes' ORDER BY id DESC",
  ).first<{
    summary: string;
  }>();
  return JSON.parse(row!.summary) as { posthogSetup: unknown };
}

beforeEach(async () => {
  await env.DB.prepare("DELETE FROM posthog_setup_check").run();
});

const good: PostHogSurvey = {
  id: "019f37dc-7c9a-0000-d86a-aa8bf46f4917",
  name: NAME,
  type: "api",
  start_date: "2026-01-01T00:00:00Z",
  end_date: null,
  archived: false,
  enable_partial_responses: true,
  questions: [
    {
      id: "csat-rating",
      type: "rating",
      question: "How happy are you with the level of support you received?",
      scale: 5,
      display: "emoji",
      lowerBoundLabel: "Very dissatisfied",
      upperBoundLabel: "Very satisfied",
      branching: { type: "response_based", responseValues: { positive: 1, negative: 2, neutral: 2 } },
    },
    {
      id: "csat-comment",
      type: "open",
      question: "What can we do to increase your rating?",
      optional: true,
      branching: { type: "end" },
    },
    {
      id: "csat-reasons",
      type: "multiple_choice",
      question: "What went wrong?",
      choices: REASONS,
      optional: true,
      branching: { type: "specific_question", index: 1 },
    },
  ],
};
const input = {
  surveyName: NAME,
  ratingQuestionId: "csat-rating",
  commentQuestionId: "csat-comment",
  reasonsQuestionId: "csat-reasons",
  reasons: REASONS,
};

describe("the survey's differences from what the product needs", () => {
  it("finds nothing in a survey set up as needed, and names each difference in words with its repair", () => {
    expect(surveyMismatches(good, input, Date.parse("2026-02-01T10:00:00Z"), Date.now())).toEqual([]);
    const bad = { ...good, enable_partial_responses: null, end_date: "2026-03-01T00:00:00Z", type: "popover" };
    const found = surveyMismatches(bad, input, Date.parse("2025-12-24T10:00:00Z"), Date.now());
    expect(found.map((m) => m.what)).toEqual([
      'the type is "popover", should be "api" (answers captured by the server)',
      "partial responses are off: an edited answer would count twice in PostHog's results",
      "its start date 2026-01-01T00:00:00Z is after the earliest stored answer (2025-12-24T10:00:00.000Z): earlier answers are hidden",
      "it was stopped (end date 2026-03-01T00:00:00Z): later answers are hidden",
    ]);
    expect(Object.assign({}, ...found.map((m) => m.fix))).toEqual({
      type: "api",
      enable_partial_responses: true,
      start_date: "2025-12-24T00:00:00.000Z",
      end_date: null,
    });
  });

  it("wants the labels of a 5-point scale and the product's question ids", () => {
    const renamed = {
      ...good,
      questions: [
        { ...good.questions![0]!, id: "d8462827-1575-4e1e-ab1d-b5fddd9f829c", upperBoundLabel: "Excellent" },
        good.questions![1]!,
        good.questions![2]!,
      ],
    };
    const [m] = surveyMismatches(renamed, input, null, Date.now());
    expect(m!.what).toBe(
      'the rating question\'s id is "d8462827-1575-4e1e-ab1d-b5fddd9f829c", should be "csat-rating"; the rating question\'s upperBoundLabel is "Excellent", should be "Very satisfied"',
    );
    expect(m!.fix).toEqual({
      questions: expect.arrayContaining([
        expect.objectContaining({ id: "csat-rating", upperBoundLabel: "Very satisfied" }),
      ]),
    });
  });
});

describe("the reasons question and its branching", () => {
  const q = (i: number) => good.questions![i]!;

  it("names a survey made before the reasons question (two questions, no branching) and repairs it whole", () => {
    const old = {
      ...good,
      questions: [
        { ...q(0), branching: undefined },
        { ...q(1), branching: undefined },
      ],
    };
    const [m] = surveyMismatches(old, input, null, Date.now());
    expect(m!.what).toBe(
      'the rating question\'s branching is not set, should be {"type":"response_based","responseValues":{"negative":2,"neutral":2,"positive":1}}; ' +
        'the comment question\'s branching is not set, should be {"type":"end"}; the reasons question is missing',
    );
    expect((m!.fix.questions as unknown[]).length).toBe(3);
  });

  it("names a high rating sent to the reasons, reasons reordered, and a reasons question that is not multiple choice", () => {
    const wrong = {
      ...good,
      questions: [
        { ...q(0), branching: { type: "response_based", responseValues: { negative: 2, neutral: 2, positive: 2 } } },
        q(1),
        { ...q(2), type: "single_choice", choices: [...REASONS].reverse() },
      ],
    };
    const what = surveyMismatches(wrong, input, null, Date.now())[0]!.what;
    expect(what).toContain(
      `the rating question's branching is {"type":"response_based","responseValues":{"negative":2,"neutral":2,"positive":2}}`,
    );
    expect(what).toContain(`the reasons question's type is "single_choice", should be "multiple_choice"`);
    expect(what).toContain(`the reasons question's choices is ["Something else",`);
  });

  it("creates the survey so PostHog asks the reasons after a rating of 1 to 3, and --fix adds them to an older survey", async () => {
    const { project } = projectEnv();
    const surveyId = await setUp(project);
    const state = async () =>
      (await (await fetch(`${inject("posthogUrl")}/__fake/posthog/projects/${project}`)).json()) as {
        surveys: PostHogSurvey[];
      };
    const created = (await state()).surveys.find((s) => s.id === surveyId)!;
    expect(created.questions!.map((x) => [x.id, x.type])).toEqual([
      ["csat-rating", "rating"],
      ["csat-comment", "open"],
      ["csat-reasons", "multiple_choice"],
    ]);
    expect(created.questions![2]!.choices).toEqual(REASONS);

    // Someone puts back the survey as it was before the reasons question.
    await fetch(`${inject("posthogUrl")}/api/projects/${project}/surveys/${surveyId}/`, {
      method: "PATCH",
      headers: { authorization: "Bearer phx_test_personal_key", "content-type": "application/json" },
      body: JSON.stringify({ questions: created.questions!.slice(0, 2).map(({ branching: _b, ...rest }) => rest) }),
    });
    const target = {
      surveyName: NAME,
      surveyId,
      ratingQuestionId: "csat-rating",
      commentQuestionId: "csat-comment",
      reasonsQuestionId: "csat-reasons",
      reasons: REASONS,
    };
    const app = {
      appHost: inject("posthogUrl"),
      projectId: project,
      personalApiKey: "phx_test_personal_key",
      fetcher: fetch,
    };
    const options = { create: true, fix: false, earliestAnswerAt: Date.parse("2019-01-01"), now: Date.now() };
    const checked = await setUpPostHog(app, target, options);
    expect(checked.mismatches.join("\n")).toContain("the reasons question is missing");
    const fixed = await setUpPostHog(app, target, { ...options, fix: true });
    expect(fixed.done.join("\n")).toContain("fixed: the rating question's branching is not set");
    expect((await setUpPostHog(app, target, options)).mismatches).toEqual([]);
    expect((await state()).surveys.find((s) => s.id === surveyId)!.questions![0]!.branching).toEqual({
      type: "response_based",
      responseValues: { negative: 2, neutral: 2, positive: 1 },
    });
  });

  it("is refused by PostHog's rules for branching and choices, as the fake enforces them", async () => {
    const { project } = projectEnv();
    const surveyId = await setUp(project);
    const patch = (questions: unknown) =>
      fetch(`${inject("posthogUrl")}/api/projects/${project}/surveys/${surveyId}/`, {
        method: "PATCH",
        headers: { authorization: "Bearer phx_test_personal_key", "content-type": "application/json" },
        body: JSON.stringify({ questions }),
      });
    const bucket = await patch([
      { ...q(0), branching: { type: "response_based", responseValues: { happy: 1 } } },
      q(1),
      q(2),
    ]);
    expect(bucket.status).toBe(400);
    expect(((await bucket.json()) as { detail: string }).detail).toBe(
      '"happy" is not a response of a rating of scale 5',
    );
    const backwards = await patch([q(0), q(1), { ...q(2), branching: { type: "specific_question", index: 2 } }]);
    expect(backwards.status).toBe(400);
    const noChoices = await patch([q(0), q(1), { ...q(2), choices: [] }]);
    expect(((await noChoices.json()) as { detail: string }).detail).toBe("Question choices must be a list of strings");
  });
});

describe("the daily PostHog check", () => {
  it("does nothing without a personal API key, and /admin shows no notice", async () => {
    const e = testEnv({ POSTHOG_PERSONAL_API_KEY: "", POSTHOG_PROJECT_ID: "" });
    await runCron(EVERY_TEN_MINUTES, Date.now(), e);
    expect((await lastSummary()).posthogSetup).toBe(
      "skipped: POSTHOG_PERSONAL_API_KEY and POSTHOG_PROJECT_ID are not set",
    );
    expect(await adminText(e)).not.toContain("PostHog's survey set-up needs attention");
  });

  it("finds a project set up by the command in order (with read scopes only), and checks once a day", async () => {
    const { project, env: base } = projectEnv();
    const surveyId = await setUp(project);
    const e = { ...base, POSTHOG_SURVEY_ID: surveyId } as Env;
    const now = Date.now();
    await runCron(EVERY_TEN_MINUTES, now, e);
    expect((await lastSummary()).posthogSetup).toEqual({ ok: true, mismatches: 0 });
    expect(await adminText(e)).not.toContain("needs attention");

    const before = (await privateApiCalls(project)).length;
    await runCron(EVERY_TEN_MINUTES, now + 10 * 60_000, e);
    expect((await lastSummary()).posthogSetup).toBe("not due (checked within the last day)");
    expect((await privateApiCalls(project)).length).toBe(before);
    // Every call was a read: the daily check never changes PostHog.
    expect(
      (await privateApiCalls(project)).filter(
        (r) => r.headers.authorization === "Bearer phx_test_read_only" && r.method !== "GET",
      ),
    ).toEqual([]);
  });

  it("shows on /admin what differs in PostHog, and the notice goes once a later check finds it repaired", async () => {
    const { project, env: base } = projectEnv();
    const surveyId = await setUp(project);
    const e = { ...base, POSTHOG_SURVEY_ID: surveyId } as Env;
    // Someone turns partial responses off and stops the survey in PostHog's UI.
    await fetch(`${inject("posthogUrl")}/api/projects/${project}/surveys/${surveyId}/`, {
      method: "PATCH",
      headers: { authorization: "Bearer phx_test_personal_key", "content-type": "application/json" },
      body: JSON.stringify({ enable_partial_responses: false, end_date: "2026-01-02T00:00:00Z" }),
    });
    const now = Date.now();
    await runCron(EVERY_TEN_MINUTES, now, e);
    const text = await adminText(e);
    expect(text).toContain("PostHog's survey set-up needs attention");
    expect(text).toContain(
      `survey "${NAME}": partial responses are off: an edited answer would count twice in PostHog's results`,
    );
    expect(text).toContain(`survey "${NAME}": it was stopped (end date 2026-01-02T00:00:00Z)`);
    expect(text).toContain("npm run posthog-setup -- --fix");

    await fetch(`${inject("posthogUrl")}/api/projects/${project}/surveys/${surveyId}/`, {
      method: "PATCH",
      headers: { authorization: "Bearer phx_test_personal_key", "content-type": "application/json" },
      body: JSON.stringify({ enable_partial_responses: true, end_date: null }),
    });
    await runCron(EVERY_TEN_MINUTES, now + DAY, e);
    expect(await adminText(e)).not.toContain("needs attention");
  });

  it("names a survey that starts after the earliest stored answer, a missing dashboard and a survey id setting that is not PostHog's", async () => {
    const { project, env: base } = projectEnv();
    const surveyId = await setUp(project, Date.parse("2026-01-20T00:00:00Z"));
    await storeAnswer({
      ticketId: nextProject * 10,
      team: "Billing",
      rating: 4,
      at: Date.parse("2026-01-05T09:00:00Z"),
    });
    const e = { ...base, POSTHOG_SURVEY_NAME: NAME, POSTHOG_SURVEY_ID: "hedgehog-csat-dev" } as Env;
    await runCron(EVERY_TEN_MINUTES, Date.now(), e);
    const text = await adminText(e);
    expect(text).toContain(
      `its start date 2026-01-20T00:00:00.000Z is after the earliest stored answer (2026-01-05T09:00:00.000Z): earlier answers are hidden`,
    );
    expect(text).toContain(`POSTHOG_SURVEY_ID is "hedgehog-csat-dev", the survey's id is "${surveyId}"`);

    // The next day's cron looks again, at a project where the survey is gone.
    const { env: empty } = projectEnv();
    await runCron(EVERY_TEN_MINUTES, Date.now() + DAY_MS, empty);
    const missing = await adminText(empty);
    expect(missing).toContain(`there is no survey named "${NAME}"`);
  });

  it("says on /admin why it could not look when PostHog refuses the key", async () => {
    const { env: e } = projectEnv({ POSTHOG_PERSONAL_API_KEY: "phc_project_key_by_mistake" });
    await runCron(EVERY_TEN_MINUTES, Date.now(), e);
    expect((await lastSummary()).posthogSetup).toMatchObject({ ok: false });
    expect(await adminText(e)).toContain(
      "could not look at PostHog: PostHog answered 401: Personal API key found in request Authorization header is invalid.",
    );
  });
});
