import * as v from "valibot";
import {
  baseUrl,
  list,
  lowRatingReasons,
  oneOf,
  optionalBaseUrl,
  optionalLongSecret,
  optionalFieldId,
  optionalText,
  questionId,
  requiredSecret,
  responseTargets,
  slackWebhooks,
  teamAddresses,
  text,
  timeZone,
  wholeNumber,
} from "./settings-schemas";

export { isKnownTimeZone, planKey, UNKNOWN_TIME_ZONE } from "./settings-schemas";

/**
 * One setting: how it is read (its valibot schema, with its default), what it means, and whether it is
 * a secret (`wrangler secret put`, `.dev.vars`) rather than a `[vars]` entry of wrangler.toml.
 */
export interface SettingDefinition<S extends v.GenericSchema = v.GenericSchema> {
  schema: S;
  meaning: string;
  secret?: "required" | "optional";
}

/** A setting a deployment may put in wrangler.toml's [vars]; unset, it has its default. */
const setting = <S extends v.GenericSchema>(schema: S, meaning: string) => ({ schema, meaning });

/** A setting kept as a secret, required or not. */
const secret = <S extends v.GenericSchema>(secret: "required" | "optional", schema: S, meaning: string) => ({
  schema,
  meaning,
  secret,
});

const surveyLinks = {
  PUBLIC_BASE_URL: setting(
    baseUrl("http://127.0.0.1:8787"),
    `where the survey page is served; used in links and the cross-site check`,
  ),
  SURVEY_LINK_SECRET: secret(
    "required",
    requiredSecret("SURVEY_LINK_SECRET", 16),
    `HMAC-SHA256 key of survey links, at least 16 characters`,
  ),
  LINK_TTL_DAYS: setting(wholeNumber(30, 1, 365), `how long a survey link works`),
  UNSIGNED_LINKS: setting(
    oneOf(["off", "verify"]),
    `\`verify\`: links without a signature (a Zendesk automation's \`?distinct_id=…&ticketId=…&team=…\`) are accepted once the ticket is checked against Zendesk; \`off\`: refused as incomplete`,
  ),
  BRAND_NAME: setting(
    v.pipe(text("PostHog"), v.minLength(1, "must not be empty"), v.maxLength(60, "must be at most 60 characters")),
    `the name shown on the survey pages and in the survey email`,
  ),
  BRAND_LOGO_URL: setting(
    v.pipe(
      optionalText,
      v.union([
        v.undefined(),
        v.pipe(
          v.string(),
          v.regex(
            /^(https:\/\/\S+|data:image\/(png|svg\+xml|webp|gif|jpeg);base64,[A-Za-z0-9+/=]+)$/,
            "must be an https: URL or a base64 data:image URL",
          ),
          v.maxLength(20_000, "must be at most 20,000 characters (a small logo)"),
        ),
      ]),
    ),
    `an optional logo: an \`https:\` URL (shown on the page and in the email) or a base64 \`data:image/…\` URL (page only; keeps the first view to one request)`,
  ),
  LOW_RATING_REASONS: setting(
    lowRatingReasons,
    `the reasons "What went wrong?" offers after a rating of 1 to 3: a JSON object of stable id to label, in the order shown (default: slow, not_solved, not_fixed_yet, billing, other); the id \`not_fixed_yet\` must stay, as the report shows CSAT with and without its answers`,
  ),
};

const posthog = {
  POSTHOG_API_KEY: secret("optional", optionalText, `project API key; without it answers stay pending`),
  POSTHOG_HOST: setting(
    baseUrl("https://us.i.posthog.com"),
    `PostHog capture host (\`https://eu.i.posthog.com\` for EU)`,
  ),
  POSTHOG_SURVEY_ID: setting(
    v.pipe(text("hedgehog-csat-dev"), v.minLength(1, "must not be empty")),
    `the id of the \`api\` survey in PostHog the answers belong to`,
  ),
  POSTHOG_SURVEY_NAME: setting(text("Customer satisfaction score (CSAT)"), `\`$survey_name\``),
  POSTHOG_RATING_QUESTION_ID: setting(
    questionId("csat-rating"),
    `question id of the rating (use the survey's real question id)`,
  ),
  POSTHOG_COMMENT_QUESTION_ID: setting(questionId("csat-comment"), `question id of the comment`),
  POSTHOG_REASONS_QUESTION_ID: setting(
    questionId("csat-reasons"),
    `question id of "What went wrong?" (a \`multiple_choice\` question shown after a rating of 1 to 3)`,
  ),
  POSTHOG_PERSONAL_API_KEY: secret(
    "optional",
    optionalText,
    `a personal API key with \`person:write\`: erasure then also asks PostHog to delete the person and their events`,
  ),
  POSTHOG_PROJECT_ID: setting(
    v.pipe(
      optionalText,
      v.union([v.undefined(), v.pipe(v.string(), v.regex(/^\d+$/, "must be the project's number"))]),
    ),
    `the PostHog project number, for that deletion`,
  ),
  POSTHOG_APP_HOST: setting(baseUrl("https://us.posthog.com"), `PostHog's app (private API) host`),
};

