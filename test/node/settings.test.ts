import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OFFLINE_ENV, wranglerVars } from "../../scripts/local-env";
import { toSettings } from "../../src/config";
import * as v from "valibot";
import { SETTINGS, settingsTable, unknownSettingProblems, type SettingName } from "../../src/settings";

const names = Object.keys(SETTINGS) as SettingName[];
const secrets = names.filter((n) => "secret" in SETTINGS[n]);
const BINDINGS = ["DB", "DISPATCH", "EMAIL"];

describe("each setting is defined once (src/settings.ts), and everything else agrees with it", () => {
  it("wrangler.toml's [vars] name only settings that are not secrets, each with a value its schema takes", () => {
    for (const [name, value] of Object.entries(wranglerVars())) {
      expect(names, `${name} in [vars] is not a setting`).toContain(name);
      expect("secret" in SETTINGS[name as SettingName], `${name} is a secret: put it with wrangler secret put`).toBe(
        false,
      );
      expect(v.safeParse(SETTINGS[name as SettingName].schema, value).success, name).toBe(true);
    }
  });

  it("names a setting that does not exist, with the one probably meant", () => {
    expect(
      unknownSettingProblems({ ZENDESK_BASEURL: "https://x.zendesk.com", DB: {}, SURVEY_DELAY_DAYS: "2" }),
    ).toEqual(["ZENDESK_BASEURL is not a setting (did you mean ZENDESK_BASE_URL?); it is ignored"]);
    expect(unknownSettingProblems({ COMPLETELY_DIFFERENT_THING: "1" })).toEqual([
      "COMPLETELY_DIFFERENT_THING is not a setting; it is ignored",
    ]);
  });

  it("the parsed settings the code reads place every setting, each once", () => {
    const read: string[] = [];
    const raw = new Proxy({}, { get: (_, name) => void read.push(String(name)) });
    toSettings(raw as Parameters<typeof toSettings>[0]);
    expect([...read].sort()).toEqual([...names].sort());
  });

  it(".dev.vars.example names every secret and nothing else", () => {
    const example = readFileSync(".dev.vars.example", "utf8");
    const keys = [...example.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]!);
    expect(keys.sort()).toEqual([...secrets].sort());
  });

  it("docs/settings.md's tables are the ones made from the definitions", () => {
    expect(readFileSync("docs/settings.md", "utf8")).toContain(settingsTable());
  });

  it("`wrangler types` sees exactly these bindings and settings, and its checked-in output is current", () => {
    const committed = readFileSync("worker-configuration.d.ts", "utf8");
    const generatedNames = [...committed.matchAll(/^\t\t([A-Z_0-9]+):/gm)].map((m) => m[1]!);
    expect(generatedNames.sort()).toEqual([...BINDINGS, ...secrets].sort());
    // Made again beside the checked-in one (the path shapes the output), and compared but for the
    // header line, which names the output file.
    const fresh = "worker-configuration.check.d.ts";
    try {
      const result = spawnSync(
        "node_modules/.bin/wrangler",
        [
          "types",
          fresh,
          "--include-runtime",
          "false",
          "--env-interface",
          "WranglerEnv",
          "--strict-vars",
          "false",
          "--env-file",
          ".dev.vars.example",
        ],
        { env: { ...process.env, ...OFFLINE_ENV }, encoding: "utf8" },
      );
      expect(result.status, result.stderr).toBe(0);
      const body = (text: string) => text.split("\n").slice(2).join("\n");
      expect(body(readFileSync(fresh, "utf8")), "run `npm run types` after changing wrangler.toml").toBe(
        body(committed),
      );
    } finally {
      rmSync(fresh, { force: true });
    }
  });
});
