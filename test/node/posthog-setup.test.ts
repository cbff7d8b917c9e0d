import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, openLocalD1 } from "../../scripts/local-d1";
import { recordResponse } from "../../src/survey/responses-store";
import { OFFLINE_ENV } from "../../scripts/local-env";
import type { FakeServer, RecordedRequest } from "../fakes/fake-server";
import { startFakePostHog } from "../fakes/posthog";

const TSX = path.resolve("node_modules/.bin/tsx");
let fake: FakeServer;
let nextProject = 700_000 + Math.floor(Math.random() * 100_000);

beforeAll(async () => {
  fake = await startFakePostHog(0);
});
afterAll(async () => {
  expect(fake.unexpected).toEqual([]);
  await fake.close();
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the command as a user would, against the loopback PostHog (asynchronously: the fake lives in this process). */
function setup(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      ["scripts/posthog-setup.ts", ...args],
      {
        env: {
          ...process.env,
          ...OFFLINE_ENV,
          CI: "true",
          POSTHOG_APP_HOST: fake.url,
          POSTHOG_PERSONAL_API_KEY: "phx_test_personal_key",
          POSTHOG_SURVEY_NAME: "Customer satisfaction score (CSAT)",
          POSTHOG_SURVEY_ID: "hedgehog-csat-dev",
          POSTHOG_RATING_QUESTION_ID: "csat-rating",
          POSTHOG_COMMENT_QUESTION_ID: "csat-comment",
          ...env,
        },
        encoding: "utf8",
      },
      (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function state(project: string) {
  return (await fetch(`${fake.url}/__fake/posthog/projects/${project}`)).json() as Promise<{
    surveys: Array<Record<string, any>>;
    dashboards: Array<{ id: number; name: string; tiles: Array<{ insight: { name: string; query: any } }> }>;
    insights: Array<Record<string, any>>;
  }>;
}

/**
 * The project's writes among the requests the fake received after the first `since` of them (counted,
 * not timed: a request of the test's own setup can end in the same millisecond the run starts).
 */
const writes = (project: string, since: number) =>
  fake.requests
    .slice(since)
    .filter((r: RecordedRequest) => r.path.startsWith(`/api/projects/${project}/`) && r.method !== "GET");

/** Through PostHog's API, as someone setting it up by hand would. */
async function api(project: string, method: string, pathname: string, body: unknown) {
  const res = await fetch(`${fake.url}/api/projects/${project}${pathname}`, {
    method,
    headers: { authorization: "Bearer phx_test_personal_key", "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return res.json() as Promise<Record<string, any>>;
}

const printedSurveyId = (stdout: string) => /^POSTHOG_SURVEY_ID = "([^"]+)"$/m.exec(stdout)?.[1];

describe("npm run posthog-setup", () => {
  it("creates the api survey and the dashboard, prints the settings, and a second run changes nothing", async () => {
    const project = String(nextProject++);
    const first = await setup(["--earliest-answer", "2026-01-15"], { POSTHOG_PROJECT_ID: project });
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('created the api survey "Customer satisfaction score (CSAT)"');
    expect(first.stdout).toContain('created the dashboard "Customer satisfaction score (CSAT): answers"');
    const surveyId = printedSurveyId(first.stdout)!;
    expect(surveyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.stdout).toContain('POSTHOG_RATING_QUESTION_ID = "csat-rating"');
    expect(first.stdout).toContain('POSTHOG_REASONS_QUESTION_ID = "csat-reasons"');
    expect(first.stdout).toContain(`POSTHOG_PROJECT_ID = "${project}"`);

    const { surveys, dashboards } = await state(project);
    expect(surveys).toHaveLength(1);
    expect(surveys[0]).toMatchObject({
      id: surveyId,
      type: "api",
      enable_partial_responses: true,
      start_date: "2026-01-15T00:00:00.000Z",
      end_date: null,
      archived: false,
      questions: [
        {
          id: "csat-rating",
          type: "rating",
          scale: 5,
          display: "emoji",
          lowerBoundLabel: "Very dissatisfied",
          upperBoundLabel: "Very satisfied",
          question: "How happy are you with the level of support you received?",
          optional: false,
          // PostHog's own UI asks what went wrong after a 1 to 3 (negative, neutral), then the comment.
          branching: { type: "response_based", responseValues: { negative: 2, neutral: 2, positive: 1 } },
        },
        {
          id: "csat-comment",
          type: "open",
          optional: true,
          question: "What can we do to increase your rating?",
          branching: { type: "end" },
        },
        {
          id: "csat-reasons",
          type: "multiple_choice",
          optional: true,
          question: "What went wrong?",
          choices: [
            "The reply was slow",
            "My problem was not solved",
            "A bug or missing feature that was not fixed yet",
            "Billing or account",
            "Something else",
          ],
          branching: { type: "specific_question", index: 1 },
        },
      ],
    });
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]!.tiles.map((t) => t.insight.name)).toEqual([
      "Answers per week",
      "CSAT per week",
      "Mean rating by team",
      "Hedgehogs fed per month",
    ]);
    // Each insight reads this survey's answers, the rating by its question id, an edited answer once.
    for (const tile of dashboards[0]!.tiles) {
      expect(tile.insight.query.source.query).toContain(`properties['$survey_id'] = '${surveyId}'`);
      expect(tile.insight.query.source.query).toContain("GROUP BY submission");
    }
    expect(dashboards[0]!.tiles[1]!.insight.query.source.query).toContain("countIf(rating >= 4)");

    const since = fake.requests.length;
    const second = await setup(["--earliest-answer", "2026-01-15"], {
      POSTHOG_PROJECT_ID: project,
      POSTHOG_SURVEY_ID: surveyId,
    });
    expect(second.status).toBe(0);
    expect(second.stdout).toContain("Nothing to change");
    expect(writes(project, since)).toEqual([]);
    expect((await state(project)).surveys).toHaveLength(1);
  });

  it("checks a survey and dashboard made by hand: names every difference and changes nothing; --fix repairs them; then nothing is left", async () => {
    const project = String(nextProject++);
    const survey = await api(project, "POST", "/surveys/", {
      name: "Customer satisfaction score (CSAT)",
      type: "api",
      start_date: "2026-03-01T00:00:00Z",
      questions: [
        { type: "rating", question: "How satisfied are you?", scale: 10, display: "number" },
        { type: "open", question: "What can we do to increase your rating?" },
      ],
    });
    expect(survey.enable_partial_responses).toBe(false); // PostHog's default for a survey made through the API
    const dashboard = await api(project, "POST", "/dashboards/", {
      name: "Customer satisfaction score (CSAT): answers",
    });
    await api(project, "POST", "/insights/", {
      name: "Answers per week",
      query: { kind: "DataVisualizationNode", source: { kind: "HogQLQuery", query: "SELECT 1" } },
      dashboards: [dashboard.id],
    });

    const since = fake.requests.length;
    const check = await setup(["--earliest-answer", "2026-02-10"], {
      POSTHOG_PROJECT_ID: project,
      POSTHOG_SURVEY_ID: survey.id,
    });
    expect(check.status).toBe(1);
    expect(check.stdout).toContain("Would change (run again with --fix):");
    expect(check.stdout).toContain("partial responses are off: an edited answer would count twice");
    expect(check.stdout).toContain("is after the earliest stored answer (2026-02-10T00:00:00.000Z)");
    expect(check.stdout).toMatch(/the rating question's id is "[0-9a-f-]{36}", should be "csat-rating"/);
    expect(check.stdout).toContain("the rating question's scale is 10, should be 5");
    expect(check.stdout).toContain("the comment question should be optional");
    expect(check.stdout).toContain("the reasons question is missing");
    expect(check.stdout).toContain('the insight "Answers per week" has another query');
    expect(check.stdout).toContain('the insight "CSAT per week" is missing from the dashboard');
    expect(writes(project, since)).toEqual([]);

    const fix = await setup(["--fix", "--earliest-answer", "2026-02-10"], {
      POSTHOG_PROJECT_ID: project,
      POSTHOG_SURVEY_ID: survey.id,
    });
    expect(fix.stderr).toBe("");
    expect(fix.status).toBe(0);
    expect(fix.stdout).toContain("fixed: partial responses are off");
    const after = await state(project);
    expect(after.surveys).toHaveLength(1);
    expect(after.surveys[0]).toMatchObject({
      id: survey.id,
      enable_partial_responses: true,
      start_date: "2026-02-10T00:00:00.000Z",
      questions: [
        { id: "csat-rating", scale: 5, display: "emoji" },
        { id: "csat-comment", optional: true },
        { id: "csat-reasons", type: "multiple_choice" },
      ],
    });
    expect(after.dashboards).toHaveLength(1);
    expect(after.dashboards[0]!.tiles.map((t) => t.insight.name).sort()).toEqual(
      ["Answers per week", "CSAT per week", "Hedgehogs fed per month", "Mean rating by team"].sort(),
    );

    const again = await setup(["--fix", "--earliest-answer", "2026-02-10"], {
      POSTHOG_PROJECT_ID: project,
      POSTHOG_SURVEY_ID: survey.id,
    });
    expect(again.status).toBe(0);
    expect(again.stdout).toContain("Nothing to change");
  });

  it("starts the survey no later than the earliest answer in the local database", async () => {
    const project = String(nextProject++);
    const state_ = mkdtempSync(path.join(tmpdir(), "posthog-setup-"));
    try {
      const local = await openLocalD1(state_);
      await applyMigrations(local.db);
      const at = Date.parse("2025-11-20T15:30:00Z");
      await recordResponse(
        local.db,
        {
          ticketId: 1,
          distinctId: "c-1",
          team: "Billing",
          initialTargetArea: undefined,
          rating: 5,
          comment: undefined,
          reasons: [],
          verifiedBy: "signature",
        },
        at,
        { baseVersion: 0 },
      );
      await local.close();
      const run = await setup(["--persist-to", state_], { POSTHOG_PROJECT_ID: project });
      expect(run.status).toBe(0);
      expect(run.stdout).toContain("Earliest stored answer (the local database): 2025-11-20T15:30:00.000Z");
      expect((await state(project)).surveys[0]!.start_date).toBe("2025-11-20T00:00:00.000Z");
    } finally {
      rmSync(state_, { recursive: true, force: true });
    }
  });

  it("says which scope the key lacks and creates nothing", async () => {
    const project = String(nextProject++);
    const run = await setup(["--earliest-answer", "2026-01-01"], {
      POSTHOG_PROJECT_ID: project,
      POSTHOG_PERSONAL_API_KEY: "phx_test_no_survey_scope",
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("PostHog answered 403: API key missing required scope 'survey:read'");
    expect(run.stderr).toContain("needs the scopes survey:write, dashboard:write and insight:write");
    expect((await state(project)).surveys).toEqual([]);
  });

  it("names every bad option and setting at once (exit 2), and prints its usage for --help", async () => {
    const bad = await setup(["--earliest-answer", "last week", "--frobnicate"], {
      POSTHOG_PERSONAL_API_KEY: "phc_project_key",
      POSTHOG_PROJECT_ID: "my-project",
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("unknown option --frobnicate");
    expect(bad.stderr).toContain("POSTHOG_PERSONAL_API_KEY is a project key (phc_…)");
    expect(bad.stderr).toContain("POSTHOG_PROJECT_ID must be the project's number");
    // Named once, by the setting's own rule (src/settings.ts), not also as missing.
    expect(bad.stderr).not.toContain("POSTHOG_PROJECT_ID is not set");
    expect(bad.stderr).toContain("--earliest-answer must be a date like 2026-03-01");
    const settings = await setup([], { POSTHOG_APP_HOST: "not a url", POSTHOG_COMMENT_QUESTION_ID: "a comment" });
    expect(settings.status).toBe(2);
    expect(settings.stderr).toContain("POSTHOG_APP_HOST must be an absolute URL");
    expect(settings.stderr).toContain("POSTHOG_COMMENT_QUESTION_ID must be letters, digits, - or _");
    const help = await setup(["--help"], {});
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("npm run posthog-setup [-- --fix]");
  });
});
