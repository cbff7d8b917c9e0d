import { customerApp } from "./customer-app";
import type { Env } from "./env";
import type { QueueMessage } from "./queue-message";

/** The survey Worker's bindings: the app's, and the app Worker itself (wrangler.survey.toml). */
export type SurveyWorkerEnv = Omit<Env, "EMAIL"> & { APP: Fetcher };

/**
 * The Worker survey emails link to (wrangler.survey.toml). It serves the customer pages itself and
 * hands every other request to the app Worker (wrangler.toml: the admin area, unsubscribing, the
 * hedgehog counter, the cron jobs and the queue consumer) through a service binding. It carries less
 * than half the code, so a customer's first view after a cold start waits for less
 * (bench/first-view.ts measures it).
 */
const app = customerApp<SurveyWorkerEnv>((app) =>
  app.all("*", async (c) => {
    const answer = await c.env.APP.fetch(c.req.raw);
    // A fetched response's headers are immutable; this app's header middleware sets them again (the same values).
    return new Response(answer.body, answer);
  }),
);

export default { fetch: app.fetch } satisfies ExportedHandler<SurveyWorkerEnv, QueueMessage>;
