import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { settingsOf } from "../config";
import { vValidator } from "@hono/valibot-validator";
import { contentSecurityPolicy, cspHash, formFields, sameOriginPosts } from "../lib/http";
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
import { recordImpression } from "./impressions-store";
import { findAnswer, recordResponse, type StoredAnswer } from "./responses-store";
import { SURVEY_JS } from "./page-script";
import { postHogTicketKey } from "./ticket-facts-store";
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
import { AnswerFormSchema, chosenReasons, typedAnswer } from "./answer-form";

/** Form posts are tiny: a 2,000 character comment is at most ~18 KB percent-encoded. */
const MAX_FORM_BYTES = 32 * 1024;

export const surveyRoutes = new Hono<AppEnv>();

type LinkOutcome = { ok: true; link: ParsedSurveyLink } | { ok: false; response: Response | Promise<Response> };

/**
 * Parses and checks a link: 400 names what is wrong, 403 forged, 410 expired. With
 * UNSIGNED_LINKS=verify a link without signature and expiry (a Zendesk automation's) is checked
 * against the ticket in Zendesk instead.
 */
async function checkedLink<E extends AppEnv>(
  c: Context<E>,
  fields: Record<string, string | undefined>,
): Promise<LinkOutcome> {
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
  if (parsed.link.posthogTicket) {
    // Answers are kept by the product's key of the ticket; a signed link names PostHog's uuid.
    const key = await postHogTicketKey(c.env.DB, parsed.link.posthogTicket.uuid);
    if (key === null) return { ok: false, response: c.html(<TicketNotFoundPage brand={brand} />, 404) };
    return { ok: true, link: { ...parsed.link, ticketId: key } };
  }
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

/** Survey routes that take a form carrying the link's fields: the checked link, for the handlers. */
type LinkedEnv = AppEnv & { Variables: { link: ParsedSurveyLink } };

/**
 * Checks the link a posted form carries (its problems answer before the answer's own) and hands it on
 * as `link`; `only` picks the link's fields from the form.
 */
const linkFrom = (only: (fields: Record<string, string>) => Record<string, string>) =>
  createMiddleware<LinkedEnv>(async (c, next) => {
    const checked = await checkedLink(c, only(await formFields(c)));
    if (!checked.ok) return checked.response;
    c.set("link", checked.link);
    await next();
  });
const linkFromForm = linkFrom((fields) => fields);
/** An answer's form: its rating is the answer, not a preselected face, so AnswerFormSchema judges it. */
const linkOfAnswer = linkFrom(({ rating: _answer, satisfaction: _oldAnswer, ...link }) => link);

/**
 * `survey shown`, reported by the page's script once it has loaded (a GET records nothing). The first
 * report of a ticket is stored, in one statement, and delivered from D1 as answers are; a reload or
 * another device stores nothing and sends nothing.
 */
surveyRoutes.post("/shown", ...formGuards, linkFromForm, async (c) => {
  const link = c.get("link");
  const view = { ticketId: link.ticketId, distinctId: link.distinctId, team: link.team };
  // The first attempt is the queue consumer's (the customer's requests never load posthog-node or wait
  // on PostHog); the cron retries what it leaves pending.
  if ((await recordImpression(c.env.DB, view, Date.now())) && settingsOf(c.env).posthog.apiKey)
    c.executionCtx.waitUntil(queueBestEffort(c.env.DISPATCH, { kind: "posthog-shown", ticketId: link.ticketId }));
  return c.body(null, 204);
});

/** An answer the form cannot take: the survey again, with what was typed and what to change. */
async function answerProblemPage(c: Context<LinkedEnv>, problem: string): Promise<Response> {
  const settings = settingsOf(c.env);
  const link = c.get("link");
  const known = settings.lowRatingReasons.map((r) => r.id);
  const typed = typedAnswer(await c.req.parseBody({ all: true }), known);
  return c.html(
    <SurveyPage
      link={link}
      selectedRating={typed.rating}
      comment={typed.comment}
      chosenReasons={typed.reasons}
      reasons={settings.lowRatingReasons}
      earlier={earlierAnswer(await findAnswer(c.env.DB, link.ticketId))}
      error={problem}
      charity={settings.donation.charity}
      brand={settings.brand}
    />,
    400,
  );
}

const answerProblem = async (
  result: { success: boolean; issues?: ReadonlyArray<{ message: string }> },
  c: Context<LinkedEnv>,
) => (result.success ? undefined : answerProblemPage(c, result.issues![0]!.message));

surveyRoutes.post("/", ...formGuards, linkOfAnswer, vValidator("form", AnswerFormSchema, answerProblem), async (c) => {
  const settings = settingsOf(c.env);
  const link = c.get("link");
  const { rating, comment, base_version: baseVersion, reason } = c.req.valid("form");
  const chosen = chosenReasons(
    rating,
    reason,
    settings.lowRatingReasons.map((r) => r.id),
  );
  if (!chosen.ok) return answerProblemPage(c, chosen.problem);
  const { reasons } = chosen;
  const owed = followupsOwed({ ticketId: link.ticketId, rating, edit: baseVersion > 0 }, settings);
  const outcome = await recordResponse(
    c.env.DB,
    {
      ticketId: link.ticketId,
      distinctId: link.distinctId,
      team: link.team,
      initialTargetArea: link.initialTargetArea,
      rating,
      comment,
      reasons,
      verifiedBy: !link.unsigned ? "signature" : link.posthogTicket ? "posthog-support" : "zendesk",
    },
    Date.now(),
    {
      baseVersion,
      followups: await followupsStatement(
        c.env.DB,
        { ticketId: link.ticketId, rating, comment: comment ?? null },
        owed,
      ),
    },
  );
  if (outcome.kind === "conflict") {
    return c.html(
      <ConflictPage
        link={link}
        earlier={earlierAnswer(outcome.answer)!}
        submitted={{ rating, comment, reasons }}
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
 * A message for the consumer, never the customer's problem: an answer or a first view the Queue could
 * not take is delivered by the cron all the same.
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
