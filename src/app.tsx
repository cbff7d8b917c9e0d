import { Hono, type Context } from "hono";
import { LinearRouter } from "hono/router/linear-router";
import type { AppEnv } from "./app-env";
import { SettingsError, settingsOf } from "./config";
import { securityHeaders } from "./lib/http";
import { MessagePage, NotFoundPage } from "./lib/layout";
import { PAGE_CSS } from "./lib/page-style";
import { raiseLowRatingAlert } from "./alerts/raise";
import { raiseTicketRating } from "./alerts/ticket-rating";
import { onAnswerRecorded } from "./survey/answer-events";
import { unsubscribeRoutes } from "./dispatch/unsubscribe-routes";
import { surveyRoutes } from "./survey/routes";
import { publicRoutes } from "./hedgehogs/public-routes";

// LinearRouter: no router compilation on an isolate's first request (Hono's note on routers for
// environments that start often); with a few dozen routes its matching costs nothing measurable.
export const app = new Hono<AppEnv>({ router: new LinearRouter() });

// What follows a stored answer, outside the survey: a low rating tells the team; the rating goes onto
// the Zendesk ticket.
onAnswerRecorded((answer, ctx) => raiseLowRatingAlert(ctx.db, ctx.queue, answer, answer.at));
onAnswerRecorded((answer, ctx) => raiseTicketRating(ctx.db, ctx.queue, ctx.settings, answer, answer.at));

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
app.route("/", unsubscribeRoutes);
app.route("/", publicRoutes);
// The admin area (and everything only it uses) is loaded on its first request: a customer's first
// view never waits for it (bench/first-view.ts measures the cold start).
const admin = async (c: Context<AppEnv>) => (await import("./admin/app")).adminApp.fetch(c.req.raw, c.env, c.executionCtx);
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