const zendesk = {
  ZENDESK_BASE_URL: setting(
    optionalBaseUrl,
    `e.g. \`https://posthoghelp.zendesk.com\`; empty: no sync, and no unsigned links or ticket write-back`,
  ),
  ZENDESK_EMAIL: setting(
    optionalText,
    `the email of a Zendesk **admin** for API-token auth (\`{email}/token:{token}\`): the incremental export is for admins only, and an agent's token gets 403`,
  ),
  ZENDESK_API_TOKEN: secret("optional", optionalText, `Zendesk API token`),
  ZENDESK_OAUTH_TOKEN: secret(
    "optional",
    optionalText,
    `an OAuth access token (of an admin); used instead of the API token when set`,
  ),
  ZENDESK_EXPORT_REQUESTS_PER_MINUTE: setting(
    wholeNumber(10, 1, 1000),
    `the account's incremental-export quota (30 with Zendesk's High Volume add-on); requests are paced to it`,
  ),
  ZENDESK_CSAT_FIELD_ID: setting(
    v.pipe(
      optionalText,
      v.union([
        v.undefined(),
        v.pipe(v.string(), v.regex(/^\d{1,15}$/, "must be the ticket field's number"), v.transform(Number)),
      ]),
    ),
    `the number of a Zendesk ticket field that receives each answer's rating (with a \`csat_<rating>\` tag)`,
  ),
  ZENDESK_PLAN_FIELD_ID: setting(
    optionalFieldId,
    `the ticket field that holds the customer's plan (a dropdown's values are compared lower-cased, other characters as \`_\`: \`Pay-as-you-go\` is \`pay_as_you_go\`)`,
  ),
  ZENDESK_SEVERITY_FIELD_ID: setting(optionalFieldId, `the ticket field that holds the severity (kept as written)`),
  RESPONSE_TARGET_HOURS: setting(
    responseTargets,
    `first-reply target per plan, in hours Monday to Friday; \`null\`: no target (Free: community only); a plan not listed has no target`,
  ),
  SUPPORT_TIMEZONE: setting(
    timeZone,
    `the IANA time zone whose Saturday and Sunday are not counted (e.g. \`Europe/London\`), and whose Monday 09:00 the weekly digest waits for`,
  ),
};

const dispatch = {
  SURVEY_EMAILS: setting(
    oneOf(["send", "off"]),
    `\`send\`: the dispatcher emails each due survey; \`off\`: it emails none (a Zendesk automation sends the links; the sync still runs for unsigned links and support context)`,
  ),
  SURVEY_DELAY_DAYS: setting(wholeNumber(3, 0, 60), `days after solving before the survey is sent`),
  SURVEY_THROTTLE_DAYS: setting(wholeNumber(7, 0, 365), `an address gets at most one survey in this many days`),
  SURVEY_REMINDER_DAYS: setting(
    wholeNumber(0, 0, 30),
    `days after the survey email before one reminder with the same links goes to a requester who has not answered (e.g. \`4\`); \`0\`: no reminder. Never after an answer, an unsubscribe, an erasure or the link's expiry, nor to an address emailed another survey within \`SURVEY_THROTTLE_DAYS\``,
  ),
  SURVEY_LOOKBACK_DAYS: setting(
    wholeNumber(30, 1, 365),
    `tickets solved longer ago are never surveyed (and the first sync starts this far back)`,
  ),
  EXCLUDED_TAGS: setting(list("spam,abuse,legal,no_csat"), `tickets with any of these tags are skipped`),
  INTERNAL_DOMAINS: setting(list("posthog.com"), `requesters at these domains (and their subdomains) are skipped`),
  ADDRESS_FINGERPRINT_KEY: secret(
    "required",
    requiredSecret("ADDRESS_FINGERPRINT_KEY", 32),
    `HMAC-SHA256 key of the fingerprints that throttling, the suppression list and erasure know addresses by, at least 32 characters; never rotated (a new key forgets every unsubscribe), and apart from \`SURVEY_LINK_SECRET\` so rotating that one forgets none`,
  ),
};

