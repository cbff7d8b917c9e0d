import { emailDocument, type RenderedEmail } from "../lib/email-shell";
import { plural } from "../lib/plural";
import {
  formatMoney,
  GROUP_FIGURE_HEADS,
  groupFigures,
  ledgerLine,
  monthName,
  reportFigures,
  reportText,
  type MonthlyReport,
  type ReportFigure,
} from "./report";
import { RESPONSE_RATE_HEADS, RESPONSE_RATE_MEANING, responseRateTables, type ResponseRates } from "./response-rates";

// Cells wrap long team names rather than widen the table: nothing scrolls sideways at 320 px.
const cell =
  "padding:6px 4px;border-bottom:1px solid #d8d4ca;text-align:left;vertical-align:top;overflow-wrap:anywhere;word-break:break-word";
const table = "width:100%;border-collapse:collapse;font-size:14px;table-layout:fixed";

/** The donor's email: the month's hedgehogs and what to pay, then CSAT for the team. */
export function renderReportEmail(r: MonthlyReport): Omit<RenderedEmail, "headers"> {
  const amount = formatMoney(r.donation.amountMinor, r.donation.currency);
  const subject = `Hedgehog donation report for ${monthName(r.month)}: ${plural(r.hedgehogs, "hedgehog")}, ${amount}`;
  const rows: Array<[string, string]> = [
    ...reportFigures(r).map((f): [string, string] => [f.label, f.shown]),
    ...(r.ledger ? [["Donations to date", ledgerLine(r.ledger)] as [string, string]] : []),
  ];
  const html = emailDocument({
    title: subject,
    preheader: `Please donate ${amount} to ${r.donation.charity} for ${plural(r.hedgehogs, "hedgehog")}.`,
    maxWidth: 560,
    children: (
      <>
        <h1 style="font-size:20px;line-height:1.3;margin:0 0 12px">Hedgehog donation report: {monthName(r.month)}</h1>
        <p style="font-size:18px;margin:0 0 16px">
          Please donate <strong>{amount}</strong> to {r.donation.charity} for {plural(r.hedgehogs, "hedgehog")}.
        </p>
        {r.speedFinding ? <p style="font-size:16px;margin:0 0 16px">{r.speedFinding}</p> : null}
        <table role="presentation" cellpadding="0" cellspacing="0" border={0} style={table}>
          {rows.map(([k, v]) => (
            <tr>
              <th style={cell}>{k}</th>
              <td style={cell}>{v}</td>
            </tr>
          ))}
        </table>
        <EmailGroupTable
          title="By team"
          groupHeading="Team"
          heads={GROUP_FIGURE_HEADS}
          rows={r.teams.map((t) => ({ label: t.team, figures: groupFigures(t) }))}
        />
        {r.responseRates ? <ResponseRateEmailTables rates={r.responseRates} /> : null}
      </>
    ),
  });
  return { subject, html, text: reportText(r) };
}

/** A titled table of groups (teams, plans, channels): each group's label, then its figures. */
function EmailGroupTable(props: {
  title: string;
  groupHeading: string;
  heads: ReadonlyArray<{ label: string }>;
  rows: Array<{ label: string; figures: ReportFigure[] }>;
}) {
  return (
    <>
      <h2 style="font-size:16px;margin:20px 0 8px">{props.title}</h2>
      <table cellpadding="0" cellspacing="0" border={0} style={table}>
        <tr>
          <th style={cell}>{props.groupHeading}</th>
          {props.heads.map((f) => (
            <th style={cell}>{f.label}</th>
          ))}
        </tr>
        {props.rows.map((row) => (
          <tr>
            <td style={cell}>{row.label}</td>
            {row.figures.map((f) => (
              <td style={cell}>{f.shown}</td>
            ))}
          </tr>
        ))}
      </table>
    </>
  );
}

/** The period's response rate by team, plan and channel, one small table each. */
function ResponseRateEmailTables(props: { rates: ResponseRates }) {
  const tables = responseRateTables(props.rates);
  // Every table rolls up the same surveys: one empty, all empty.
  if (tables.every((t) => t.rows.length === 0)) return null;
  return (
    <>
      <p style="font-size:14px;margin:20px 0 0">{RESPONSE_RATE_MEANING}</p>
      {tables.map((t) => (
        <EmailGroupTable title={t.title} groupHeading="Group" heads={RESPONSE_RATE_HEADS} rows={t.rows} />
      ))}
    </>
  );
}
