import { app } from "./app";
import type { Env } from "./env";
import type { QueueMessage } from "./queue-message";

export default {
  fetch: app.fetch,
  // Cron jobs and queue consumers are loaded when they run: the survey page's cold start carries
  // only what it uses.
  scheduled: (controller, env, ctx) =>
    ctx.waitUntil(import("./scheduled").then(({ runScheduled }) => runScheduled(controller, env))),
  queue: async (batch, env) => (await import("./queue")).consumeQueue(batch, env),
} satisfies ExportedHandler<Env, QueueMessage>;