const posthogSupport = {
  TICKET_SOURCES: setting(
    v.pipe(
      list("zendesk"),
      v.minLength(1, "must name at least one source"),
      v.check(
        (sources) => sources.every((s) => s === "zendesk" || s === "posthog-support"),
        "must be zendesk, posthog-support, or both, comma-separated",
      ),
    ),
    `where tickets come from: \`zendesk\`, \`posthog-support\`, or both (\`zendesk,posthog-support\`, a team moving between them)`,
  ),
  POSTHOG_SUPPORT_WEBHOOK_SECRET: secret(
    "optional",
    optionalText,
    `the signing secret (\`whsec_…\`) of the Workflow webhook that posts resolved tickets to \`/hooks/posthog-support\`; empty: the hook answers 404`,
  ),
  POSTHOG_SUPPORT_SURVEY_DELAY_DAYS: setting(
    wholeNumber(1, 0, 60),
    `days after a PostHog Support ticket is resolved before its survey is sent`,
  ),
  POSTHOG_SUPPORT_NO_EMAIL_CHANNELS: setting(
    list("slack,teams"),
    `PostHog Support channels (\`channel_source\`) whose tickets get no email survey: the customer spoke in a chat thread`,
  ),
};

const mail = {
  MAIL_PROVIDER: setting(
    oneOf(["outbox", "cloudflare", "resend"]),
    `\`outbox\` (D1, local default), \`resend\`, or \`cloudflare\` (the \`send_email\` binding)`,
  ),
  MAIL_FROM: setting(text("PostHog Support <support@example.com>"), `sender of the survey emails`),
  RESEND_API_KEY: secret("optional", optionalText, `Resend API key, with \`MAIL_PROVIDER=resend\``),
  RESEND_BASE_URL: setting(baseUrl("https://api.resend.com"), `Resend's API`),
  RESEND_REQUESTS_PER_SECOND: setting(
    wholeNumber(2, 1, 100),
    `the team's Resend rate limit (Resend's changelog says 2, newer docs 5); requests are paced to it`,
  ),
};

/**
 * The admin token's least length: 32 random base64 characters carry 192 bits, beyond guessing even at full
 * speed, and a short word or phrase is refused; the wait after wrong tokens (src/admin/guessing.ts) slows
 * guessing further.
 */
export const ADMIN_TOKEN_MIN_LENGTH = 32;

const alertsAndAdmin = {
  SLACK_WEBHOOK_URLS: secret(
    "optional",
    slackWebhooks,
    `JSON object of team name to Slack incoming webhook URL, for low-rating alerts and the Monday digest; \`"*"\` is the default`,
  ),
  WEEKLY_DIGEST: setting(
    oneOf(["on", "off"]),
    `\`on\`: every Monday from 09:00 in \`SUPPORT_TIMEZONE\` each team gets last week's digest in Slack (\`SLACK_WEBHOOK_URLS\`) and by email (\`DIGEST_EMAILS\`); \`off\`: none is stored or sent`,
  ),
  DIGEST_EMAILS: setting(
    teamAddresses,
    `JSON object of team name to the address its Monday digest is also emailed to (\`"*"\` is the default); a team without one gets the digest in Slack only`,
  ),
  DIGEST_EMPTY_WEEK: setting(
    oneOf(["line", "none"]),
    `a team with no answers last week gets a one-line digest (\`line\`) or none (\`none\`)`,
  ),
  ADMIN_TOKEN: secret(
    "optional",
    optionalLongSecret(ADMIN_TOKEN_MIN_LENGTH),
    `bearer token of the admin area, at least ${ADMIN_TOKEN_MIN_LENGTH} characters (\`openssl rand -base64 32\`); empty or shorter: the admin area is off (404)`,
  ),
};

const donations = {
  DONATION_REPORT_TO: setting(
    optionalText,
    `who receives the monthly donation report; empty: the report is stored but not emailed`,
  ),
  HEDGEHOG_COST: setting(wholeNumber(500, 0, 1_000_000), `the donation per hedgehog, in minor units (pence)`),
  DONATION_CURRENCY: setting(
    v.pipe(text("GBP"), v.regex(/^[A-Z]{3}$/, "must be a three-letter currency code such as GBP")),
    `ISO currency code`,
  ),
  DONATION_CHARITY: setting(text("Herts Wildlife Trust"), `who the donation goes to`),
  DONATION_PERIOD: setting(
    oneOf(["month", "quarter"]),
    `how often the donation is reported and paid: \`month\` (a report on the 1st of each month) or \`quarter\` (one report a quarter, on the 1st of January, April, July and October)`,
  ),
};

