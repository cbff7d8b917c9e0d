import * as v from "valibot";
import { consumeLowRatings } from "./alerts/low-rating-consumer";
import { consumeTicketRatings } from "./alerts/ticket-rating-consumer";
import type { FollowupDelivery } from "./followups/owed";
import { consumeSurveyEmails, type SendKind, type SurveyEmailMessage } from "./dispatch/survey-email-consumer";
import type { Env } from "./env";
import { runJob } from "./lib/job-runner";
import type { PostHogMessage } from "./survey/posthog-consumer";
import { mailerFor } from "./services/mailer-for";
import { QueueMessageSchema, type QueueMessage } from "./queue-message";

/** A configuration problem (a provider without its key) is not the messages' fault: they wait this long. */
const CONFIGURATION_WAIT_SECONDS = 600;

/**
 * The DISPATCH queue's consumer. Malformed messages are acked (retrying cannot fix them) and logged;
 * each kind goes to its module, which acks what is done or permanently failed and retries the rest.
 * Anything that throws leaves its messages to the Queue's retry, never acked.
 */
export async function consumeQueue(batch: MessageBatch<QueueMessage>, env: Env): Promise<void> {
  const surveyEmails: SurveyEmailMessage[] = [];
  const reminders: SurveyEmailMessage[] = [];
  const lowRatings: FollowupDelivery[] = [];
  const ticketRatings: FollowupDelivery[] = [];
  const postHog: Array<PostHogMessage & { retry(options?: QueueRetryOptions): void }> = [];
  for (const message of batch.messages) {
    const parsed = v.safeParse(QueueMessageSchema, message.body);
    if (!parsed.success) {
      console.error(`queue: dropping malformed message ${message.id}: ${parsed.issues[0].message}`);
      message.ack();
      continue;
    }
    const handle = { attempts: message.attempts, ack: () => message.ack(), retry: message.retry.bind(message) };
    const body = parsed.output;
    if (body.kind === "posthog-answer" || body.kind === "posthog-shown") postHog.push({ ...body, ...handle });
    else if (body.kind === "survey-email") surveyEmails.push({ ticketIds: body.ticketIds, ...handle });
    else if (body.kind === "survey-reminder") reminders.push({ ticketIds: body.ticketIds, ...handle });
    else if (body.followup === "ticket-rating")
      ticketRatings.push({ ticketId: body.ticketId, version: body.version, ...handle });
    else lowRatings.push({ ticketId: body.ticketId, version: body.version, ...handle });
  }
  if (postHog.length > 0) {
    const outcome = await runJob(env, "posthog", async (ctx) =>
      (await import("./survey/posthog-consumer")).consumePostHogWork(postHog, {
        db: ctx.db,
        settings: ctx.settings,
        fetcher: ctx.fetcher,
      }),
    );
    if ("error" in outcome) for (const m of postHog) m.retry({ delaySeconds: 60 });
  }
  if (lowRatings.length > 0) {
    const outcome = await runJob(env, "low-rating-alerts", (ctx) =>
      consumeLowRatings(lowRatings, { db: ctx.db, settings: ctx.settings, fetcher: ctx.fetcher }),
    );
    if ("error" in outcome) for (const m of lowRatings) m.retry({ delaySeconds: 60 });
  }
  if (ticketRatings.length > 0) {
    const outcome = await runJob(env, "ticket-ratings", (ctx) =>
      consumeTicketRatings(ticketRatings, { db: ctx.db, settings: ctx.settings, fetcher: ctx.fetcher }),
    );
    if ("error" in outcome) for (const m of ticketRatings) m.retry({ delaySeconds: 60 });
  }
  // One allowance of sends for the invocation, the survey emails first.
  const planned = { sends: 0 };
  if (surveyEmails.length > 0) await sendEmails(env, surveyEmails, "survey", planned);
  if (reminders.length > 0) await sendEmails(env, reminders, "reminder", planned);
}

/** Survey emails or their reminders: the same consumer, on the send state of their own kind. */
async function sendEmails(
  env: Env,
  messages: SurveyEmailMessage[],
  kind: SendKind,
  planned: { sends: number },
): Promise<void> {
  const outcome = await runJob(env, kind === "survey" ? "survey-emails" : "survey-reminders", async (ctx) => {
    let mailer;
    try {
      mailer = mailerFor(ctx.settings, ctx.env, { db: ctx.db, fetcher: ctx.fetcher });
    } catch (err) {
      // A mail provider without its key: nothing can be sent until the setting is fixed; wait and ask again.
      const problem = err instanceof Error ? err.message : String(err);
      console.error(`configuration: ${problem}; ${kind === "survey" ? "survey emails" : "reminders"} wait`);
      for (const m of messages) m.retry({ delaySeconds: CONFIGURATION_WAIT_SECONDS });
      return { waiting: messages.length, configuration: problem };
    }
    const report = await consumeSurveyEmails(messages, {
      db: ctx.db,
      mailer,
      settings: ctx.settings,
      fetcher: ctx.fetcher,
      now: Date.now(),
      kind,
      planned,
    });
    return { ...report, provider: mailer.name };
  });
  if ("error" in outcome) for (const m of messages) m.retry({ delaySeconds: 60 });
}
