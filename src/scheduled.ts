import { settingsOf } from "./config";
import type { Env } from "./env";
import { deliverPendingResponses } from "./survey/delivery";

export const EVERY_TEN_MINUTES = "*/10 * * * *";
export const MONTHLY_REPORT = "0 9 1 * *";

/** Routes each cron expression in wrangler.toml to its job. `scheduledTime` is the job's "now". */
export async function runScheduled(controller: ScheduledController, env: Env): Promise<void> {
  const settings = settingsOf(env);
  const now = controller.scheduledTime;
  switch (controller.cron) {
    case EVERY_TEN_MINUTES: {
      const delivery = await deliverPendingResponses(settings, env.DB, now);
      console.log(`cron ${controller.cron}: posthog delivery ${JSON.stringify(delivery)}`);
      break;
    }
    default:
      console.warn(`cron ${controller.cron}: no job is registered for this schedule`);
  }
}
