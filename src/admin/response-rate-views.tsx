import {
  RESPONSE_RATE_HEADS,
  RESPONSE_RATE_MEANING,
  responseRateTables,
  type ResponseRates,
} from "../hedgehogs/response-rates";
import { GroupTable } from "./speed-views";

/** Of the period's surveys, the share answered: one table by team, one by plan, one by channel. */
export function ResponseRateTables(props: { rates: ResponseRates | undefined }) {
  if (!props.rates) return null;
  return (
    <section aria-labelledby="response-rates">
      <h2 id="response-rates">Response rate by team, plan and channel</h2>
      <p>{RESPONSE_RATE_MEANING}</p>
      {responseRateTables(props.rates).map((t) => (
        <>
          <h3>{t.title}</h3>
          <GroupTable
            label={t.title}
            groupHeading="Group"
            empty="No surveys sent this month."
            rows={t.rows}
            heads={RESPONSE_RATE_HEADS}
            figures={(row) => row.figures}
          />
        </>
      ))}
    </section>
  );
}
