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
} from "./report";
import {
  RESPONSE_RATE_DIMENSIONS,
  RESPONSE_RATE_HEADS,
  RESPONSE_RATE_MEANING,
  RESPONSE_RATE_TITLES,
  responseRateFigures,
  type ResponseRates,
} from "./response-rates";

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
        <h2 style="font-size:16px;margin:20px 0 8px">By team</h2>
        <table cellpadding="0" cellspacing="0" border={0} style={table}>
          <tr>
            <th style={cell}>Team</th>
            {GROUP_FIGURE_HEADS.map((f) => (
              <th style={cell}>{f.label}</th>
            ))}
          </tr>
          {r.teams.map((t) => (
            <tr>
              <td style={cell}>{t.team}</td>
              {groupFigures(t).map((f) => (
                <td style={cell}>{f.shown}</td>
              ))}
            </tr>
          ))}
        </table>
        {r.responseRates ? <ResponseRateEmailTables rates={r.responseRates} /> : null}
      </>
    ),
  });
  return { subject, html, text: reportText(r) };
}

/** The period's response rate by team, plan and channel, one small table each. */
function ResponseRateEmailTables(props: { rates: ResponseRates }) {
  return (
    <>
      <p style="font-size:14px;margin:20px 0 0">{RESPONSE_RATE_MEANING}</p>
      {RESPONSE_RATE_DIMENSIONS.map((dimension) => (
        <>
          <h2 style="font-size:16px;margin:20px 0 8px">{RESPONSE_RATE_TITLES[dimension]}</h2>
          <table cellpadding="0" cellspacing="0" border={0} style={table}>
            <tr>
              <th style={cell}>Group</th>
              {RESPONSE_RATE_HEADS.map((f) => (
                <th style={cell}>{f.label}</th>
              ))}
            </tr>
            {props.rates[dimension].map((g) => (
              <tr>
                <td style={cell}>{g.label}</td>
                {responseRateFigures(g).map((f) => (
                  <td style={cell}>{f.shown}</td>
                ))}
              </tr>
            ))}
          </table>
        </>
      ))}
    </>
  );
}
