import type { Context, Hono } from "hono";
import type { AppEnv } from "./app-env";
import { customerApp } from "./customer-app";

/**
 * A part of the app loaded on its first request. Its errors go to this app's one error handler, and
 * this app's headers apply to its answers.
 */
function loadedOnUse(load: () => Promise<Hono<AppEnv>>) {
  let loaded: Promise<Hono<AppEnv>> | undefined;
  return async (c: Context<AppEnv>) => {
    loaded ??= load().then((part) =>
      part.onError((err) => {
        throw err;
      }),
    );
    return (await loaded).fetch(c.req.raw, c.env, c.executionCtx);
  };
}

/**
 * The whole app: the customer pages, and (each loaded on its first request, so that a customer's
 * first view never waits for them) unsubscribing, the public hedgehog counter and the admin area.
 */
export const app = customerApp((app) => {
  const unsubscribe = loadedOnUse(async () => (await import("./dispatch/unsubscribe-routes")).unsubscribeRoutes);
  app.on(["GET", "POST"], "/unsubscribe", unsubscribe);
  const hedgehogCounter = loadedOnUse(async () => (await import("./hedgehogs/public-routes")).publicRoutes);
  app.get("/hedgehogs", hedgehogCounter);
  app.get("/hedgehogs.svg", hedgehogCounter);
  const postHogSupportHook = loadedOnUse(
    async () => (await import("./dispatch/posthog-support-hook-routes")).postHogSupportHookRoutes,
  );
  app.post("/hooks/posthog-support", postHogSupportHook);
  const admin = loadedOnUse(async () => (await import("./admin/app")).adminApp);
  app.all("/admin", admin);
  app.all("/admin/*", admin);
});
