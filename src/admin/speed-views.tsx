import { BREAKDOWN_TITLES, MIN_GROUP_ANSWERS, POSTHOG_SUPPORT_BREAKDOWN_TITLES } from "../hedgehogs/breakdowns";
import { formatMean, formatPercent, type MonthlyReport } from "../hedgehogs/report";
import { ScrollTable } from "./views";
import { formatCount } from "../lib/format";
import { ColumnHeads, numberColumn } from "../lib/column-heads";

/** "Is it our speed?": the month's CSAT by plan, first-reply target, reopened and assignee. */
export function SpeedBreakdowns(props: { report: MonthlyReport }) {
  const r = props.report;
  const b = r.breakdowns;
  if (!b) return null;
  return (
    <section aria-labelledby="speed">
      <h2 id="speed">Is it our speed?</h2>
      <p>
        {r.speedFinding ?? "No answer this month had a first-reply target (set ZENDESK_PLAN_FIELD_ID)."} Groups of fewer
        than {MIN_GROUP_ANSWERS} answers show their count only.{" "}
        <a href={`/admin/report.csv?month=${r.month}`}>Breakdowns as CSV</a>
      </p>
      <BreakdownTables titles={BREAKDOWN_TITLES} breakdowns={b} />
      {r.posthogSupport ? (
        <BreakdownTables titles={POSTHOG_SUPPORT_BREAKDOWN_TITLES} breakdowns={r.posthogSupport} />
      ) : null}
    </section>
  );
}

/** One table per breakdown, under its title. */
function BreakdownTables<K extends string>(props: { titles: Record<K, string>; breakdowns: Record<K, CsatRow[]> }) {
  return (
    <>
      {(Object.keys(props.titles) as K[]).map((dimension) => (
        <>
          <h3>{props.titles[dimension]}</h3>
          <CsatTable
            label={props.titles[dimension]}
            groupHeading="Group"
            countHeading="Answers"
            empty="No answers this month."
            rows={props.breakdowns[dimension]}
          />
        </>
      ))}
    </>
  );
}

interface CsatRow {
  label: string;
  responses: number;
  csat: number | null;
  meanRating: number | null;
  /** Too few answers to show their CSAT and mean. */
  small?: boolean;
}

/** Groups of answers (teams, plans, assignees…) with their count, CSAT and mean rating. */
export function CsatTable(props: {
  label: string;
  groupHeading: string;
  countHeading: string;
  empty: string;
  rows: CsatRow[];
}) {
  return (
    <ScrollTable label={props.label}>
      <table>
        <ColumnHeads
          columns={[props.groupHeading, numberColumn(props.countHeading), numberColumn("CSAT"), numberColumn("Mean")]}
        />
        <tbody>
          {props.rows.length === 0 ? (
            <tr>
              <td colspan={4}>{props.empty}</td>
            </tr>
          ) : null}
          {props.rows.map((g) => (
            <tr>
              <td>{g.label}</td>
              <td class="num">{formatCount(g.responses)}</td>
              <td class="num">{g.small ? "too few" : formatPercent(g.csat)}</td>
              <td class="num">{g.small ? "too few" : formatMean(g.meanRating)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollTable>
  );
}
