import { Hono, type Context } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../app-env";
import { settingsOf } from "../config";
import { BREAKDOWN_TITLES, type Breakdowns } from "../hedgehogs/breakdowns";
import { buildLedger, ledgerPeriods, parseAmount } from "../hedgehogs/ledger";
import { readLedgerInputs, recordDonation } from "../hedgehogs/ledger-store";
import { GROUP_FIGURE_HEADS, groupFigures, isMonth, type ReportFigure } from "../hedgehogs/report";
import { computeReport } from "../hedgehogs/report-store";
import { RESPONSE_RATE_DIMENSIONS, RESPONSE_RATE_HEADS, responseRateFigures } from "../hedgehogs/response-rates";
import { utcMonth } from "../lib/time";
import { csv } from "./csv";
import { DonationsPage, type DonationFormValues } from "./donations-views";
import { formFields } from "../lib/http";
import { formLimit } from "./forms";

/** The hedgehog ledger (`/admin/donations`) and the report's breakdowns as CSV (`/admin/report.csv`). */
export const donationsRoutes = new Hono<AppEnv>();

const field = (max: number) =>
  v.optional(v.pipe(v.string(), v.trim(), v.maxLength(max, `is longer than ${max} characters`)), "");
const month = v.pipe(v.string(), v.trim(), v.check(isMonth, "must be a month like 2026-10"));

const DonationFormSchema = v.pipe(
  v.object({
    form_id: v.pipe(
      v.string("the form is missing its id: reload the page"),
      v.regex(/^[A-Za-z0-9-]{16,64}$/, "the form's id is not one this page made: reload the page"),
    ),
    paid_on: v.pipe(
      v.string("give the date it was paid"),
      v.trim(),
      v.regex(/^(19|20)\d{2}-\d{2}-\d{2}$/, "must be a date like 2026-10-31"),
      v.check(
        (d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
        "is not a real date",
      ),
    ),
    amount: v.pipe(
      v.string("give the amount"),
      v.trim(),
      v.minLength(1, "give the amount"),
      v.maxLength(20, "is too long"),
    ),
    currency: v.pipe(
      v.string("give the currency"),
      v.trim(),
      v.toUpperCase(),
      v.regex(/^[A-Z]{3}$/, "must be a three-letter code such as GBP"),
    ),
    from_month: month,
    to_month: month,
    reference: field(500),
    corrects: v.pipe(field(13), v.regex(/^(\d{1,12})?$/, "must be an entry's number")),
  }),
  v.check((f) => f.to_month >= f.from_month, "the last month covered must not be before the first"),
  v.check(
    (f) => Number(f.to_month.slice(0, 4)) - Number(f.from_month.slice(0, 4)) <= 10,
    "cover at most ten years at a time",
  ),
);

async function ledgerPage(
  c: Context<AppEnv>,
  status: 200 | 400 | 409,
  extra: { values?: DonationFormValues; error?: string; notice?: string } = {},
) {
  const settings = settingsOf(c.env);
  const terms = { hedgehogCostMinor: settings.donation.hedgehogCostMinor, currency: settings.donation.currency };
  const { tally, entries } = await readLedgerInputs(c.env.DB);
  const ledger = buildLedger(tally, entries, terms);
  const period = settings.donation.period;
  return c.html(
    <DonationsPage
      ledger={ledger}
      periods={{ period, rows: ledgerPeriods(ledger.months, period) }}
      charity={settings.donation.charity}
      costMinor={terms.hedgehogCostMinor}
      formId={crypto.randomUUID()}
      values={extra.values ?? {}}
      error={extra.error}
      notice={extra.notice}
    />,
    status,
  );
}

donationsRoutes.get("/donations", (c) => {
  const recorded = c.req.query("recorded");
  const notice = recorded && /^\d{1,12}$/.test(recorded) ? `Recorded entry #${recorded}.` : undefined;
  return ledgerPage(c, 200, { notice });
});

donationsRoutes.post("/donations", formLimit, async (c) => {
  const form = await formFields(c);
  const values: DonationFormValues = form;
  const parsed = v.safeParse(DonationFormSchema, form);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const where = v.getDotPath(issue)?.replace(/_/g, " ");
    return ledgerPage(c, 400, { values, error: `Nothing recorded: ${where ? `${where} ` : ""}${issue.message}.` });
  }
  const f = parsed.output;
  const amountMinor = parseAmount(f.amount, f.currency);
  if (amountMinor === undefined) {
    return ledgerPage(c, 400, {
      values,
      error: `Nothing recorded: amount must be a number like 60.00 in ${f.currency}.`,
    });
  }
  const outcome = await recordDonation(
    c.env.DB,
    {
      paidOn: f.paid_on,
      amountMinor,
      currency: f.currency,
      fromMonth: f.from_month,
      toMonth: f.to_month,
      reference: f.reference || null,
      correctsId: f.corrects ? Number(f.corrects) : null,
      formId: f.form_id,
    },
    Date.now(),
  );
  switch (outcome.kind) {
    case "recorded":
      return c.redirect(`/admin/donations?recorded=${outcome.id}`, 303);
    case "repeated":
      return ledgerPage(c, 409, {
        error: `This form was sent already: it recorded entry #${outcome.id}. Nothing recorded again.`,
      });
    case "already-corrected":
      return ledgerPage(c, 409, {
        values,
        error: `Nothing recorded: entry #${f.corrects} was corrected already by #${outcome.by}; correct #${outcome.by} instead.`,
      });
    case "no-such-entry":
      return ledgerPage(c, 400, { values, error: `Nothing recorded: there is no entry #${f.corrects} to correct.` });
  }
});

