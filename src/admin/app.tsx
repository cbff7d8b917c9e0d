import { Hono } from "hono";
import { LinearRouter } from "hono/router/linear-router";
import type { AppEnv } from "../app-env";
import { NotFoundPage } from "../lib/layout";
import { adminRoutes } from "./routes";

/**
 * The admin area as its own app, loaded by src/app.tsx on the first admin request. Its errors go
 * back to the main app's one error handler; the main app's headers apply to its answers.
 */
export const adminApp = new Hono<AppEnv>({ router: new LinearRouter() });
adminApp.route("/admin", adminRoutes);
adminApp.notFound((c) => c.html(<NotFoundPage />, 404));
adminApp.onError((err) => {
  throw err;
});
