// The survey Worker's config (wrangler.survey.toml) beside the app Worker's (wrangler.toml): the same
// settings, database and queue, a binding to the app Worker, and a bundle without the app's other parts.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { OFFLINE_ENV, wranglerVars } from "../../scripts/local-env";
import { SETTINGS } from "../../src/settings";

const APP = readFileSync("wrangler.toml", "utf8");
const SURVEY = readFileSync("wrangler.survey.toml", "utf8");

/** The first `key = "value"` after `[section]` (or at the top when section is empty). */
function valueIn(toml: string, section: string, key: string): string | undefined {
  const from = section ? toml.indexOf(section) : 0;
  if (from < 0) return undefined;
  return new RegExp(`^${key} = "([^"]*)"`, "m").exec(toml.slice(from))?.[1];
}

/** Builds a config as `wrangler deploy` would, without deploying; returns the bundle's text. */
function bundle(config: string): string {
  const outdir = mkdtempSync(path.join(tmpdir(), "hedgehog-bundle-"));
  try {
    const result = spawnSync("node_modules/.bin/wrangler", ["deploy", "--dry-run", "--outdir", outdir, "-c", config], {
      env: { ...process.env, ...OFFLINE_ENV },
      encoding: "utf8",
    });
    expect(result.status, result.stderr).toBe(0);
    const main = valueIn(readFileSync(config, "utf8"), "", "main")!;
    return readFileSync(path.join(outdir, `${path.basename(main).replace(/\.tsx?$/, "")}.js`), "utf8");
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe("the survey Worker's config", () => {
  it("has the app Worker's settings, line for line", () => {
    expect(Object.entries(wranglerVars("wrangler.survey.toml"))).toEqual(Object.entries(wranglerVars("wrangler.toml")));
  });

  it("uses the app Worker's database and queue, and binds APP to the app Worker by its name", () => {
    for (const key of ["binding", "database_name", "database_id", "migrations_dir"])
      expect(valueIn(SURVEY, "[[d1_databases]]", key), key).toBe(valueIn(APP, "[[d1_databases]]", key));
    expect(valueIn(SURVEY, "[[queues.producers]]", "queue")).toBe(valueIn(APP, "[[queues.producers]]", "queue"));
    expect(valueIn(SURVEY, "[[queues.producers]]", "binding")).toBe("DISPATCH");
    expect(valueIn(SURVEY, "[[services]]", "binding")).toBe("APP");
    expect(valueIn(SURVEY, "[[services]]", "service")).toBe(valueIn(APP, "", "name"));
    expect(valueIn(SURVEY, "", "compatibility_date")).toBe(valueIn(APP, "", "compatibility_date"));
    // Cron jobs and the queue consumer run in the app Worker only: once each.
    expect(SURVEY).not.toMatch(/^\[\[queues\.consumers\]\]|^\[triggers\]/m);
  });

  it("`wrangler types` sees the bindings SurveyWorkerEnv declares: the app's but EMAIL, and APP", () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "hedgehog-types-")), "survey-worker.d.ts");
    try {
      const result = spawnSync(
        "node_modules/.bin/wrangler",
        ["types", out, "-c", "wrangler.survey.toml", "--include-runtime", "false", "--env-file", ".dev.vars.example"],
        { env: { ...process.env, ...OFFLINE_ENV }, encoding: "utf8" },
      );
      expect(result.status, result.stderr).toBe(0);
      const names = [...readFileSync(out, "utf8").matchAll(/^\t\t([A-Z_0-9]+):/gm)].map((m) => m[1]!);
      const settings = Object.keys(SETTINGS);
      expect(names.sort()).toEqual(["APP", "DB", "DISPATCH", ...settings].sort());
    } finally {
      rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });

  it("bundles for deployment without the admin area, the survey emails or the reports, and the app Worker still has them", () => {
    const marks = [
      "That token is not right.", // admin sign-in
      "How did we do with your support ticket #", // the survey email
      "CSAT (share of 4-5 ratings)", // the admin reports
    ];
    const survey = bundle("wrangler.survey.toml");
    const app = bundle("wrangler.toml");
    for (const mark of marks) {
      expect(survey, mark).not.toContain(mark);
      expect(app, mark).toContain(mark);
    }
    expect(survey.length).toBeLessThan(app.length / 2);
  });
});
