import { readFileSync } from "node:fs";

/** `[vars]` of a wrangler config as name → value (the files keep them as simple `NAME = "value"` lines). */
export function wranglerVars(file = "wrangler.toml"): Map<string, string> {
  const toml = readFileSync(file, "utf8");
  const vars = toml.slice(toml.indexOf("[vars]") + "[vars]".length);
  return new Map(
    [...vars.matchAll(/^([A-Z_]+) = (?:"((?:[^"\\]|\\.)*)"|'([^']*)')/gm)].map((m) => [m[1]!, m[2] ?? m[3] ?? ""]),
  );
}
