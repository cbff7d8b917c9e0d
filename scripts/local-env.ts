import { existsSync, readFileSync } from "node:fs";
import * as v from "valibot";
import { defaultOf, SETTINGS, type SettingDefinition, type SettingName } from "../src/settings";

/** Environment for wrangler that keeps it from calling home (see docs/operations.md, "Offline"). */
export const OFFLINE_ENV = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
};

/** Reads KEY=VALUE lines of a .dev.vars file; missing file gives {}. */
export function readDevVars(path = ".dev.vars"): Record<string, string> {
  if (!existsSync(path)) return {};
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split(/\r?\n/)) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) vars[match[1]!] = match[2]!.replace(/^"(.*)"$/, "$1");
  }
  return vars;
}

/** A setting from the process environment first, then .dev.vars. */
export function localSetting(name: string): string | undefined {
  const value = process.env[name] ?? readDevVars()[name];
  return value === "" ? undefined : value;
}

/**
 * wrangler.toml's [vars] (or another config's) as name → value, in the file's order. The configs keep
 * them as flat `NAME = "value"` or `NAME = 'value'` lines (JSON settings are single-quoted).
 */
export function wranglerVars(file = "wrangler.toml"): Record<string, string> {
  const toml = readFileSync(file, "utf8");
  const section = toml.split(/^\[vars\]\s*$/m)[1] ?? "";
  const vars: Record<string, string> = {};
  for (const line of section.split("\n")) {
    if (/^\s*\[/.test(line)) break;
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)')\s*(?:#.*)?$/.exec(line);
    // A double-quoted TOML string's escapes (\" \\ \n \u2019 …) are JSON's; a single-quoted one has none.
    if (m) vars[m[1]!] = m[2] !== undefined ? (JSON.parse(`"${m[2]}"`) as string) : (m[3] ?? "");
  }
  return vars;
}

/** Where a setting is given locally: the environment, else .dev.vars, else wrangler.toml's [vars]. */
function givenSetting(name: SettingName): string | undefined {
  return localSetting(name) ?? wranglerVars()[name];
}

/** A setting as the Worker would see it locally (givenSetting), else its default in src/settings.ts ("" when none). */
export function scriptSetting(name: SettingName): string {
  return givenSetting(name) ?? defaultOf(name) ?? "";
}

/**
 * A setting parsed by its own schema in src/settings.ts, from where it is given (givenSetting): its value,
 * or the schema's own message naming what is wrong.
 */
export function parsedScriptSetting<N extends SettingName>(
  name: N,
): { ok: true; value: v.InferOutput<(typeof SETTINGS)[N]["schema"]> } | { ok: false; problem: string } {
  const result = v.safeParse(SETTINGS[name].schema as v.GenericSchema, givenSetting(name));
  if (result.success) return { ok: true, value: result.output as v.InferOutput<(typeof SETTINGS)[N]["schema"]> };
  return { ok: false, problem: `${name} ${result.issues[0].message}` };
}

/**
 * The secret settings (src/settings.ts marks them) given to wrangler as `--var NAME:VALUE` (or
 * `--var=NAME:VALUE`) among `args`: their values show on npm's command echo and stay in the shell's
 * history, where a secret has no place.
 */
export function secretsGivenAsVars(args: string[]): SettingName[] {
  const names = new Set<SettingName>();
  for (const arg of args) {
    const name = /^(?:--var=)?([A-Z0-9_]+):/.exec(arg)?.[1];
    if (name && name in SETTINGS && (SETTINGS[name as SettingName] as SettingDefinition).secret)
      names.add(name as SettingName);
  }
  return [...names];
}
