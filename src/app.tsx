import { Hono, type Context } from "hono";
import { LinearRouter } from "hono/router/linear-router";
import type { AppEnv } from "./app-env";
import { SettingsError, settingsOf } from "./config";
import { securityHeaders } from "./lib/http";
import { MessagePage, NotFoundPage } from "./lib/layout";
import { PAGE_CSS } from "./lib/page-style";
import { onAnswerRecorded } from "./survey/answer-events";
import { surveyRoutes } from "./survey/routes";

// LinearRouter: no router compilation on an isolate's first request (Hono's note on routers for
// environments that start often); with a few dozen routes its matching costs nothing measurable.
export const app = new Hono<AppEnv>({ router: new LinearRouter() });

// What follows a stored answer, outside the survey: a low rating tells the team; the rating goes onto
// the Zendesk ticket.
// (Loaded when an answer is stored, like every part of the app the survey page itself does not use:
// a customer's cold start carries only the survey; bench/first-view.ts measures it.)
onAnswerRecorded(async (answer, ctx) =>
  (await import("./alerts/raise")).raiseLowRatingAlert(ctx.db, ctx.queue, answer, answer.at),
);
onAnswerRecorded(async (answer, ctx) =>
  (await import("./alerts/ticket-rating")).raiseTicketRating(ctx.db, ctx.queue, ctx.settings, answer, answer.at),
);

app.use(securityHeaders);

// Settings are checked before any route runs, so a misconfigured deployment says which setting is wrong.
app.use(async (c, next) => {
  settingsOf(c.env);
  await next();
});

app.get("/healthz", (c) => c.text("ok"));
// The customer pages carry their stylesheet inline; the admin area imports the same one from here.
app.get("/survey.css", (c) =>
  c.body(PAGE_CSS, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=3600" }),
);
// Browsers that ask for the classic favicon get the SVG one.
app.get("/favicon.ico", (c) => {
  c.header("cache-control", "public, max-age=86400");
  return c.redirect("/favicon.svg", 301);
});
app.route("/", surveyRoutes);

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
const unsubscribe = loadedOnUse(async () => (await import("./dispatch/unsubscribe-routes")).unsubscribeRoutes);
app.on(["GET", "POST"], "/unsubscribe", unsubscribe);
const hedgehogCounter = loadedOnUse(async () => (await import("./hedgehogs/public-routes")).publicRoutes);
app.get("/hedgehogs", hedgehogCounter);
app.get("/hedgehogs.svg", hedgehogCounter);
// The admin area (and everything only it uses) is loaded on its first request: a customer's first
// view never waits for it (bench/first-view.ts measures the cold start).
const admin = loadedOnUse(async () => (await import("./admin/app")).adminApp);
app.all("/admin", admin);
app.all("/admin/*", admin);

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
