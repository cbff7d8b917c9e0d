import { settingsOf, type Settings } from "../config";
import type { Env } from "../env";
import type { QueueMessage } from "../queue-message";
import { recordJobRun } from "./job-runs-store";
import { Meter } from "./metered";

/** What every cron job and queue consumer works with: parsed settings, metered D1, fetch and queue. */
export interface JobContext {
  env: Env;
  settings: Settings;
  db: D1Database;
  fetcher: typeof fetch;
  queue: Queue<QueueMessage>;
  meter: Meter;
}

export type StepOutcome<T> = T | { error: string };

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs one job: sets up settings and metering, runs `work`, and records the run (its summary and
 * cost, or the error that stopped it) in job_runs. It never throws: one job's failure is recorded,
 * not passed on.
 */
export async function runJob<S extends object>(
  env: Env,
  name: string,
  work: (ctx: JobContext) => Promise<S>,
): Promise<StepOutcome<S>> {
  const startedAt = Date.now();
  const meter = new Meter();
  let outcome: StepOutcome<S>;
  try {
    const ctx: JobContext = {
      env,
      settings: settingsOf(env),
      db: meter.db(env.DB),
      fetcher: meter.fetch,
      queue: meter.queue(env.DISPATCH),
      meter,
    };
    outcome = await work(ctx);
  } catch (err) {
    console.error(`job ${name} failed:`, err);
    outcome = { error: describe(err) };
  }
  try {
    await recordJobRun(env.DB, name, startedAt, meter, { ...outcome, cost: meter.snapshot() });
  } catch (err) {
    console.error(`job ${name}: could not record the run:`, err);
  }
  console.log(`job ${name}: ${JSON.stringify(outcome)}`);
  return outcome;
}

/** One step of a job, on its own: its error is its outcome, and the steps after it still run. */
export async function step<T>(name: string, work: () => Promise<T>): Promise<StepOutcome<T>> {
  try {
    return await work();
  } catch (err) {
    console.error(`step ${name} failed:`, err);
    return { error: describe(err) };
  }
}
