import { BREAKDOWN_TITLES, MIN_GROUP_ANSWERS, type Breakdowns } from "../hedgehogs/breakdowns";
import { formatMean, formatPercent, type MonthlyReport } from "../hedgehogs/report";
import { ScrollTable } from "./views";

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
      {(Object.keys(BREAKDOWN_TITLES) as Array<keyof Breakdowns>).map((dimension) => (
        <>
          <h3>{BREAKDOWN_TITLES[dimension]}</h3>
          <ScrollTable label={BREAKDOWN_TITLES[dimension]}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col" class="num">
                    Answers
                  </th>
                  <th scope="col" class="num">
                    CSAT
                  </th>
                  <th scope="col" class="num">
                    Mean
                  </th>
                </tr>
              </thead>
              <tbody>
                {b[dimension].length === 0 ? (
                  <tr>
                    <td colspan={4}>No answers this month.</td>
                  </tr>
                ) : null}
                {b[dimension].map((g) => (
                  <tr>
                    <td>{g.label}</td>
                    <td class="num">{g.responses.toLocaleString("en-GB")}</td>
                    <td class="num">{g.small ? "too few" : formatPercent(g.csat)}</td>
                    <td class="num">{g.small ? "too few" : formatMean(g.meanRating)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollTable>
        </>
      ))}
    </section>
  );
}
