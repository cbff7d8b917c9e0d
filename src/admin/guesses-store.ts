import { FAILURE_MEMORY_MS, WAITS_BY_FAILURES } from "./guessing";

/** How a wrong token came: the sign-in form or an API client's bearer header. */
export type GuessVia = "sign-in form" | "bearer header";

/** A try from a client, as D1 decided it: let through, or refused because the client still waits. */
export type TryVerdict = { waiting: false } | { waiting: true; waitUntil: number };

/** A client's recent wrong tokens, for the admin page. */
export interface ClientGuesses {
  client: string;
  failures: number;
  lastFailureAt: number;
  waitUntil: number;
  lastVia: string;
}

/**
 * Counts a wrong token from the client, unless the client is still waiting (then nothing is counted
 * and the try is refused). One statement decides and counts, so concurrent tries are serialized by
 * D1: once the count reaches a wait, every try that comes after it is refused, however many arrive
 * at once. A count whose last wrong token is older than FAILURE_MEMORY_MS starts again at 1. The
 * wait for each count comes from WAITS_BY_FAILURES (guessing.ts), bound as JSON (D1 binds a number as
 * REAL, hence the CAST in the JSON path's index).
 */
export async function countWrongToken(db: D1Database, client: string, via: GuessVia, now: number): Promise<TryVerdict> {
  const counted = `iif(last_failure_at > ?5, failures + 1, 1)`;
  const [upsert, current] = await db.batch<{ wait_until: number }>([
    db
      .prepare(
        `INSERT INTO admin_guesses (client, failures, last_failure_at, wait_until, last_via)
         VALUES (?1, 1, ?2, ?2 + json_extract(?3, '$[1]'), ?4)
         ON CONFLICT (client) DO UPDATE SET
           failures = ${counted},
           wait_until = ?2 + json_extract(?3, '$[' || CAST(min(${counted}, ?6) AS INTEGER) || ']'),
           last_failure_at = ?2,
           last_via = ?4
         WHERE wait_until <= ?2
         RETURNING wait_until`,
      )
      .bind(client, now, JSON.stringify(WAITS_BY_FAILURES), via, now - FAILURE_MEMORY_MS, WAITS_BY_FAILURES.length - 1),
    // In the same transaction: when the count was not taken, the wait that refused it.
    db.prepare(`SELECT wait_until FROM admin_guesses WHERE client = ?1`).bind(client),
  ]);
  if (upsert!.results.length > 0) return { waiting: false };
  return { waiting: true, waitUntil: current!.results[0]?.wait_until ?? now };
}

/**
 * A right token from the client: its count ends, unless the client is still waiting, when the try is
 * refused as any other would be (so a guess during the wait learns nothing). Both in one transaction.
 */
export async function acceptRightToken(db: D1Database, client: string, now: number): Promise<TryVerdict> {
  const [, waiting] = await db.batch<{ wait_until: number }>([
    db.prepare(`DELETE FROM admin_guesses WHERE client = ?1 AND wait_until <= ?2`).bind(client, now),
    db.prepare(`SELECT wait_until FROM admin_guesses WHERE client = ?1`).bind(client),
  ]);
  const waitUntil = waiting!.results[0]?.wait_until;
  return waitUntil === undefined ? { waiting: false } : { waiting: true, waitUntil };
}

/** The clients with wrong tokens remembered, the latest first. */
export async function recentGuesses(db: D1Database, now: number, limit: number): Promise<ClientGuesses[]> {
  const { results } = await db
    .prepare(
      `SELECT client, failures, last_failure_at AS lastFailureAt, wait_until AS waitUntil, last_via AS lastVia
       FROM admin_guesses WHERE last_failure_at > ?1 ORDER BY last_failure_at DESC LIMIT ?2`,
    )
    .bind(now - FAILURE_MEMORY_MS, limit)
    .all<ClientGuesses>();
  return results;
}

/** Forgets clients whose last wrong token is older than FAILURE_MEMORY_MS (none of them is waiting). */
export async function pruneGuesses(db: D1Database, now: number): Promise<number> {
  const result = await db
    .prepare(`DELETE FROM admin_guesses WHERE last_failure_at <= ?1 AND wait_until <= ?2`)
    .bind(now - FAILURE_MEMORY_MS, now)
    .run();
  return result.meta.changes ?? 0;
}
