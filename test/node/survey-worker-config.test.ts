// The survey Worker's config (wrangler.survey.toml) beside the app Worker's (wrangler.toml): the same
// settings, database and queue, a binding to the app Worker, and a bundle without the app's other parts.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { OFFLINE_ENV, wranglerVars } from "../../scripts/local-env";
import { SETTINGS } from "../../src/settings";

// Both configs as wrangler itself reads them.
const APP = unstable_readConfig({ config: "wrangler.toml" });
const SURVEY = unstable_readConfig({ config: "wrangler.survey.toml" });

/** Builds a config as `wrangler deploy` would, without deploying; returns the bundle's text. */
function bundle(config: string): string {
  const outdir = mkdtempSync(path.join(tmpdir(), "hedgehog-bundle-"));
  try {
    const result = spawnSync("node_modules/.bin/wrangler", ["deploy", "--dry-run", "--outdir", outdir, "-c", config], {
      env: { ...process.env, ...OFFLINE_ENV },
      encoding: "utf8",
    });
    expect(result.status, result.stderr).toBe(0);
    const main = unstable_readConfig({ config }).main!;
    return readFileSync(path.join(outdir, `${path.basename(main).replace(/\.tsx?$/, "")}.js`), "utf8");
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe("the survey Worker's config", () => {
  it("has the app Worker's settings, line for line", () => {
    expect(SURVEY.vars).toEqual(APP.vars);
    // The scripts' own [vars] reader reads both as wrangler does.
    expect(wranglerVars("wrangler.survey.toml")).toEqual(SURVEY.vars);
    expect(wranglerVars("wrangler.toml")).toEqual(APP.vars);
  });

  it("uses the app Worker's database and queue, and binds APP to the app Worker by its name", () => {
    expect(SURVEY.d1_databases).toEqual(APP.d1_databases);
    expect(SURVEY.queues.producers).toEqual(APP.queues.producers);
    expect(SURVEY.services).toEqual([{ binding: "APP", service: APP.name }]);
    expect(SURVEY.compatibility_date).toBe(APP.compatibility_date);
    // Cron jobs and the queue consumer run in the app Worker only: once each.
    expect(SURVEY.queues.consumers ?? []).toEqual([]);
    expect(SURVEY.triggers.crons ?? []).toEqual([]);
    expect(APP.triggers.crons?.length).toBeGreaterThan(0);
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
