// `npm run dev [-- --port N] [--persist-to DIR] [wrangler dev options]`: the product on its embedded
// defaults (local D1, local outbox), for work against real services. `PORT=N` works as --port does.
import { copyFileSync, existsSync } from "node:fs";
import { buildSurveyUrl, expiryFrom } from "../src/lib/survey-link";
import { failUsage } from "./cli";
import { SETTINGS, startupProblems, type SettingDefinition } from "../src/settings";
import { readDevVars, secretsGivenAsVars, wranglerVars } from "./local-env";
import { migrateLocal, requireFreePort, serveArgs, startWrangler, stopTogether } from "./serve";

const { port, persistTo, rest, problems } = serveArgs(process.argv.slice(2));
if (problems.length > 0) failUsage("dev", problems);
for (const name of secretsGivenAsVars(rest)) {
  console.warn(
    `Warning: ${name} is a secret, and a value given with --var shows on npm's command echo and stays in your shell history. Put it in .dev.vars instead (${name}=…): npm run dev reads it from there.`,
  );
}
await requireFreePort(port, "dev");

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("Created .dev.vars from .dev.vars.example (local development secrets).");
}
// A misspelt setting would keep the real one at its default without a word, and a short ADMIN_TOKEN
// would leave the admin area off: say so before starting.
for (const [where, vars] of [
  [".dev.vars", readDevVars()],
  ["wrangler.toml [vars]", wranglerVars()],
] as const)
  for (const problem of startupProblems(vars)) console.warn(`${where}: ${problem}`);
// A .dev.vars made before a required secret was added lacks it, and the Worker would answer 503.
const devVars = readDevVars();
for (const [name, s] of Object.entries(SETTINGS as Record<string, SettingDefinition>))
  if (s.secret === "required" && !devVars[name] && !rest.some((a) => a.startsWith(`${name}:`)))
    console.warn(`.dev.vars: ${name} is missing (a required secret): copy its line from .dev.vars.example`);
await migrateLocal(persistTo);

/** A setting given on the command line as `--var NAME:VALUE`. */
const givenVar = (name: string) =>
  rest.map((a) => (a.startsWith(`${name}:`) ? a.slice(name.length + 1) : "")).find(Boolean);

/** PUBLIC_BASE_URL follows the port unless it is set (environment, .dev.vars or --var). */
function publicBaseUrl(): { url: string; pass: boolean } {
  const given = givenVar("PUBLIC_BASE_URL");
  if (given) return { url: given, pass: false };
  const set = process.env.PUBLIC_BASE_URL || readDevVars().PUBLIC_BASE_URL;
  return { url: set || `http://127.0.0.1:${port}`, pass: true };
}

const base = publicBaseUrl();
const wrangler = startWrangler({
  port,
  persistTo,
  vars: base.pass ? { PUBLIC_BASE_URL: base.url } : {},
  rest,
});
stopTogether(wrangler);
await wrangler.ready;

// The Worker's secret comes from --var or .dev.vars (wrangler does not read the environment).
const secret = givenVar("SURVEY_LINK_SECRET") || readDevVars().SURVEY_LINK_SECRET;
if (secret) {
  const link = await buildSurveyUrl(
    base.url,
    { distinctId: "dev-customer", ticketId: 123, team: "Product analytics", exp: expiryFrom(new Date(), 30) },
    secret,
    { rating: 4 },
  );
  // Last on screen, so the link to open is not lost behind wrangler's lines.
  console.log(`\nExample survey link (ticket 123, preselected "Satisfied"):\n${link}`);
}
