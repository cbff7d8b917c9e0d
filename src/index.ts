import { app } from "./app";
import type { Env } from "./env";
import type { QueueMessage } from "./queue-message";
import { runScheduled } from "./scheduled";
import { consumeQueue } from "./queue";

export default {
  fetch: app.fetch,
  scheduled: (controller, env, ctx) => ctx.waitUntil(runScheduled(controller, env)),
  queue: (batch, env) => consumeQueue(batch, env),
} satisfies ExportedHandler<Env, QueueMessage>;
