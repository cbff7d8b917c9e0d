import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { raiseLowRatingAlert } from "../alerts/raise";
import { getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { settingsOf } from "../config";
import { isSameOriginPost } from "../lib/http";
import { MessagePage } from "../lib/layout";
import { COMMENT_MAX_LENGTH } from "./copy";
import { captureSurveyShown, deliverPendingResponses } from "./delivery";
import { checkSurveyLink, parseSurveyLink, surveyLinkQuery, type ParsedSurveyLink } from "./link";
import { findResponse, recordImpression, recordResponse } from "./responses-store";
import { BadLinkPage, ExpiredLinkPage, ForgedLinkPage, SurveyPage, ThanksPage } from "./views";
import { parseAnswerForm } from "./answer-form";
import { renderSurveyPage } from "./page-cache";

/** Form posts are tiny: a 2,000 character comment is at most ~18 KB percent-encoded. */
export const MAX_FORM_BYTES = 32 * 1024;

export const surveyRoutes = new Hono<AppEnv>();

type LinkOutcome = { ok: true; link: ParsedSurveyLink } | { ok: false; response: Response | Promise<Response> };

/** Parses and checks a signed link: 400 names what is wrong, 403 forged, 410 expired. */
async function checkedLink(c: Context<AppEnv>, fields: Record<string, string | undefined>): Promise<LinkOutcome> {
  const parsed = parseSurveyLink(fields);
  if (!parsed.ok) return { ok: false, response: c.html(<BadLinkPage problems={parsed.problems} />, 400) };
  const check = await checkSurveyLink(parsed.link, settingsOf(c.env).linkSecret, new Date());
  if (check === "forged") return { ok: false, response: c.html(<ForgedLinkPage />, 403) };
  if (check === "expired") return { ok: false, response: c.html(<ExpiredLinkPage />, 410) };
  return { ok: true, link: parsed.link };
}

/**
 * Set once this browser has answered a ticket, so the page knows to load the earlier answer. The
 * page itself reads nothing from D1 otherwise: a GET stays cheap and never writes (mail scanners
 * open every link).
 */
const answeredCookie = (ticketId: number) => `answered_${ticketId}`;

surveyRoutes.get("/", async (c) => {
  const checked = await checkedLink(c, c.req.query());
  if (!checked.ok) return checked.response;
  const { link } = checked;
  const settings = settingsOf(c.env);
  const existing = getCookie(c, answeredCookie(link.ticketId)) ? await findResponse(c.env.DB, link.ticketId) : null;
  return c.html(
    await renderSurveyPage({
      link,
      selectedRating: link.rating ?? existing?.rating,
      comment: existing?.comment ?? undefined,
      alreadyAnswered: existing !== null,
      charity: settings.donation.charity,
    }),
  );
});

/** Rejects what a browser on our own page would never send: 413, 415 and cross-site 403. */
const formGuards = [
  bodyLimit({
    maxSize: MAX_FORM_BYTES,
    onError: (c) =>
      c.html(
        <MessagePage title="Answer too long" heading="That answer is too long to send">
          <p>Please shorten your comment to {COMMENT_MAX_LENGTH.toLocaleString("en-GB")} characters and try again.</p>
        </MessagePage>,
        413,
      ),
  }),
  createMiddleware<AppEnv>(async (c, next) => {
    const contentType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (contentType !== "application/x-www-form-urlencoded") {
      return c.html(
        <MessagePage title="Unsupported form" heading="We couldn't read that answer">
          <p>Answers must be sent with the survey form on this page.</p>
        </MessagePage>,
        415,
      );
    }
    const ownOrigins = [new URL(c.req.url).origin, new URL(settingsOf(c.env).publicBaseUrl).origin];
    if (!isSameOriginPost(c.req.raw.headers, ownOrigins)) {
      return c.html(
        <MessagePage title="Answer not accepted" heading="We can only take answers from our own survey page">
          <p>Please open the survey from the link in your email and answer there.</p>
        </MessagePage>,
        403,
      );
    }
    await next();
  }),
] as const;

/**
 * `survey shown`, reported by the page's script once it has loaded (a GET records nothing), and
 * captured at most once per ticket.
 */
surveyRoutes.post("/shown", ...formGuards, async (c) => {
  const form = await readForm(c.req.raw).catch(() => null);
  if (form === null) return c.text("Unreadable form", 400);
  const checked = await checkedLink(c, form);
  if (!checked.ok) return checked.response;
  const { link } = checked;
  const now = Date.now();
  if (await recordImpression(c.env.DB, link.ticketId, now)) {
    const view = { ticketId: link.ticketId, distinctId: link.distinctId, team: link.team, shownAt: now };
    c.executionCtx.waitUntil(captureSurveyShown(settingsOf(c.env), c.env.DB, view));
  }
  return c.body(null, 204);
});

surveyRoutes.post("/", ...formGuards, async (c) => {
  const settings = settingsOf(c.env);
  let form: Record<string, string>;
  try {
    form = await readForm(c.req.raw);
  } catch {
    return c.html(
      <MessagePage title="Unreadable form" heading="We couldn't read that answer">
        <p>Please go back and submit the form again.</p>
      </MessagePage>,
      400,
    );
  }
  const checked = await checkedLink(c, form);
  if (!checked.ok) return checked.response;
  const { link } = checked;
  const answer = parseAnswerForm(form);
  if (!answer.ok) {
    const existing = await findResponse(c.env.DB, link.ticketId);
    return c.html(
      <SurveyPage
        link={link}
        selectedRating={answer.rating}
        comment={answer.comment}
        alreadyAnswered={existing !== null}
        error={answer.problem}
        charity={settings.donation.charity}
      />,
      400,
    );
  }
  const now = Date.now();
  const outcome = await recordResponse(
    c.env.DB,
    {
      ticketId: link.ticketId,
      distinctId: link.distinctId,
      team: link.team,
      initialTargetArea: link.initialTargetArea,
      rating: answer.rating,
      comment: answer.comment,
    },
    now,
  );
  if (outcome.changed) {
    const { ticket_id: ticketId, version, rating, comment } = outcome.row;
    c.executionCtx.waitUntil(raiseLowRatingAlert(c.env.DB, c.env.DISPATCH, { ticketId, version, rating, comment }, now));
  }
  // Without a PostHog key the answer simply stays pending; the cron says so in its log.
  if (outcome.changed && settings.posthog.apiKey) {
    c.executionCtx.waitUntil(deliverPendingResponses(settings, c.env.DB, now, { ticketId: link.ticketId }));
  }
  setCookie(c, answeredCookie(link.ticketId), "1", {
    path: "/",
    httpOnly: true,
    sameSite: "Lax",
    secure: new URL(c.req.url).protocol === "https:",
    maxAge: Math.max(60, link.exp - Math.floor(now / 1000)),
  });
  return c.redirect(`/thanks?${surveyLinkQuery(link, link.sig)}`, 303);
});

surveyRoutes.get("/thanks", async (c) => {
  const checked = await checkedLink(c, c.req.query());
  if (!checked.ok) return checked.response;
  const { link } = checked;
  const row = await findResponse(c.env.DB, link.ticketId);
  if (row === null || row.hedgehog_number === null) return c.redirect(`/?${surveyLinkQuery(link, link.sig)}`, 303);
  return c.html(
    <ThanksPage
      hedgehogNumber={row.hedgehog_number}
      rating={row.rating}
      comment={row.comment}
      changeUrl={`/?${surveyLinkQuery(link, link.sig, row.rating)}`}
      charity={settingsOf(c.env).donation.charity}
    />,
  );
});

/** Form fields as strings (the first value of a repeated field wins). */
async function readForm(request: Request): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(await request.text())) {
    if (!(key in out)) out[key] = value;
  }
  return out;
}
