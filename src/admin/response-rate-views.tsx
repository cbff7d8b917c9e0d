import {
  RESPONSE_RATE_DIMENSIONS,
  RESPONSE_RATE_HEADS,
  RESPONSE_RATE_MEANING,
  RESPONSE_RATE_TITLES,
  responseRateFigures,
  type ResponseRates,
} from "../hedgehogs/response-rates";
import { ScrollTable } from "./views";
import { ColumnHeads, numberColumn } from "../lib/column-heads";

/** Of the period's surveys, the share answered: one table by team, one by plan, one by channel. */
export function ResponseRateTables(props: { rates: ResponseRates | undefined }) {
  const rates = props.rates;
  if (!rates) return null;
  return (
    <section aria-labelledby="response-rates">
      <h2 id="response-rates">Response rate by team, plan and channel</h2>
      <p>{RESPONSE_RATE_MEANING}</p>
      {RESPONSE_RATE_DIMENSIONS.map((dimension) => (
        <>
          <h3>{RESPONSE_RATE_TITLES[dimension]}</h3>
          <ScrollTable label={RESPONSE_RATE_TITLES[dimension]}>
            <table>
              <ColumnHeads columns={["Group", ...RESPONSE_RATE_HEADS.map((f) => numberColumn(f.label))]} />
              <tbody>
                {rates[dimension].length === 0 ? (
                  <tr>
                    <td colspan={1 + RESPONSE_RATE_HEADS.length}>No surveys sent this month.</td>
                  </tr>
                ) : null}
                {rates[dimension].map((g) => (
                  <tr>
                    <td>{g.label}</td>
                    {responseRateFigures(g).map((f) => (
                      <td class="num">{f.shown}</td>
                    ))}
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
