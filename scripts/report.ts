// `npm run report -- --month 2026-10 [--persist-to DIR]`: prints a month's hedgehog donation report
// for the local D1 that `npm run dev` uses, with the same queries and maths as the monthly cron.
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { buildReport, isMonth, monthRange, reportText, type TeamCounts } from "../src/hedgehogs/report";
import { REPORT_SQL } from "../src/hedgehogs/report-sql";
import { localSetting, OFFLINE_ENV, wranglerVars } from "./local-env";

const { values } = parseArgs({ options: { month: { type: "string" }, "persist-to": { type: "string" } } });
const month = values.month ?? new Date().toISOString().slice(0, 7);
if (!isMonth(month)) {
  console.error("report: --month must look like 2026-10");
  process.exit(2);
}
const { start, end } = monthRange(month);
// wrangler d1 execute takes no parameters: the month and its bounds are checked values, inlined.
const bind = (sql: string, params: Array<string | number>) =>
  sql.replace(/\?(\d)/g, (_, i: string) => {
    const value = params[Number(i) - 1]!;
    return typeof value === "number" ? String(value) : `'${value}'`;
  });
const statements = [
  bind(REPORT_SQL.teams, [start, end]),
  bind(REPORT_SQL.hedgehogs, [month]),
  bind(REPORT_SQL.emailed, [start, end]),
];
const persist = values["persist-to"] ? ["--persist-to", values["persist-to"]] : [];
const env = { ...process.env, ...OFFLINE_ENV, CI: "true" };
const migrate = spawnSync("node_modules/.bin/wrangler", ["d1", "migrations", "apply", "DB", "--local", ...persist], {
  env,
  encoding: "utf8",
});
if (migrate.status !== 0) {
  console.error(migrate.stderr || migrate.stdout);
  process.exit(migrate.status ?? 1);
}
const run = spawnSync(
  "node_modules/.bin/wrangler",
  ["d1", "execute", "DB", "--local", "--json", "--command", statements.join(";\n"), ...persist],
  {
    env,
    encoding: "utf8",
  },
);
if (run.status !== 0) {
  console.error(run.stderr || run.stdout);
  process.exit(run.status ?? 1);
}
const [teams, hedgehogs, emailed] = (
  JSON.parse(run.stdout) as Array<{ results: Array<Record<string, number | string>> }>
).map((r) => r.results);
const vars = wranglerVars();
const setting = (name: string, fallback: string) => localSetting(name) ?? vars[name] ?? fallback;
const report = buildReport(
  {
    month,
    hedgehogs: Number(hedgehogs![0]!.hedgehogs),
    runningHedgehogs: Number(hedgehogs![0]!.runningHedgehogs),
    surveysEmailed: Number(emailed![0]!.surveysEmailed),
    teams: teams!.map(
      (t) =>
        ({
          team: String(t.team),
          responses: Number(t.responses),
          satisfied: Number(t.satisfied),
          ratingSum: Number(t.ratingSum),
        }) as TeamCounts,
    ),
  },
  {
    hedgehogCostMinor: Number(setting("HEDGEHOG_COST", "500")),
    currency: setting("DONATION_CURRENCY", "GBP"),
    charity: setting("DONATION_CHARITY", "Herts Wildlife Trust"),
  },
);
console.log(reportText(report));
