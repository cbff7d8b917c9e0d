import { settingsOf } from "./config";
import { reclaimPendingAlerts } from "./alerts/alerts-store";
import { mailerFor } from "./dispatch/mailers";
import { selectAndEnqueue } from "./dispatch/select";
import { retryOwedReport, runMonthlyReport } from "./hedgehogs/monthly-job";
import { syncTickets } from "./dispatch/sync";
import { zendeskAccess } from "./dispatch/zendesk";
import type { Env } from "./env";
import { Meter, pruneJobRuns, recordJobRun } from "./lib/metered";
import { DAY_MS } from "./lib/time";
import { deliverPendingResponses } from "./survey/delivery";

export const EVERY_TEN_MINUTES = "*/10 * * * *";
export const MONTHLY_REPORT = "0 9 1 * *";

/** How long one run may keep reading Zendesk before it leaves the rest to the next run. */
export const SYNC_BUDGET_MS = 60_000;
/** A low-rating alert still pending this long after it was queued is queued again. */
const ALERT_REQUEUE_AFTER_MS = 15 * 60_000;
/** How long the record of each cron and queue run is kept (the admin dispatch page shows recent ones). */
const JOB_RUN_RETENTION_MS = 90 * DAY_MS;

/** The every-ten-minutes job: deliver pending answers to PostHog, sync Zendesk, and dispatch due surveys. */
export async function runEveryTenMinutes(env: Env, now: number): Promise<Record<string, unknown>> {
  const settings = settingsOf(env);
  const meter = new Meter();
  const db = meter.db(env.DB);
  const startedAt = Date.now();
  const summary: Record<string, unknown> = {};
  summary.posthog = await deliverPendingResponses(settings, db, now, undefined, meter.fetch);
  const access = zendeskAccess(settings.zendesk);
  if (access) {
    summary.sync = await syncTickets(db, access, {
      now,
      lookbackDays: settings.dispatch.lookbackDays,
      deadline: Date.now() + SYNC_BUDGET_MS,
      fetcher: meter.fetch,
    });
  } else {
    summary.sync = "skipped: ZENDESK_BASE_URL and credentials are not set";
  }
  const queue = meter.queue(env.DISPATCH);
  summary.dispatch = await selectAndEnqueue(db, queue, settings, now);
  const lostAlerts = await reclaimPendingAlerts(db, now, ALERT_REQUEUE_AFTER_MS, 100);
  for (const a of lostAlerts) await queue.send({ kind: "low-rating", ticketId: a.ticket_id, version: a.version });
  summary.alertsRequeued = lostAlerts.length;
  summary.report = await retryOwedReport(
    { db, settings, mailer: () => mailerFor(settings, env, meter.fetch, db), fetcher: meter.fetch },
    now,
  );
  summary.cost = meter.snapshot();
  await recordJobRun(env.DB, "every-ten-minutes", startedAt, meter, summary);
  await pruneJobRuns(env.DB, now - JOB_RUN_RETENTION_MS);
  console.log(`cron ${EVERY_TEN_MINUTES}: ${JSON.stringify(summary)}`);
  return summary;
}

/** The 1st-of-the-month job: last month's donation report, stored, emailed and captured once. */
export async function runMonthly(env: Env, now: number): Promise<Record<string, unknown>> {
  const settings = settingsOf(env);
  const meter = new Meter();
  const db = meter.db(env.DB);
  const startedAt = Date.now();
  const summary = await runMonthlyReport(
    { db, settings, mailer: () => mailerFor(settings, env, meter.fetch, db), fetcher: meter.fetch },
    now,
  );
  await recordJobRun(env.DB, "monthly-report", startedAt, meter, { ...summary, cost: meter.snapshot() });
  console.log(`cron ${MONTHLY_REPORT}: ${JSON.stringify(summary)}`);
  return summary;
}

/** Routes each cron expression in wrangler.toml to its job. `scheduledTime` is the job's "now". */
export async function runScheduled(controller: ScheduledController, env: Env): Promise<void> {
  switch (controller.cron) {
    case EVERY_TEN_MINUTES:
      await runEveryTenMinutes(env, controller.scheduledTime);
      break;
    case MONTHLY_REPORT:
      await runMonthly(env, controller.scheduledTime);
      break;
    default:
      console.warn(`cron ${controller.cron}: no job is registered for this schedule`);
  }
}
