import { ColumnHeads, numberColumn } from "../lib/column-heads";
import { formatCount } from "../lib/format";
import { plural } from "../lib/plural";
import type { ClientGuesses } from "./guesses-store";
import {
  FAILURE_MEMORY_MS,
  FIRST_WAIT_MS,
  FREE_FAILURES,
  MAX_WAIT_MS,
  retryAfterSeconds,
  UNKNOWN_CLIENT,
} from "./guessing";
import { formatTime, ScrollTable } from "./views";

/** The wait a client has left, in words ("—" when none). */
function waitLeft(waitUntil: number, now: number): string {
  return waitUntil > now ? plural(retryAfterSeconds(waitUntil, now), "second") : "—";
}

/** The admin page's table of wrong admin tokens by client: who is guessing, and how far they are held back. */
export function WrongTokens(props: { rows: ClientGuesses[]; now: number }) {
  const hours = FAILURE_MEMORY_MS / 3600_000;
  return (
    <section aria-labelledby="wrong-tokens-title">
      <h2 id="wrong-tokens-title">Wrong admin tokens</h2>
      <p>
        By client address, over the last {plural(hours, "hour")}. After {FREE_FAILURES} wrong tokens in a row a client
        waits before each further try ({plural(FIRST_WAIT_MS / 1000, "second")}, doubling up to{" "}
        {plural(MAX_WAIT_MS / 1000, "second")}); a right token after the wait clears its count.
      </p>
      {props.rows.length === 0 ? (
        <p>No wrong admin token was given.</p>
      ) : (
        <ScrollTable label="Wrong admin tokens">
          <table>
            <ColumnHeads columns={["Client", numberColumn("Wrong tokens"), "Last", "Came by", "Waiting now"]} />
            <tbody>
              {props.rows.map((r) => (
                <tr>
                  <td>
                    <code>{r.client}</code>
                    {r.client === UNKNOWN_CLIENT ? " (no CF-Connecting-IP)" : ""}
                  </td>
                  <td class="num">{formatCount(r.failures)}</td>
                  <td class="nowrap">{formatTime(r.lastFailureAt)}</td>
                  <td>{r.lastVia}</td>
                  <td>{waitLeft(r.waitUntil, props.now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollTable>
      )}
    </section>
  );
}
