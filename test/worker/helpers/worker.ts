// The Worker under test: its env (outside services on the loopback fakes, D1 held to Cloudflare's
// limits) and its real fetch, scheduled and queue handlers.
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inject } from "vitest";
import worker from "../../../src/index";
import type { Env } from "../../../src/env";
import type { QueueMessage } from "../../../src/queue-message";
import { withD1Limits } from "../d1-limits";

export const BASE = "https://survey.example.test";

/** The admin token the test Worker runs with (vitest.config.ts). */
export const ADMIN_TOKEN = env.ADMIN_TOKEN;

const limitedDb = withD1Limits(env.DB);

/**
 * The test env: wrangler.toml's settings with outside services pointed at the loopback fakes, and D1
 * held to Cloudflare's limits (Miniflare does not enforce them; d1-limits.ts does, and the setup
 * file fails any test in which a statement of the product exceeded them).
 */
export function testEnv(overrides: Partial<Env> = {}): Env {
  return { ...env, DB: limitedDb, POSTHOG_HOST: inject("posthogUrl"), ...overrides } as Env;
}

/** Calls the Worker's real fetch handler and waits for its `waitUntil` work to finish. */
export async function call(request: Request, envOverride?: Env): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, envOverride ?? testEnv(), ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** A Queue binding that keeps what is sent to it, for a test to hand to the consumer itself. */
export function recordingQueue(): { queue: Queue<QueueMessage>; queued: QueueMessage[] } {
  const queued: QueueMessage[] = [];
  const queue = {
    async send(body: QueueMessage) {
      queued.push(body);
    },
    async sendBatch(messages: Iterable<{ body: QueueMessage }>) {
      for (const m of messages) queued.push(m.body);
    },
  } as unknown as Queue<QueueMessage>;
  return { queue, queued };
}

/**
 * A customer's request followed by the queue's consumer: the request runs with a queue that keeps what
 * it queues (a first delivery to PostHog, an alert), and those messages then go to the Worker's real
 * queue handler, as Cloudflare's Queue hands them on a moment later.
 */
export async function callThenConsume(request: Request, envOverride?: Env): Promise<Response> {
  const env = envOverride ?? testEnv();
  const { queue, queued } = recordingQueue();
  const response = await call(request, { ...env, DISPATCH: queue });
  if (queued.length > 0) await deliverQueue(queued, env);
  return response;
}

export async function runCron(cron: string, scheduledTime = Date.now(), envOverride?: Env): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron, scheduledTime }), envOverride ?? testEnv(), ctx);
  await waitOnExecutionContext(ctx);
}

/**
 * Hands messages to the Worker's real queue handler, as the Queue would, and reports acks and retries,
 * with the delay each retry asked for (the pool's own result leaves it out).
 */
export async function deliverQueue(messages: QueueMessage[], envOverride: Env, attempts = 1) {
  const batch = createMessageBatch<QueueMessage>(
    "survey-dispatch",
    messages.map((body, i) => ({ id: `msg-${i}-${Math.random()}`, timestamp: new Date(), attempts, body })),
  );
  const delays = new Map<string, number | undefined>();
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    Object.defineProperty(message, "retry", {
      value: (options?: QueueRetryOptions) => {
        delays.set(message.id, options?.delaySeconds);
        retry(options);
      },
    });
  }
  const ctx = createExecutionContext();
  await (worker.queue as ExportedHandlerQueueHandler<Env, QueueMessage>)(batch, envOverride, ctx);
  const result = await getQueueResult(batch, ctx);
  return {
    ...result,
    retryMessages: result.retryMessages.map((r: { msgId: string }) => ({ ...r, delaySeconds: delays.get(r.msgId) })),
  };
}

export function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, " ")
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}

/**
 * Lets a paced service's time pass: its sliding window and any Retry-After lie behind us. The pacer
 * reads the real clock (as rate limits must), so a test that cannot wait a minute empties its row.
 */
export async function letPacingWindowPass(service: string): Promise<void> {
  await env.DB.prepare("UPDATE service_pace SET slots = '[]', blocked_until = 0 WHERE service = ?").bind(service).run();
}
