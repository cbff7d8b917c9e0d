// `npm run report`: a month's hedgehog donation report for the local database, with the same queries
// and maths as the monthly cron; read-only, it never stores or sends the report (see USAGE).
import { renderReportEmail } from "../src/hedgehogs/report-email";
import { isMonth, reportText } from "../src/hedgehogs/report";
import { computeReport } from "../src/hedgehogs/report-store";
import { failUsage, parseCli, PERSIST_TO_USAGE } from "./cli";
import { parsedScriptSetting, scriptSetting } from "./local-env";
import { withLocalD1 } from "./local-d1";

const USAGE = `Prints a month's hedgehog donation report for the local database. Nothing is stored or sent.

npm run report [-- --month 2026-10] [--preview] [--persist-to DIR]

  --month YYYY-MM   the month (default: this month)
  --preview         print the donor's email for that month (recipient, subject, text part) instead
${PERSIST_TO_USAGE}
  --help            this text`;

const { values, problems } = parseCli({
  name: "report",
  usage: USAGE,
  options: { month: { type: "string" }, preview: { type: "boolean" }, "persist-to": { type: "string" } },
});
const month = values.month ?? new Date().toISOString().slice(0, 7);
if (!isMonth(month)) problems.push("--month must look like 2026-10");
if (problems.length > 0) failUsage("report", problems);

const cost = parsedScriptSetting("HEDGEHOG_COST");
const currency = parsedScriptSetting("DONATION_CURRENCY");
const charity = parsedScriptSetting("DONATION_CHARITY");
for (const parsed of [cost, currency, charity]) if (!parsed.ok) problems.push(parsed.problem);
if (!cost.ok || !currency.ok || !charity.ok) failUsage("report", problems);
const terms = { hedgehogCostMinor: cost.value, currency: currency.value, charity: charity.value };

const reasons = parsedScriptSetting("LOW_RATING_REASONS");
if (!reasons.ok) failUsage("report", [reasons.problem]);
const report = await withLocalD1(values["persist-to"], (db) => computeReport(db, month, terms, reasons.value));
if (values.preview) {
  const email = renderReportEmail(report);
  const to = scriptSetting("DONATION_REPORT_TO") || "(DONATION_REPORT_TO is not set: the cron would email no one)";
  console.log(`Preview: nothing is stored or sent.\n\nTo: ${to}\nSubject: ${email.subject}\n\n${email.text}`);
} else {
  console.log(reportText(report));
}
