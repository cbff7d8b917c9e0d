import type { Child } from "hono/jsx";
import { formatMoney, monthName, reportFigures, type MonthlyReport } from "../hedgehogs/report";
import { CsatLines, HedgehogBars } from "./charts";
import { CsatTable, SpeedBreakdowns } from "./speed-views";
import { ResponseRateTables } from "./response-rate-views";
import type { LowRating } from "./low-ratings-store";
import { AdminPage, formatTime, ScrollTable, TicketLink } from "./views";
import type { TicketPageSettings } from "../services/ticket-pages";
import { formatCount } from "../lib/format";
import { plural } from "../lib/plural";
import { ColumnHeads, numberColumn } from "../lib/column-heads";

interface ReportPageProps {
  report: MonthlyReport;
  months: string[];
  emailedAt: number | null;
  hedgehogSeries: Array<{ month: string; hedgehogs: number }>;
  csatMonths: string[];
  csatTeams: Array<{ team: string; csat: Array<number | null> }>;
  today: string;
  monthStart: string;
  /** The daily PostHog check's findings, when something is wrong (posthog-setup-notice.tsx). */
  notice?: Child;
  /** Wrong admin tokens by client (guesses-views.tsx). */
  wrongTokens: Child;
}

export function ReportPage(props: ReportPageProps) {
  const r = props.report;
  return (
    <AdminPage title={`Report: ${monthName(r.month)}`} current="/admin">
      <MonthPicker month={r.month} months={props.months} />
      {props.notice}
      <ReportSummary report={r} emailedAt={props.emailedAt} />
      <h2>By team</h2>
      <CsatTable
        label="By team"
        groupHeading="Team"
        empty="No responses this month."
        rows={r.teams.map((t) => ({ ...t, label: t.team }))}
      />
      <ResponseRateTables rates={r.responseRates} />
      <SpeedBreakdowns report={r} />
      <ReportCharts {...props} />
      <h2>Download responses</h2>
      <ResponsesDownload from={props.monthStart} to={props.today} />
      {props.wrongTokens}
    </AdminPage>
  );
}

/** Which month's report to show, and the same report as JSON or as the donor's email. */
function MonthPicker(props: { month: string; months: string[] }) {
  return (
    <form method="get" action="/admin" class="filters">
      <label>
        Month{" "}
        <select name="month">
          {props.months.map((m) => (
            <option value={m} selected={m === props.month}>
              {monthName(m)}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Show</button>
      <a href={`/admin/report.json?month=${props.month}`}>Report as JSON</a>
      <a href={`/admin/report/preview?month=${props.month}`}>Preview the donor's email</a>
    </form>
  );
}

/** The running total and the month's donation, whether the donor was emailed, and the month's figures. */
function ReportSummary(props: { report: MonthlyReport; emailedAt: number | null }) {
  const r = props.report;
  const cards = reportFigures(r).map((f): [string, string] => [f.label, f.shown]);
  return (
    <>
      <p class="big">
        {plural(r.runningHedgehogs, "hedgehog")} fed so far. For {monthName(r.month)}: donate{" "}
        {formatMoney(r.donation.amountMinor, r.donation.currency)} to {r.donation.charity}.
      </p>
      <p>
        {props.emailedAt
          ? `Emailed to the donor on ${formatTime(props.emailedAt)}.`
          : "Not emailed yet (the report goes out on the 1st of the next month)."}
      </p>
      <div class="cards">
        {cards.map(([label, value]) => (
          <div>
            <strong>{value}</strong>
            {label}
          </div>
        ))}
      </div>
      {r.verifiedBy ? (
        <p class="verified-by">
          Answers by how their link was verified: {formatCount(r.verifiedBy.signature)} from signed links,{" "}
          {formatCount(r.verifiedBy.zendesk)} from Zendesk links checked against the ticket
          {r.verifiedBy.posthogSupport
            ? `, ${formatCount(r.verifiedBy.posthogSupport)} from PostHog Workflow links checked against PostHog Support`
            : ""}
          .
        </p>
      ) : null}
    </>
  );
}

/** Hedgehogs per month and CSAT per team per month, each with a sentence when there is nothing to draw yet. */
function ReportCharts(props: Pick<ReportPageProps, "hedgehogSeries" | "csatMonths" | "csatTeams">) {
  return (
    <>
      <h2>Hedgehogs per month</h2>
      {props.hedgehogSeries.length === 0 ? (
        <p>No hedgehogs fed yet: the chart starts with the first answer.</p>
      ) : (
        <HedgehogBars data={props.hedgehogSeries} title="Hedgehogs fed per month" />
      )}
      <h2>CSAT by team{props.csatMonths.length > 1 ? `, last ${props.csatMonths.length} months` : ""}</h2>
      {props.csatMonths.length === 0 ? (
        <p>No answers yet.</p>
      ) : (
        <CsatLines
          months={props.csatMonths}
          teams={props.csatTeams}
          title="CSAT (share of 4-5 ratings) by team and month"
        />
      )}
    </>
  );
}

/** The CSV of responses first given between two days (the month so far by default). */
function ResponsesDownload(props: { from: string; to: string }) {
  return (
    <form method="get" action="/admin/responses.csv" class="filters">
      <label>
        From <input type="date" name="from" value={props.from} required />
      </label>
      <label>
        To <input type="date" name="to" value={props.to} required />
      </label>
      <button type="submit">Download CSV</button>
    </form>
  );
}

export function LowRatingsPage(props: { rows: LowRating[]; ticketPages: TicketPageSettings }) {
  return (
    <AdminPage title="Recent low ratings" current="/admin/low-ratings">
      <p>
        Answers of 1 or 2, newest first. Each is also sent to its ticket as an internal note and to the team's Slack;
        the last column says how that went.
      </p>
      {props.rows.length === 0 ? <p>No low ratings. 🦔</p> : null}
      <ScrollTable label="Low ratings">
        <table>
          <ColumnHeads columns={["When", "Ticket", "Team", numberColumn("Rating"), "Comment", "Note / Slack"]} />
          <tbody>
            {props.rows.map((r) => (
              <tr>
                <td>{formatTime(r.updatedAt)}</td>
                <td>
                  <TicketLink ticketId={r.ticketId} ticketNumber={r.ticketNumber} pages={props.ticketPages} />
                </td>
                <td>{r.team}</td>
                <td class="num">{r.rating}</td>
                <td class="comment">{r.comment ?? ""}</td>
                <td>
                  {r.zendeskStatus ?? "—"} / {r.slackStatus ?? "—"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollTable>
    </AdminPage>
  );
}
