import * as v from "valibot";
import { settingsOf } from "./config";
import { consumeLowRatings, type LowRatingMessage } from "./alerts/consumer";
import { consumeSurveyEmails, type SurveyEmailMessage } from "./dispatch/consumer";
import { mailerFor } from "./dispatch/mailers";
import type { Env } from "./env";
import { Meter, recordJobRun } from "./lib/metered";
import { QueueMessageSchema, type QueueMessage } from "./queue-message";

/**
 * The DISPATCH queue's consumer. Malformed messages are acked (retrying cannot fix them) and logged;
 * each kind goes to its module, which acks what is done or permanently failed and retries the rest.
 */
export async function consumeQueue(batch: MessageBatch<QueueMessage>, env: Env): Promise<void> {
  const settings = settingsOf(env);
  const meter = new Meter();
  const db = meter.db(env.DB);
  const startedAt = Date.now();
  const surveyEmails: SurveyEmailMessage[] = [];
  const lowRatings: LowRatingMessage[] = [];
  for (const message of batch.messages) {
    const parsed = v.safeParse(QueueMessageSchema, message.body);
    if (!parsed.success) {
      console.error(`queue: dropping malformed message ${message.id}: ${parsed.issues[0].message}`);
      message.ack();
      continue;
    }
    const body = parsed.output;
    if (body.kind === "survey-email") {
      surveyEmails.push({
        ticketIds: body.ticketIds,
        attempts: message.attempts,
        ack: () => message.ack(),
        retry: (options) => message.retry(options),
      });
    } else {
      lowRatings.push({
        ticketId: body.ticketId,
        version: body.version,
        attempts: message.attempts,
        ack: () => message.ack(),
        retry: (options) => message.retry(options),
      });
    }
  }
  if (lowRatings.length > 0) {
    const report = await consumeLowRatings(lowRatings, { db, settings, fetcher: meter.fetch });
    await recordJobRun(env.DB, "low-rating-alerts", startedAt, meter, { ...report, cost: meter.snapshot() });
  }
  if (surveyEmails.length > 0) {
    let mailer;
    try {
      mailer = mailerFor(settings, env, meter.fetch, db);
    } catch (err) {
      // A mail provider without its key: nothing can be sent until the setting is fixed; wait and ask again.
      console.error(`configuration: ${err instanceof Error ? err.message : String(err)}; survey emails wait`);
      for (const m of surveyEmails) m.retry({ delaySeconds: 600 });
      return;
    }
    const report = await consumeSurveyEmails(surveyEmails, { db, mailer, settings, now: Date.now() });
    await recordJobRun(env.DB, "survey-emails", startedAt, meter, {
      ...report,
      provider: mailer.name,
      cost: meter.snapshot(),
    });
  }
}
