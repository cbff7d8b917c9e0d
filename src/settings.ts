import * as v from "valibot";

const text = (fallback: string) => v.optional(v.pipe(v.string(), v.trim()), fallback);
const optionalText = v.pipe(
  v.optional(v.string(), ""),
  v.trim(),
  v.transform((s) => (s === "" ? undefined : s)),
);
const wholeNumber = (fallback: number, min: number, max: number) =>
  v.pipe(
    v.optional(v.string(), String(fallback)),
    v.trim(),
    v.regex(/^\d+$/, "must be a whole number"),
    v.transform(Number),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );
const list = (fallback: string) =>
  v.pipe(
    v.optional(v.string(), fallback),
    v.transform((s) =>
      s
        .split(",")
        .map((x) => x.trim().toLowerCase())
        .filter((x) => x !== ""),
    ),
  );
const baseUrl = (fallback: string) =>
  v.pipe(
    v.optional(v.string(), fallback),
    v.trim(),
    v.url("must be an absolute URL such as https://example.com"),
    v.transform((s) => s.replace(/\/+$/, "")),
  );
const optionalBaseUrl = v.pipe(
  optionalText,
  v.union([
    v.undefined(),
    v.pipe(
      v.string(),
      v.url("must be an absolute URL"),
      v.transform((s) => s.replace(/\/+$/, "")),
    ),
  ]),
);

/** Team name -> Slack incoming webhook. `*` is the default for teams without their own. */
const slackWebhooks = v.pipe(
  optionalText,
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    if (dataset.value === undefined) return {} as unknown;
    try {
      return JSON.parse(dataset.value) as unknown;
    } catch {
      addIssue({ message: "must be a JSON object of team name to webhook URL" });
      return NEVER;
    }
  }),
  v.record(v.string(), v.pipe(v.string(), v.url("each webhook must be a URL"))),
);

/** The handbook's response targets: hours Monday to Friday per plan; `null` means no target (Free: community only). */
const DEFAULT_RESPONSE_TARGET_HOURS = { pay_as_you_go: 72, boost: 48, scale: 24, enterprise: 8, free: null };

/** A plan's name as the product compares it: lower case, anything but letters and digits as `_`. */
export function planKey(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

const optionalFieldId = v.pipe(
  optionalText,
  v.union([
    v.undefined(),
    v.pipe(v.string(), v.regex(/^\d{1,16}$/, "must be a Zendesk ticket field id (a number)"), v.transform(Number)),
  ]),
);

const responseTargets = v.pipe(
  v.optional(v.string(), JSON.stringify(DEFAULT_RESPONSE_TARGET_HOURS)),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    if (dataset.value.trim() === "") return DEFAULT_RESPONSE_TARGET_HOURS as unknown;
    let parsed: unknown;
    try {
      parsed = JSON.parse(dataset.value);
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      addIssue({ message: 'must be a JSON object of plan to hours, e.g. {"scale": 24, "free": null}' });
      return NEVER;
    }
    return parsed;
  }),
  v.record(
    v.pipe(v.string(), v.minLength(1, "a plan name must not be empty")),
    v.nullable(
      v.pipe(
        v.number("each target must be a number of hours or null"),
        v.minValue(0, "hours must not be negative"),
        v.maxValue(10_000, "hours must be at most 10,000"),
      ),
    ),
  ),
  v.transform((map) => Object.fromEntries(Object.entries(map).map(([plan, hours]) => [planKey(plan), hours]))),
);

const TIME_ZONE_PROBLEM = "must be an IANA time zone such as Europe/London";

/** Whether the runtime knows this IANA time zone (loads Intl's zone data on its first call). */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Why a known-shaped SUPPORT_TIMEZONE is still refused, for SettingsError. */
export const UNKNOWN_TIME_ZONE = `SUPPORT_TIMEZONE: ${TIME_ZONE_PROBLEM}`;

/**
 * The shape of an IANA time zone name (`UTC`, `Europe/London`, `America/Argentina/Buenos_Aires`) or
 * an offset (`+05:30`, which Intl also takes). Whether the runtime knows the zone is checked by
 * `isKnownTimeZone` when the sync runs, not here:
 * the first Intl call loads the time-zone data (about 17 ms), and the survey page's cold start, which
 * never uses the zone, should not pay for it (bench/first-view.ts).
 */
