import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { settingsOf } from "../config";
import { contentSecurityPolicy, cspHash, sameOriginPosts } from "../lib/http";
import { formatCount } from "../lib/format";
import { MessagePage, type Brand } from "../lib/layout";
import type { QueueMessage } from "../queue-message";
import { COMMENT_MAX_LENGTH } from "../lib/copy";
import { queueOwedFollowups } from "../followups/outbox";
import { followupsStatement } from "../followups/outbox-store";
import { followupsOwed } from "../followups/owed";
import {
  checkSurveyLink,
  isUnsignedLink,
  pageLinkQuery,
  parseSurveyLink,
  parseUnsignedLink,
  type ParsedSurveyLink,
} from "../lib/survey-link";
import { findAnswer, recordImpression, recordResponse, type StoredAnswer } from "./responses-store";
import { SURVEY_JS } from "./page-script";
import {
  BadLinkPage,
  CannotCheckPage,
  ConflictPage,
  NotYourTicketPage,
  TicketNotFoundPage,
  TicketNotSolvedPage,
  ExpiredLinkPage,
  ForgedLinkPage,
  SurveyPage,
  ThanksPage,
  type EarlierAnswer,
} from "./views";
import { parseAnswerForm } from "./answer-form";

/** Form posts are tiny: a 2,000 character comment is at most ~18 KB percent-encoded. */
const MAX_FORM_BYTES = 32 * 1024;

export const surveyRoutes = new Hono<AppEnv>();

type LinkOutcome = { ok: true; link: ParsedSurveyLink } | { ok: false; response: Response | Promise<Response> };

/**
 * Parses and checks a link: 400 names what is wrong, 403 forged, 410 expired. With
 * UNSIGNED_LINKS=verify a link without signature and expiry (a Zendesk automation's) is checked
 * against the ticket in Zendesk instead.
 */
async function checkedLink(c: Context<AppEnv>, fields: Record<string, string | undefined>): Promise<LinkOutcome> {
  const settings = settingsOf(c.env);
  const { brand, linkSecret } = settings;
  if (settings.unsignedLinks === "verify" && isUnsignedLink(fields)) {
    const parsedUnsigned = parseUnsignedLink(fields);
    if (!parsedUnsigned.ok)
      return { ok: false, response: c.html(<BadLinkPage problems={parsedUnsigned.problems} brand={brand} />, 400) };
    // Loaded only when such a link arrives (the survey page's cold start does not carry it).
    const { verifyUnsignedLink } = await import("./unsigned-link");
    const verdict = await verifyUnsignedLink(c.env.DB, settings, parsedUnsigned.fields, Date.now());
    if (verdict.ok) return { ok: true, link: verdict.link };
    const [status, page] = UNSIGNED_REFUSALS[verdict.why];
    return { ok: false, response: c.html(page(brand), status) };
  }
  const parsed = parseSurveyLink(fields);
  if (!parsed.ok) return { ok: false, response: c.html(<BadLinkPage problems={parsed.problems} brand={brand} />, 400) };
  const check = await checkSurveyLink(parsed.link, linkSecret, new Date());
  if (check === "forged") return { ok: false, response: c.html(<ForgedLinkPage brand={brand} />, 403) };
  if (check === "expired") return { ok: false, response: c.html(<ExpiredLinkPage brand={brand} />, 410) };
  return { ok: true, link: parsed.link };
}

/** Why an unsigned link was not accepted, in plain words, with its status. Nothing is recorded. */
const UNSIGNED_REFUSALS = {
  unknown: [404, (brand) => <TicketNotFoundPage brand={brand} />],
  "not-theirs": [403, (brand) => <NotYourTicketPage brand={brand} />],
  "not-solved": [409, (brand) => <TicketNotSolvedPage brand={brand} />],
  expired: [410, (brand) => <ExpiredLinkPage brand={brand} />],
  unavailable: [503, (brand) => <CannotCheckPage brand={brand} />],
} as const satisfies Record<string, readonly [number, (brand: Brand) => unknown]>;

function earlierAnswer(stored: StoredAnswer | null): EarlierAnswer | undefined {
  return stored
    ? {
        rating: stored.rating,
        comment: stored.comment,
        reasons: stored.reasons,
        version: stored.version,
        updatedAt: stored.updatedAt,
      }
    : undefined;
}

/** The survey pages' policy per brand logo (settings change only with a new deployment): built once. */
const surveyPolicies = new Map<string, Promise<string>>();

function surveyPolicyFor(logo: string | undefined): Promise<string> {
  const key = logo ?? "";
  let policy = surveyPolicies.get(key);
  if (!policy) {
    const imageOrigins = logo?.startsWith("https://") ? [new URL(logo).origin] : [];
    policy = cspHash(SURVEY_JS).then((hash) => contentSecurityPolicy({ scriptHashes: [hash], imageOrigins }));
    surveyPolicies.set(key, policy);
  }
  return policy;
}

/** The survey pages' policy: their inline script by its hash, and the brand's logo if it is hosted elsewhere. */
const surveyPolicy = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (!(c.res.headers.get("content-type") ?? "").startsWith("text/html")) return;
  c.res.headers.set("Content-Security-Policy", await surveyPolicyFor(settingsOf(c.env).brand.logoUrl));
});
surveyRoutes.use("/", surveyPolicy);
surveyRoutes.use("/thanks", surveyPolicy);

/**
 * The survey. It always shows the ticket's earlier answer, on whichever device the link is opened,
 * and says it is an edit. A GET never writes anything (mail scanners open every link).
 */
