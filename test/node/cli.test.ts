import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { OFFLINE_ENV } from "../../scripts/local-env";
import { withLocalD1 } from "../../scripts/local-d1";
import { checkSurveyLink, parseSurveyLink } from "../../src/lib/survey-link";
import { outboxMailer } from "../../src/services/mail-outbox";
import { recordResponse } from "../../src/survey/responses-store";

const TSX = path.resolve("node_modules/.bin/tsx");
const run = (script: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(TSX, [`scripts/${script}.ts`, ...args], {
    env: { ...process.env, ...OFFLINE_ENV, CI: "true", ...env },
    encoding: "utf8",
  });

/** Runs SQL on a state folder's database with wrangler itself (so the CLIs are shown to use wrangler's database). */
const wranglerSql = (state: string, sql: string, extra: string[] = []) =>
  spawnSync(
    "node_modules/.bin/wrangler",
    ["d1", "execute", "DB", "--local", "--persist-to", state, ...extra, "--command", sql],
    {
      env: { ...process.env, ...OFFLINE_ENV, CI: "true" },
      encoding: "utf8",
    },
  );

describe("npm run survey-link", () => {
  it("never prints a link the server would refuse: an empty target area or team is named instead", () => {
    const result = run("survey-link", ["--ticket", "123", "--distinct-id", "abc", "--team", "", "--target-area", ""], {
      SURVEY_LINK_SECRET: "cli-test-secret-0123456789",
    });
    expect(result.status).not.toBe(0);
    expect(result.stdout).not.toContain("http");
    expect(result.stderr).toContain("the team is empty");
    expect(result.stderr).toContain("the target area (initialTargetArea) is empty");
  });

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

  it("prints its usage for --help", () => {
    const result = run("survey-link", ["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("npm run survey-link -- --ticket 123");
    expect(result.stdout).toContain("--ttl-days N");
    expect(result.stderr).toBe("");
  });

  it("names every missing or bad option at once, without a stack trace, and exits 2", () => {
    const result = run("survey-link", ["--rating", "9", "--team", "--colour", "red"], { SURVEY_LINK_SECRET: "" });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toEqual([
      "survey-link: --team expects a value",
      "survey-link: unknown option --colour",
      'survey-link: unexpected argument "red"',
      "survey-link: --ticket is required",
      "survey-link: --distinct-id is required",
      "survey-link: SURVEY_LINK_SECRET is not set (environment or .dev.vars)",
      "survey-link: --rating must be 1 to 5",
      "Run `npm run survey-link -- --help` for usage.",
    ]);
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

describe("npm run dev", () => {
  it("warns when a secret is given with --var (npm echoes it, the shell keeps it) and points to .dev.vars", async () => {
    // A port in use stops the script right after its checks, before wrangler starts.
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      const result = run("dev", [
        "--port",
        String(port),
        "--var",
        "ADMIN_TOKEN:cli-admin-token-0123456789",
        "--var=SURVEY_LINK_SECRET:cli-link-secret-0123456789",
        "--var",
        "PUBLIC_BASE_URL:https://survey.example",
      ]);
      expect(result.status).toBe(1);
      const warnings = result.stderr.split("\n").filter((line) => line.startsWith("Warning:"));
      expect(warnings).toEqual([
        "Warning: ADMIN_TOKEN is a secret, and a value given with --var shows on npm's command echo and stays in your shell history. Put it in .dev.vars instead (ADMIN_TOKEN=…): npm run dev reads it from there.",
        "Warning: SURVEY_LINK_SECRET is a secret, and a value given with --var shows on npm's command echo and stays in your shell history. Put it in .dev.vars instead (SURVEY_LINK_SECRET=…): npm run dev reads it from there.",
      ]);
      // The warning does not print the value once more.
      expect(result.stderr + result.stdout).not.toContain("cli-admin-token-0123456789");
      expect(result.stderr).toContain(`Port ${port} is already in use`);
    } finally {
      busy.close();
    }
  });
});

describe("npm run report", () => {
  it("prints a month's report from a local database", async () => {
    const state = mkdtempSync(path.join(tmpdir(), "hedgehog-report-"));
    try {
      const empty = run("report", ["--month", "2026-10", "--persist-to", state]);
      expect(empty.status).toBe(0);
      expect(empty.stdout).toContain("Hedgehog donation report: October 2026");
      expect(empty.stdout).toContain("(no responses)");
      const at = Date.parse("2026-10-15T12:00:00Z");
      // Two answers, stored as the survey stores them.
      await withLocalD1(state, async (db) => {
        for (const [ticketId, rating] of [
          [1, 5],
          [2, 2],
        ]) {
          const answer = {
            ticketId: ticketId!,
            distinctId: `c-${ticketId}`,
            team: "Billing",
            initialTargetArea: undefined,
            rating: rating!,
            comment: undefined,
            reasons: [],
            verifiedBy: "signature" as const,
          };
          await recordResponse(db, answer, at, { baseVersion: 0 });
        }
      });
      const report = run("report", ["--month", "2026-10", "--persist-to", state]);
      expect(report.stdout).toContain("Hedgehogs fed: 2 (2 in all)");
      expect(report.stdout).toContain("Donation: £10.00 to Herts Wildlife Trust");
      expect(report.stdout).toContain("Billing: 2 responses, CSAT 50.0%, mean 3.50");
      expect(run("report", ["--help"]).stdout).toContain("--preview");
      const preview = run("report", ["--month", "2026-10", "--preview", "--persist-to", state], {
        DONATION_REPORT_TO: "donor@example.org",
      });
      expect(preview.status).toBe(0);
      expect(preview.stdout).toContain("Preview: nothing is stored or sent.");
      expect(preview.stdout).toContain("To: donor@example.org");
      expect(preview.stdout).toContain("Subject: Hedgehog donation report for October 2026: 2 hedgehogs, £10.00");
      const stored = wranglerSql(state, "SELECT COUNT(*) AS n FROM monthly_reports", ["--json"]);
      expect(JSON.parse(stored.stdout)[0].results[0].n).toBe(0);
      const wrong = run("report", ["--month", "October", "--persist"]);
      expect(wrong.status).toBe(2);
      expect(wrong.stderr).toContain("report: --month must look like 2026-10");
      expect(wrong.stderr).toContain("report: unknown option --persist");
      expect(wrong.stderr).not.toContain("    at ");
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});

describe("npm run outbox", () => {
  it("prints its usage for --help, and names bad options at once", () => {
    const help = run("outbox", ["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("npm run outbox [-- --id N]");
    const bad = run("outbox", ["--id", "x", "--limit", "0", "--persist-to"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("outbox: --persist-to expects a value");
    expect(bad.stderr).toContain("outbox: --id takes a whole number");
    expect(bad.stderr).toContain("outbox: --limit takes a whole number above 0");
  });

  it("lists and prints the emails of a local database", async () => {
    const state = mkdtempSync(path.join(tmpdir(), "hedgehog-outbox-"));
    try {
      expect(run("outbox", ["--persist-to", state]).stdout).toContain("The outbox is empty.");
      // An email kept as the local outbox mailer keeps it (at time 0).
      await withLocalD1(state, (db) =>
        outboxMailer(db, () => 0).send(
          [
            {
              idempotencyKey: "k1",
              to: "ada@example.org",
              from: "support@example.com",
              subject: "How did we do?",
              html: "<p>Hi</p>",
              text: "Hi Ada",
              headers: { "List-Unsubscribe": "<https://x/u>" },
            },
          ],
          "request-1",
        ),
      );
      const list = run("outbox", ["--persist-to", state]);
      expect(list.stdout).toContain("#1  1970-01-01T00:00:00.000Z  ada@example.org  How did we do?");
      expect(list.stdout).toContain("1 email shown.");
      const one = run("outbox", ["--id", "1", "--persist-to", state]);
      expect(one.stdout).toContain("To: ada@example.org");
      expect(one.stdout).toContain("List-Unsubscribe: <https://x/u>");
      expect(one.stdout).toContain("Hi Ada");
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});