const timeZone = v.pipe(
  text("UTC"),
  v.regex(/^(?:[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*|[+-]\d{2}(?::?\d{2})?)$/, TIME_ZONE_PROBLEM),
);

/**
 * One setting: how it is read (its valibot schema, with its default), what it means, and whether it is
 * a secret (`wrangler secret put`, `.dev.vars`) rather than a `[vars]` entry of wrangler.toml.
 */
export interface SettingDefinition<S extends v.GenericSchema = v.GenericSchema> {
  schema: S;
  meaning: string;
  secret?: "required" | "optional";
}

/** A setting kept in wrangler.toml's [vars]. */
const setting = <S extends v.GenericSchema>(schema: S, meaning: string) => ({ schema, meaning });

/** A setting kept as a secret, required or not. */
const secret = <S extends v.GenericSchema>(secret: "required" | "optional", schema: S, meaning: string) => ({
  schema,
  meaning,
  secret,
});

/**
 * Every setting, defined once. The Env type, the parsed Settings, wrangler.toml's [vars],
 * .dev.vars.example and the README's settings table follow from this list (the first two by type,
 * the others checked by test/node/settings.test.ts; `npm run settings-table` prints the README table).
 */
export const SETTINGS = {
  PUBLIC_BASE_URL: setting(
    baseUrl("http://127.0.0.1:8787"),
    `where the survey page is served; used in links and the cross-site check`,
  ),
  SURVEY_LINK_SECRET: secret(
    "required",
    v.pipe(
      v.string("is required (set it with `wrangler secret put SURVEY_LINK_SECRET`)"),
      v.minLength(16, "must be at least 16 characters"),
    ),
    `HMAC-SHA256 key of survey links, at least 16 characters`,
  ),

  LINK_TTL_DAYS: setting(wholeNumber(30, 1, 365), `how long a survey link works`),
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
    v.pipe(text("csat-rating"), v.regex(/^[\w-]{1,64}$/, "must be letters, digits, - or _")),
    `question id of the rating (use the survey's real question id)`,
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
  POSTHOG_COMMENT_QUESTION_ID: setting(
    v.pipe(text("csat-comment"), v.regex(/^[\w-]{1,64}$/, "must be letters, digits, - or _")),
    `question id of the comment`,
  ),
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

  SURVEY_DELAY_DAYS: setting(wholeNumber(3, 0, 60), `days after solving before the survey is sent`),
  SURVEY_THROTTLE_DAYS: setting(wholeNumber(7, 0, 365), `an address gets at most one survey in this many days`),
  SURVEY_LOOKBACK_DAYS: setting(
    wholeNumber(30, 1, 365),
    `tickets solved longer ago are never surveyed (and the first sync starts this far back)`,
  ),
  EXCLUDED_TAGS: setting(list("spam,abuse,legal,no_csat"), `tickets with any of these tags are skipped`),
  INTERNAL_DOMAINS: setting(list("posthog.com"), `requesters at these domains (and their subdomains) are skipped`),
  MAIL_PROVIDER: setting(
    v.optional(v.picklist(["outbox", "cloudflare", "resend"], "must be outbox, cloudflare or resend"), "outbox"),
    `\`outbox\` (D1, local default), \`resend\`, or \`cloudflare\` (the \`send_email\` binding)`,
  ),
  MAIL_FROM: setting(text("PostHog Support <support@example.com>"), `sender of the survey emails`),
  RESEND_API_KEY: secret("optional", optionalText, `Resend API key, with \`MAIL_PROVIDER=resend\``),

  RESEND_BASE_URL: setting(baseUrl("https://api.resend.com"), `Resend's API`),
  RESEND_REQUESTS_PER_SECOND: setting(
    wholeNumber(2, 1, 100),
    `the team's Resend rate limit (Resend's changelog says 2, newer docs 5); requests are paced to it`,
  ),
  ZENDESK_EXPORT_REQUESTS_PER_MINUTE: setting(
    wholeNumber(10, 1, 1000),
    `the account's incremental-export quota (30 with Zendesk's High Volume add-on); requests are paced to it`,
  ),
  ADMIN_TOKEN: secret("optional", optionalText, `bearer token of the admin area; empty: the admin area is off (404)`),

  SLACK_WEBHOOK_URLS: secret(
    "optional",
    slackWebhooks,
    `JSON object of team name to Slack incoming webhook URL; \`"*"\` is the default`,
  ),

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
    `the IANA time zone whose Saturday and Sunday are not counted (e.g. \`Europe/London\`)`,
  ),
  UNSIGNED_LINKS: setting(
    v.optional(v.picklist(["off", "verify"], "must be off or verify"), "off"),
    `\`verify\`: links without a signature (a Zendesk automation's \`?distinct_id=…&ticketId=…&team=…\`) are accepted once the ticket is checked against Zendesk; \`off\`: refused as incomplete`,
  ),
  SURVEY_EMAILS: setting(
    v.optional(v.picklist(["send", "off"], "must be send or off"), "send"),
    `\`send\`: the dispatcher emails each due survey; \`off\`: it emails none (a Zendesk automation sends the links; the sync still runs for unsigned links and support context)`,
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
} satisfies Record<string, SettingDefinition>;

export type SettingName = keyof typeof SETTINGS;

export const SettingsSchema = v.object(
  Object.fromEntries(Object.entries(SETTINGS).map(([name, s]) => [name, s.schema])) as {
    [K in SettingName]: (typeof SETTINGS)[K]["schema"];
  },
);

/** A setting's default as it is written in wrangler.toml (a string; "" for empty); undefined when it has none. */
export function defaultOf(name: SettingName): string | undefined {
  const value = v.getDefault(SETTINGS[name].schema as v.GenericSchema) as unknown;
  return typeof value === "string" ? value : undefined;
}

/** The README's settings table, made from the list above. */
export function settingsTable(): string {
  const rows = (Object.entries(SETTINGS) as Array<[SettingName, SettingDefinition]>).map(([name, s]) => {
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
  return ["| name | default | meaning |", "|---|---|---|", ...rows].join("\n");
}
