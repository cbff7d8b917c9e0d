import { checkSupportTimeZone } from "./config";
import { keyLegacyHashes } from "./dispatch/fingerprint-job";
import { selectAndEnqueue } from "./dispatch/select-job";
import { selectReminders } from "./dispatch/reminder-job";
import { requeueFollowups } from "./followups/outbox";
import { syncTickets, type SyncReport } from "./dispatch/sync-job";
import { retryOwedReport, runMonthlyReport } from "./hedgehogs/monthly-job";
import { runWeeklyDigests } from "./hedgehogs/digest-job";
import type { Env } from "./env";
import { runJob, step, type JobContext } from "./lib/job-runner";
import { pruneGuesses } from "./admin/guesses-store";
import { endOtherTokensSessions, tokenFingerprint } from "./admin/sessions-store";
import { pruneJobRuns } from "./lib/job-runs-store";
import { DAY_MS } from "./lib/time";
import { pollPostHogSupport, type PollReport } from "./dispatch/posthog-support-sync-job";
import { pruneDeliveries } from "./dispatch/posthog-support-store";
import { postHogSupportAccess } from "./services/posthog-support";
import { mailerFor } from "./services/mailer-for";
import { zendeskAccess } from "./services/zendesk";
import { deliverPendingEvents } from "./survey/delivery-job";
import { pruneLookups } from "./survey/ticket-facts-store";
import { dailyPostHogCheck } from "./survey/posthog-check-job";

export const EVERY_TEN_MINUTES = "*/10 * * * *";
export const MONTHLY_REPORT = "0 9 1 * *";

/** How long one run may keep reading Zendesk before it leaves the rest to the next run. */
const SYNC_BUDGET_MS = 60_000;
/** How long one run may spend keying the bare address hashes of older rows. */
const FINGERPRINT_BUDGET_MS = 20_000;
/** How long one run may keep listing PostHog Support's tickets. */
const POLL_BUDGET_MS = 30_000;
/** How long the record of each cron and queue run is kept (the admin dispatch page shows recent ones). */
const JOB_RUN_RETENTION_MS = 90 * DAY_MS;

const reportDeps = (ctx: JobContext) => ({
  db: ctx.db,
  settings: ctx.settings,
  mailer: () => mailerFor(ctx.settings, ctx.env, { db: ctx.db, fetcher: ctx.fetcher }),
  fetcher: ctx.fetcher,
});

async function syncStep(
  ctx: JobContext,
  now: number,
  dispatchSoFar: () => Promise<unknown>,
): Promise<SyncReport | string> {
  if (!ctx.settings.ticketSources.includes("zendesk")) return "skipped: TICKET_SOURCES does not include zendesk";
  const access = zendeskAccess(ctx.settings.zendesk);
  if (!access) return "skipped: ZENDESK_BASE_URL and credentials are not set";
  checkSupportTimeZone(ctx.settings);
  return syncTickets(ctx.db, access, {
    now,
    lookbackDays: ctx.settings.dispatch.lookbackDays,
    deadline: Date.now() + SYNC_BUDGET_MS,
    requestsPerMinute: ctx.settings.zendesk.exportRequestsPerMinute,
    fingerprintKey: ctx.settings.addressFingerprintKey,
    support: ctx.settings.support,
    fetcher: ctx.fetcher,
    onProgress: async () => {
      await dispatchSoFar();
    },
  });
}

async function pollStep(ctx: JobContext, now: number): Promise<PollReport | string> {
  if (!ctx.settings.ticketSources.includes("posthog-support"))
    return "skipped: TICKET_SOURCES does not include posthog-support";
  const access = postHogSupportAccess(ctx.settings.posthog);
  if (!access) return "skipped: POSTHOG_PERSONAL_API_KEY and POSTHOG_PROJECT_ID are not set";
  return pollPostHogSupport(ctx.db, access, {
    now,
    fingerprintKey: ctx.settings.addressFingerprintKey,
    lookbackDays: ctx.settings.dispatch.lookbackDays,
    deadline: Date.now() + POLL_BUDGET_MS,
    fetcher: ctx.fetcher,
  });
}

/**
 * The every-ten-minutes job: deliver pending answers and first views to PostHog, key older rows' bare
 * address hashes (new surveys wait until no known address has one), sync Zendesk, dispatch due surveys and
 * reminders, queue answers' follow-ups again (a lost message, an alert whose day has come), retry an owed
 * report, store and send the teams' Monday digests. Each step runs on its own: one that throws is
 * recorded with its error and the others still run.
 */
function runEveryTenMinutes(env: Env, now: number) {
  return runJob(env, "every-ten-minutes", async (ctx) => ({
    posthog: await step("posthog", () => deliverPendingEvents(ctx.settings, ctx.db, now, { fetcher: ctx.fetcher })),
    fingerprints: await step("fingerprints", () =>
      keyLegacyHashes(ctx.db, ctx.settings.addressFingerprintKey, Date.now() + FINGERPRINT_BUDGET_MS),
    ),
    // A long export is dispatched as it is read, one quota's worth of pages at a time.
    sync: await step("sync", () =>
      syncStep(ctx, now, async () => {
        if (ctx.settings.surveyEmails !== "off") await selectAndEnqueue(ctx.db, ctx.queue, ctx.settings, now, {});
      }),
    ),
    posthogSupport: await step("posthog-support", () => pollStep(ctx, now)),
    dispatch: await step("dispatch", async () =>
      selectAndEnqueue(ctx.db, ctx.queue, ctx.settings, now, {
        // Off: no new claims, but claims made before the switch are still queued, to be skipped.
        newClaims: ctx.settings.surveyEmails !== "off",
      }),
    ),
    // After the surveys, so a survey claimed this run counts for a reminder's throttle.
    reminders: await step("reminders", () =>
      selectReminders(ctx.db, ctx.queue, ctx.settings, now, { newClaims: ctx.settings.surveyEmails !== "off" }),
    ),
    followupsRequeued: await step("follow-ups", () => requeueFollowups(ctx.db, ctx.queue, now)),
    report: await step("report", () => retryOwedReport(reportDeps(ctx), now)),
    // Due from Monday 09:00 in SUPPORT_TIMEZONE; a Monday without a run is caught up later that week.
    digest: await step("digest", () => runWeeklyDigests(reportDeps(ctx), now)),
    posthogSetup: await step("posthog-setup", () => dailyPostHogCheck(ctx.db, ctx.settings, now, ctx.fetcher)),
    pruned: await step("prune", async () => {
      await pruneJobRuns(ctx.db, now - JOB_RUN_RETENTION_MS);
      const adminToken = ctx.settings.adminToken;
      return {
        ticketLookups: await pruneLookups(ctx.db, now - DAY_MS),
        webhookDeliveries: await pruneDeliveries(ctx.db, now - DAY_MS),
        // A rotated ADMIN_TOKEN ends the earlier token's sessions here even if no one signs in meanwhile.
        adminSessions: adminToken ? await endOtherTokensSessions(ctx.db, await tokenFingerprint(adminToken)) : 0,
        // Wrong admin tokens are remembered for a day (src/admin/guessing.ts), and their addresses no longer.
        adminGuesses: await pruneGuesses(ctx.db, now),
      };
    }),
  }));
}

/** The 1st-of-the-month job: last month's donation report, stored, emailed and captured once. */
function runMonthly(env: Env, now: number) {
  return runJob(env, "monthly-report", (ctx) => runMonthlyReport(reportDeps(ctx), now));
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
