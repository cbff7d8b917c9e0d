import type { RenderedEmail } from "../dispatch/email";
import { formatMean, formatMoney, formatPercent, monthName, reportText, type MonthlyReport } from "./report";

const cell = "padding:6px 8px;border-bottom:1px solid #d8d4ca;text-align:left";

/** The donor's email: the month's hedgehogs and what to pay, then CSAT for the team. */
export function renderReportEmail(r: MonthlyReport): Omit<RenderedEmail, "headers"> {
  const amount = formatMoney(r.donation.amountMinor, r.donation.currency);
  const subject = `Hedgehog donation report for ${monthName(r.month)}: ${r.hedgehogs.toLocaleString("en-GB")} hedgehogs, ${amount}`;
  const rows: Array<[string, string]> = [
    ["Hedgehogs fed", `${r.hedgehogs.toLocaleString("en-GB")} (${r.runningHedgehogs.toLocaleString("en-GB")} in all)`],
    ["Donation", `${amount} to ${r.donation.charity}`],
    ["Surveys emailed", r.surveysEmailed.toLocaleString("en-GB")],
    ["Responses", r.responses.toLocaleString("en-GB")],
    ["Response rate", formatPercent(r.responseRate)],
    ["CSAT (4-5 ratings)", formatPercent(r.csat)],
    ["Mean rating", formatMean(r.meanRating)],
  ];
  const html =
    "<!doctype html>" +
    String(
      <html lang="en">
        <body style="margin:0;padding:16px;background:#f6f4ef;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1d1f24">
          <div style="max-width:560px;margin:0 auto;background:#fff;border:1px solid #d8d4ca;border-radius:12px;padding:20px">
            <h1 style="font-size:20px;margin:0 0 12px">Hedgehog donation report: {monthName(r.month)}</h1>
            <p style="font-size:18px;margin:0 0 16px">
              Please donate <strong>{amount}</strong> to {r.donation.charity} for {r.hedgehogs.toLocaleString("en-GB")}{" "}
              hedgehogs.
            </p>
            <table
              role="presentation"
              cellpadding="0"
              cellspacing="0"
              style="width:100%;border-collapse:collapse;font-size:14px"
            >
              {rows.map(([k, v]) => (
                <tr>
                  <th style={cell}>{k}</th>
                  <td style={cell}>{v}</td>
                </tr>
              ))}
            </table>
            <h2 style="font-size:16px;margin:20px 0 8px">By team</h2>
            <table cellpadding="0" cellspacing="0" style="width:100%;border-collapse:collapse;font-size:14px">
              <tr>
                <th style={cell}>Team</th>
                <th style={cell}>Responses</th>
                <th style={cell}>CSAT</th>
                <th style={cell}>Mean</th>
              </tr>
              {r.teams.map((t) => (
                <tr>
                  <td style={cell}>{t.team}</td>
                  <td style={cell}>{t.responses.toLocaleString("en-GB")}</td>
                  <td style={cell}>{formatPercent(t.csat)}</td>
                  <td style={cell}>{formatMean(t.meanRating)}</td>
                </tr>
              ))}
            </table>
          </div>
        </body>
      </html>,
    );
  return { subject, html, text: reportText(r) };
}