surveyRoutes.get("/", async (c) => {
  const checked = await checkedLink(c, c.req.query());
  if (!checked.ok) return checked.response;
  const { link } = checked;
  const settings = settingsOf(c.env);
  const earlier = earlierAnswer(await findAnswer(c.env.DB, link.ticketId));
  return c.html(
    <SurveyPage
      link={link}
      selectedRating={link.rating ?? earlier?.rating}
      comment={earlier?.comment ?? undefined}
      chosenReasons={earlier?.reasons ?? []}
      reasons={settings.lowRatingReasons}
      earlier={earlier}
      charity={settings.donation.charity}
      brand={settings.brand}
    />,
  );
});

/** Rejects what a browser on our own page would never send: 413, 415 and cross-site 403. */
const formGuards = [
  bodyLimit({
    maxSize: MAX_FORM_BYTES,
    onError: (c) =>
      c.html(
        <MessagePage title="Answer too long" heading="That answer is too long to send">
          <p>Please shorten your comment to {formatCount(COMMENT_MAX_LENGTH)} characters and try again.</p>
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
    await next();
  }),
  sameOriginPosts<AppEnv>({
    publicBaseUrl: (c) => settingsOf(c.env).publicBaseUrl,
    onRefused: (c) =>
      c.html(
        <MessagePage title="Answer not accepted" heading="We can only take answers from our own survey page">
          <p>Please open the survey from the link in your email and answer there.</p>
        </MessagePage>,
        403,
      ),
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
    // Delivered by the queue's consumer: the customer's requests never load posthog-node.
    c.executionCtx.waitUntil(queueBestEffort(c.env.DISPATCH, { kind: "posthog-shown", ...view }));
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
  const answer = parseAnswerForm(
    form,
    settings.lowRatingReasons.map((r) => r.id),
  );
  if (!answer.ok) {
    return c.html(
      <SurveyPage
        link={link}
        selectedRating={answer.rating}
        comment={answer.comment}
        chosenReasons={answer.reasons}
        reasons={settings.lowRatingReasons}
        earlier={earlierAnswer(await findAnswer(c.env.DB, link.ticketId))}
        error={answer.problem}
        charity={settings.donation.charity}
        brand={settings.brand}
      />,
      400,
    );
  }
  const now = Date.now();
  const owed = followupsOwed({ rating: answer.rating, edit: answer.baseVersion > 0 }, settings);
  const content = { ticketId: link.ticketId, rating: answer.rating, comment: answer.comment ?? null };
  const outcome = await recordResponse(
    c.env.DB,
    {
      ticketId: link.ticketId,
      distinctId: link.distinctId,
      team: link.team,
      initialTargetArea: link.initialTargetArea,
      rating: answer.rating,
      comment: answer.comment,
      reasons: answer.reasons,
      verifiedBy: link.unsigned ? "zendesk" : "signature",
    },
    now,
    { baseVersion: answer.baseVersion, followups: await followupsStatement(c.env.DB, content, owed) },
  );
  if (outcome.kind === "conflict") {
    return c.html(
      <ConflictPage
        link={link}
        earlier={earlierAnswer(outcome.answer)!}
        submitted={{ rating: answer.rating, comment: answer.comment, reasons: answer.reasons }}
        reasons={settings.lowRatingReasons}
        thanksUrl={`/thanks?${pageLinkQuery(link)}`}
        brand={settings.brand}
      />,
      409,
    );
  }
  if (outcome.kind === "recorded") {
    // The follow-ups were stored with the answer; the cron queues again any whose message is lost.
    c.executionCtx.waitUntil(queueOwedFollowups(c.env.DISPATCH, outcome.answer, owed));
    // The first delivery attempt, by the queue's consumer (the customer's requests never load
    // posthog-node); the cron retries whatever it leaves pending. Without a PostHog key the answer
    // simply stays pending, and the cron's log says so.
    if (settings.posthog.apiKey)
      c.executionCtx.waitUntil(queueBestEffort(c.env.DISPATCH, { kind: "posthog-answer", ticketId: link.ticketId }));
  }
  return c.redirect(`/thanks?${pageLinkQuery(link)}`, 303);
});

/**
 * A message for the consumer, never the customer's problem: an answer the Queue could not take is
 * delivered by the cron all the same; a `survey shown` is then lost, as it would be to a PostHog outage.
 */
async function queueBestEffort(queue: Queue<QueueMessage>, message: QueueMessage): Promise<void> {
  await queue.send(message).catch((err) => console.warn(`queue: ${message.kind} not queued (the cron retries):`, err));
}

surveyRoutes.get("/thanks", async (c) => {
  const checked = await checkedLink(c, c.req.query());
  if (!checked.ok) return checked.response;
  const { link } = checked;
  const row = await findAnswer(c.env.DB, link.ticketId);
  if (row === null || row.hedgehogNumber === null) return c.redirect(`/?${pageLinkQuery(link)}`, 303);
  const settings = settingsOf(c.env);
  return c.html(
    <ThanksPage
      hedgehogNumber={row.hedgehogNumber}
      rating={row.rating}
      comment={row.comment}
      chosenReasons={row.reasons}
      reasons={settings.lowRatingReasons}
      edited={row.version > 1}
      changeUrl={`/?${pageLinkQuery(link)}`}
      charity={settings.donation.charity}
      brand={settings.brand}
    />,
  );
});

/**
 * Form fields as strings: the first value of a repeated field wins, except the reasons' checkboxes
 * (`reason`, one field per box ticked), whose values are joined by commas (ids never hold one).
 */
async function readForm(request: Request): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  // Bytes, decoded here: workerd warns when .text() reads a body whose type is not text/*.
  const body = new TextDecoder().decode(await request.arrayBuffer());
  for (const [key, value] of new URLSearchParams(body)) {
    if (key === "reason") out.reason = out.reason === undefined ? value : `${out.reason},${value}`;
    else if (!(key in out)) out[key] = value;
  }
  return out;
}