/** A figure in the CSV: counts as they are, shares to 4 places, means to 3, nothing for a hidden one. */
function csvNumber(f: ReportFigure): string | number {
  if (f.value === null) return "";
  if (f.key === "csat" || f.key === "response_rate") return f.value.toFixed(4);
  if (f.key === "mean_rating") return f.value.toFixed(3);
  return f.value;
}

/**
 * The month's breakdowns (plan, first-reply target, reopened, assignee) and its response rate by team,
 * plan and channel (breakdown `response_rate_by_<dimension>`) as CSV; small groups carry counts only.
 */
donationsRoutes.get("/report.csv", async (c) => {
  const m = c.req.query("month") ?? utcMonth(Date.now());
  if (!isMonth(m)) return c.json({ error: "month must look like 2026-10" }, 400);
  const settings = settingsOf(c.env);
  const report = await computeReport(
    c.env.DB,
    m,
    {
      hedgehogCostMinor: settings.donation.hedgehogCostMinor,
      currency: settings.donation.currency,
      charity: settings.donation.charity,
    },
    settings.lowRatingReasons,
  );
  const b = report.breakdowns!;
  const noRate = RESPONSE_RATE_HEADS.map(() => "");
  const noCsat = GROUP_FIGURE_HEADS.map(() => "");
  const rows = [
    ...(Object.keys(BREAKDOWN_TITLES) as Array<keyof Breakdowns>).flatMap((dimension) =>
      b[dimension].map((g) => [m, dimension, g.label, ...groupFigures(g).map((f) => csvNumber(f)), ...noRate]),
    ),
    ...RESPONSE_RATE_DIMENSIONS.flatMap((dimension) =>
      report.responseRates![dimension].map((g) => [
        m,
        `response_rate_by_${dimension}`,
        g.label,
        ...noCsat,
        ...responseRateFigures(g).map((f) => csvNumber(f)),
      ]),
    ),
  ];
  const heads = [...GROUP_FIGURE_HEADS, ...RESPONSE_RATE_HEADS].map((f) => f.key);
  return c.body(csv(["month", "breakdown", "group", ...heads], rows), 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="report-breakdowns-${m}.csv"`,
  });
});
