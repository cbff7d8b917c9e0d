import { BREAKDOWN_TITLES, MIN_GROUP_ANSWERS, POSTHOG_SUPPORT_BREAKDOWN_TITLES } from "../hedgehogs/breakdowns";
import {
  GROUP_FIGURE_HEADS,
  groupFigures,
  type GroupOfAnswers,
  type MonthlyReport,
  type ReportFigure,
} from "../hedgehogs/report";
import { ScrollTable } from "./views";
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
            empty="No answers this month."
            rows={props.breakdowns[dimension]}
          />
        </>
      ))}
    </>
  );
}

interface CsatRow extends GroupOfAnswers {
  label: string;
}

/** Groups of answers (teams, plans, assignees…) with their count, CSAT and mean rating. */
export function CsatTable(props: { label: string; groupHeading: string; empty: string; rows: CsatRow[] }) {
  return <GroupTable {...props} heads={GROUP_FIGURE_HEADS} figures={groupFigures} />;
}

/** One row per group: its label, then its figures as `figures` shows them, under `heads`. */
export function GroupTable<R extends { label: string }>(props: {
  label: string;
  groupHeading: string;
  empty: string;
  rows: R[];
  heads: ReadonlyArray<{ label: string }>;
  figures: (row: R) => ReportFigure[];
}) {
  return (
    <ScrollTable label={props.label}>
      <table>
        <ColumnHeads columns={[props.groupHeading, ...props.heads.map((f) => numberColumn(f.label))]} />
        <tbody>
          {props.rows.length === 0 ? (
            <tr>
              <td colspan={1 + props.heads.length}>{props.empty}</td>
            </tr>
          ) : null}
          {props.rows.map((g) => (
            <tr>
              <td>{g.label}</td>
              {props.figures(g).map((f) => (
                <td class="num">{f.shown}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollTable>
  );
}