/** The settings by what they configure, in the order docs/settings.md lists them. */
export const SETTING_GROUPS = [
  ["Survey links and pages", surveyLinks],
  ["PostHog", posthog],
  ["Zendesk", zendesk],
  ["Dispatch", dispatch],
  ["PostHog Support", posthogSupport],
  ["Mail", mail],
  ["Alerts and the admin area", alertsAndAdmin],
  ["Donations", donations],
] as const;

/**
 * Every setting, defined once. The Env type and the parsed Settings follow from it by type; the
 * settings table in docs/settings.md is made from it (`npm run settings-table`), and a test checks that
 * `.dev.vars.example` lists its secrets and that wrangler.toml names only settings it defines.
 */
export const SETTINGS = {
  ...surveyLinks,
  ...posthog,
  ...zendesk,
  ...dispatch,
  ...posthogSupport,
  ...mail,
  ...alertsAndAdmin,
  ...donations,
} satisfies Record<string, SettingDefinition>;

export type SettingName = keyof typeof SETTINGS;

export const SettingsSchema = v.object(
  Object.fromEntries(Object.entries(SETTINGS).map(([name, s]) => [name, s.schema])) as {
    [K in SettingName]: (typeof SETTINGS)[K]["schema"];
  },
);

const isSettingName = (name: string): name is SettingName => Object.hasOwn(SETTINGS, name);

/**
 * The names given to the Worker as settings (string values: [vars] and secrets) that no setting has: a
 * typo such as `ZENDESK_BASEURL` would otherwise leave the real setting at its default unnoticed.
 * Bindings (D1, the Queue, send_email, assets) are objects, never strings.
 */
export function unknownSettingNames(env: Record<string, unknown>): string[] {
  return Object.keys(env).filter((name) => typeof env[name] === "string" && !isSettingName(name));
}

/** The defined setting nearest to an unknown name, for "did you mean …?" (none when nothing is close). */
export function nearestSettingName(unknown: string): SettingName | undefined {
  let best: { name: SettingName; distance: number } | undefined;
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const distance = editDistance(unknown.toUpperCase(), name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(unknown.length / 4)) ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** "ZENDESK_BASEURL is not a setting (did you mean ZENDESK_BASE_URL?)": one line per unknown name. */
export function unknownSettingProblems(env: Record<string, unknown>): string[] {
  return unknownSettingNames(env).map((name) => {
    const near = nearestSettingName(name);
    return `${name} is not a setting${near ? ` (did you mean ${near}?)` : ""}; it is ignored`;
  });
}

/** "ADMIN_TOKEN has 15 characters; …": a secret given but too short to be used, which leaves what it guards off. */
export function shortSecretProblems(env: Record<string, unknown>): string[] {
  const given = typeof env.ADMIN_TOKEN === "string" ? env.ADMIN_TOKEN.trim() : "";
  if (given === "" || given.length >= ADMIN_TOKEN_MIN_LENGTH) return [];
  return [
    `ADMIN_TOKEN has ${given.length} characters but needs at least ${ADMIN_TOKEN_MIN_LENGTH}, so the admin area is off (404); make one with \`openssl rand -base64 32\``,
  ];
}

/**
 * What is said when the Worker starts (and by `npm run dev` before it starts wrangler): settings that do
 * not stop the Worker but would otherwise go unnoticed, a misspelt name or an admin token too short to use.
 */
export function startupProblems(env: Record<string, unknown>): string[] {
  return [...unknownSettingProblems(env), ...shortSecretProblems(env)];
}

/** A setting's default as it would be written in wrangler.toml (a string; "" for empty); undefined when it has none. */
export function defaultOf(name: SettingName): string | undefined {
  const value = v.getDefault(SETTINGS[name].schema as v.GenericSchema) as unknown;
  return typeof value === "string" ? value : undefined;
}

/** docs/settings.md's tables, one per group, made from the definitions above. */
export function settingsTable(): string {
  return SETTING_GROUPS.map(([title, group]) => {
    const rows = (Object.entries(group) as Array<[SettingName, SettingDefinition]>).map(([name, s]) => {
      const fallback = defaultOf(name);
      const shown = s.secret
        ? s.secret === "required"
          ? "(secret, required)"
          : "(secret)"
        : fallback === undefined || fallback === ""
          ? "(empty)"
          : `\`${fallback}\``;
      return `| \`${name}\` | ${shown} | ${s.meaning} |`;
    });
    return [`### ${title}`, "", "| name | default | meaning |", "|---|---|---|", ...rows].join("\n");
  }).join("\n\n");
}
