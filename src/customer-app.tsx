import { Hono } from "hono";
import { LinearRouter } from "hono/router/linear-router";
import type { Env } from "./env";
import { SettingsError, settingsOf } from "./config";
import { securityHeaders } from "./lib/http";
import { MessagePage, NotFoundPage } from "./lib/layout";
import { BASE_CSS } from "./lib/page-style";
import { surveyRoutes } from "./survey/routes";

/** The addresses of the customer pages (the survey's, and the health check). */
const CUSTOMER_PATHS = ["/", "/thanks", "/shown", "/healthz"] as const;

/**
 * The pages a customer opens from a survey email (the survey, its thank-you, the health check), with
 * the headers, settings check and error handler every answer of the app shares. `addOthers` adds the
 * rest of the app, which src/app.tsx loads on use.
 */
export function customerApp<E extends Env>(addOthers: (app: Hono<{ Bindings: E }>) => void): Hono<{ Bindings: E }> {
  // LinearRouter: no router compilation on an isolate's first request (Hono's note on routers for
  // environments that start often); with a few dozen routes its matching costs nothing measurable.
  const app = new Hono<{ Bindings: E }>({ router: new LinearRouter() });

  app.use(securityHeaders);

  // Settings are checked before a customer page runs, so a misconfigured deployment says which setting
  // is wrong. The other parts check what they use when they use it: a missing survey secret must not
  // stop unsubscribe links, the counter or the admin area from working.
  for (const path of CUSTOMER_PATHS)
    app.use(path, async (c, next) => {
      settingsOf(c.env);
      await next();
    });

  app.get("/healthz", (c) => c.text("ok"));
  // The customer pages carry their stylesheets inline; the admin area imports their shared rules from here.
  app.get("/survey.css", (c) =>
    c.body(BASE_CSS, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=3600" }),
  );
  // Browsers that ask for the classic favicon get the SVG one.
  app.get("/favicon.ico", (c) => {
    c.header("cache-control", "public, max-age=86400");
    return c.redirect("/favicon.svg", 301);
  });
  app.route("/", surveyRoutes);

  addOthers(app);

  app.notFound((c) => c.html(<NotFoundPage />, 404));

  /** The one error handler: logs the cause, answers a generic page. */
  app.onError((err, c) => {
    if (err instanceof SettingsError) {
      console.error(`configuration: ${err.message}`);
      return c.html(
        <MessagePage title="Temporarily unavailable" heading="The survey is not available right now">
          <p>Please try again later.</p>
        </MessagePage>,
        503,
      );
    }
    console.error(`unhandled error on ${c.req.method} ${new URL(c.req.url).pathname}:`, err);
    return c.html(
      <MessagePage title="Something went wrong" heading="Something went wrong on our side">
        <p>Your answer may not have been saved. Please try again in a minute.</p>
      </MessagePage>,
      500,
    );
  });
  return app;
}
