import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { OFFLINE_ENV } from "../../scripts/local-env";
import { checkSurveyLink, parseSurveyLink } from "../../src/survey/link";

const TSX = path.resolve("node_modules/.bin/tsx");
const run = (script: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(TSX, [`scripts/${script}.ts`, ...args], {
    env: { ...process.env, ...OFFLINE_ENV, CI: "true", ...env },
    encoding: "utf8",
  });

describe("npm run survey-link", () => {
  it("prints a signed link as its last line, valid for the secret it was given", async () => {
    const secret = "cli-test-secret-0123456789";
    const result = run(
      "survey-link",
      [
        "--ticket",
        "123",
        "--distinct-id",
        "abc",
        "--team",
        "Product analytics",
        "--rating",
        "5",
        "--base-url",
        "https://survey.example",
      ],
      {
        SURVEY_LINK_SECRET: secret,
      },
    );
    expect(result.status).toBe(0);
    const last = result.stdout.trim().split("\n").pop()!;
    const url = new URL(last);
    expect(url.origin).toBe("https://survey.example");
    const parsed = parseSurveyLink(Object.fromEntries(url.searchParams));
    expect(parsed.ok && parsed.link).toMatchObject({
      ticketId: 123,
      distinctId: "abc",
      team: "Product analytics",
      rating: 5,
    });
    if (parsed.ok) expect(await checkSurveyLink(parsed.link, secret, new Date())).toBe("valid");
  });

  it("says what is missing and exits 2", () => {
    const result = run("survey-link", ["--distinct-id", "abc", "--team", "x"], {
      SURVEY_LINK_SECRET: "cli-test-secret-0123456789",
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--ticket is required");
    const bad = run("survey-link", ["--ticket", "1", "--distinct-id", "a", "--team", "x", "--rating", "9"], {
      SURVEY_LINK_SECRET: "cli-test-secret-0123456789",
    });
    expect(bad.stderr).toContain("--rating must be 1 to 5");
  });
});

describe("npm run report", () => {
  it("prints a month's report from a local database", () => {
    const state = mkdtempSync(path.join(tmpdir(), "hedgehog-report-"));
    try {
      const empty = run("report", ["--month", "2026-10", "--persist-to", state]);
      expect(empty.status).toBe(0);
      expect(empty.stdout).toContain("Hedgehog donation report: October 2026");
      expect(empty.stdout).toContain("(no responses)");
      const at = Date.parse("2026-10-15T12:00:00Z");
      const insert = spawnSync(
        "node_modules/.bin/wrangler",
        [
          "d1",
          "execute",
          "DB",
          "--local",
          "--persist-to",
          state,
          "--command",
          `INSERT INTO responses (ticket_id, distinct_id, team, rating, first_submitted_at, updated_at, hedgehog_number) VALUES (1, 'a', 'Billing', 5, ${at}, ${at}, 1), (2, 'b', 'Billing', 2, ${at}, ${at}, 2)`,
        ],
        { env: { ...process.env, ...OFFLINE_ENV, CI: "true" }, encoding: "utf8" },
      );
      expect(insert.status).toBe(0);
      const report = run("report", ["--month", "2026-10", "--persist-to", state]);
      expect(report.stdout).toContain("Hedgehogs fed: 2 (2 in all)");
      expect(report.stdout).toContain("Donation: £10.00 to Herts Wildlife Trust");
      expect(report.stdout).toContain("Billing: 2 responses, CSAT 50.0%, mean 3.50");
      const wrong = run("report", ["--month", "October"]);
      expect(wrong.status).toBe(2);
      expect(wrong.stderr).toContain("--month must look like 2026-10");
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});
