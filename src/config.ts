import * as v from "valibot";
import type { Env } from "./env";

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
export const DEFAULT_RESPONSE_TARGET_HOURS = { pay_as_you_go: 72, boost: 48, scale: 24, enterprise: 8, free: null };

/** A plan's name as the product compares it: lower case, anything but letters and digits as `_`. */
export function planKey(value: string): string {
  return value.trim().toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
}

const optionalFieldId = v.pipe(
  optionalText,
  v.union([v.undefined(), v.pipe(v.string(), v.regex(/^\d{1,16}$/, "must be a Zendesk ticket field id (a number)"), v.transform(Number))]),
);

const responseTargets = v.pipe(
  v.optional(v.string(), ""),
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
    v.nullable(v.pipe(v.number("each target must be a number of hours or null"), v.minValue(0, "hours must not be negative"), v.maxValue(10_000, "hours must be at most 10,000"))),
  ),
  v.transform((map) => Object.fromEntries(Object.entries(map).map(([plan, hours]) => [planKey(plan), hours]))),
);

const timeZone = v.pipe(
  text("UTC"),
  v.check((zone) => {
    try {
      new Intl.DateTimeFormat("en-GB", { timeZone: zone });
      return zone !== "";
    } catch {
      return false;
    }
  }, "must be an IANA time zone such as Europe/London"),
);

const SettingsSchema = v.object({
  PUBLIC_BASE_URL: baseUrl("http://127.0.0.1:8787"),
  SURVEY_LINK_SECRET: v.pipe(
    v.string("is required (set it with `wrangler secret put SURVEY_LINK_SECRET`)"),
    v.minLength(16, "must be at least 16 characters"),
  ),
  LINK_TTL_DAYS: wholeNumber(30, 1, 365),
  POSTHOG_API_KEY: optionalText,
  POSTHOG_HOST: baseUrl("https://us.i.posthog.com"),
  POSTHOG_SURVEY_ID: v.pipe(text("hedgehog-csat-dev"), v.minLength(1, "must not be empty")),
  POSTHOG_SURVEY_NAME: text("Customer satisfaction score (CSAT)"),
  POSTHOG_RATING_QUESTION_ID: v.pipe(text("csat-rating"), v.regex(/^[\w-]{1,64}$/, "must be letters, digits, - or _")),
  POSTHOG_PERSONAL_API_KEY: optionalText,
  POSTHOG_PROJECT_ID: v.pipe(
    optionalText,
    v.union([v.undefined(), v.pipe(v.string(), v.regex(/^\d+$/, "must be the project's number"))]),
  ),
  POSTHOG_APP_HOST: baseUrl("https://us.posthog.com"),
  POSTHOG_COMMENT_QUESTION_ID: v.pipe(
    text("csat-comment"),
    v.regex(/^[\w-]{1,64}$/, "must be letters, digits, - or _"),
  ),
  ZENDESK_BASE_URL: optionalBaseUrl,
  ZENDESK_EMAIL: optionalText,
  ZENDESK_API_TOKEN: optionalText,
  ZENDESK_OAUTH_TOKEN: optionalText,
  SURVEY_DELAY_DAYS: wholeNumber(3, 0, 60),
  SURVEY_THROTTLE_DAYS: wholeNumber(7, 0, 365),
  SURVEY_LOOKBACK_DAYS: wholeNumber(30, 1, 365),
  EXCLUDED_TAGS: list("spam,abuse,legal,no_csat"),
  INTERNAL_DOMAINS: list("posthog.com"),
  MAIL_PROVIDER: v.optional(
    v.picklist(["outbox", "cloudflare", "resend"], "must be outbox, cloudflare or resend"),
    "outbox",
  ),
  MAIL_FROM: text("PostHog Support <support@example.com>"),
  RESEND_API_KEY: optionalText,
  RESEND_BASE_URL: baseUrl("https://api.resend.com"),
  RESEND_REQUESTS_PER_SECOND: wholeNumber(2, 1, 100),
  ZENDESK_EXPORT_REQUESTS_PER_MINUTE: wholeNumber(10, 1, 1000),
  ADMIN_TOKEN: optionalText,
  SLACK_WEBHOOK_URLS: slackWebhooks,
  DONATION_REPORT_TO: optionalText,
  HEDGEHOG_COST: wholeNumber(500, 0, 1_000_000),
  DONATION_CURRENCY: v.pipe(text("GBP"), v.regex(/^[A-Z]{3}$/, "must be a three-letter currency code such as GBP")),
  DONATION_CHARITY: text("Herts Wildlife Trust"),
  ZENDESK_PLAN_FIELD_ID: optionalFieldId,
  ZENDESK_SEVERITY_FIELD_ID: optionalFieldId,
  RESPONSE_TARGET_HOURS: responseTargets,
  SUPPORT_TIMEZONE: timeZone,
  UNSIGNED_LINKS: v.optional(v.picklist(["off", "verify"], "must be off or verify"), "off"),
  ZENDESK_CSAT_FIELD_ID: v.pipe(
    optionalText,
    v.union([v.undefined(), v.pipe(v.string(), v.regex(/^\d{1,15}$/, "must be the ticket field's number"), v.transform(Number))]),
  ),
  BRAND_NAME: v.pipe(text("PostHog"), v.minLength(1, "must not be empty"), v.maxLength(60, "must be at most 60 characters")),
  BRAND_LOGO_URL: v.pipe(
    optionalText,
    v.union([
      v.undefined(),
      v.pipe(
        v.string(),
        v.regex(/^(https:\/\/\S+|data:image\/(png|svg\+xml|webp|gif|jpeg);base64,[A-Za-z0-9+/=]+)$/, "must be an https: URL or a base64 data:image URL"),
        v.maxLength(20_000, "must be at most 20,000 characters (a small logo)"),
      ),
    ]),
  ),
});

type RawSettings = v.InferOutput<typeof SettingsSchema>;

export interface Settings {
  publicBaseUrl: string;
  linkSecret: string;
  linkTtlDays: number;
  posthog: {
    apiKey: string | undefined;
    host: string;
    surveyId: string;
    surveyName: string;
    ratingQuestionId: string;
    commentQuestionId: string;
    /** For erasure: PostHog's private API (personal key with person:write, project number, app host). */
    personalApiKey: string | undefined;
    projectId: string | undefined;
    appHost: string;
  };
  zendesk: {
    baseUrl: string | undefined;
    email: string | undefined;
    apiToken: string | undefined;
    oauthToken: string | undefined;
    exportRequestsPerMinute: number;
  };
  dispatch: {
    delayDays: number;
    throttleDays: number;
    lookbackDays: number;
    excludedTags: string[];
    internalDomains: string[];
  };
  mail: {
    provider: "outbox" | "cloudflare" | "resend";
    from: string;
    resendApiKey: string | undefined;
    resendBaseUrl: string;
    resendRequestsPerSecond: number;
  };
  adminToken: string | undefined;
  /** Links without a signature (from a Zendesk automation): refused, or accepted once checked against Zendesk. */
  unsignedLinks: "off" | "verify";
  /** The ticket field that receives each answer's rating (and a csat_<rating> tag); none when unset. */
  csatFieldId: number | undefined;
  /** Shown on the survey pages and in the survey email. */
  brand: { name: string; logoUrl: string | undefined };
  slackWebhooks: Record<string, string>;
  donation: { reportTo: string | undefined; hedgehogCost: number; currency: string; charity: string };
  /** The support context of each answer: ticket fields, response targets and the support week's time zone. */
  support: {
    planFieldId: number | undefined;
    severityFieldId: number | undefined;
    targetHours: Record<string, number | null>;
    timeZone: string;
  };
}

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings: ${problems.join("; ")}`);
    this.name = "SettingsError";
  }
}

function toSettings(s: RawSettings): Settings {
  return {
    publicBaseUrl: s.PUBLIC_BASE_URL,
    linkSecret: s.SURVEY_LINK_SECRET,
    linkTtlDays: s.LINK_TTL_DAYS,
    posthog: {
      apiKey: s.POSTHOG_API_KEY,
      host: s.POSTHOG_HOST,
      surveyId: s.POSTHOG_SURVEY_ID,
      surveyName: s.POSTHOG_SURVEY_NAME,
      ratingQuestionId: s.POSTHOG_RATING_QUESTION_ID,
      commentQuestionId: s.POSTHOG_COMMENT_QUESTION_ID,
      personalApiKey: s.POSTHOG_PERSONAL_API_KEY,
      projectId: s.POSTHOG_PROJECT_ID,
      appHost: s.POSTHOG_APP_HOST,
    },
    zendesk: {
      baseUrl: s.ZENDESK_BASE_URL,
      email: s.ZENDESK_EMAIL,
      apiToken: s.ZENDESK_API_TOKEN,
      oauthToken: s.ZENDESK_OAUTH_TOKEN,
      exportRequestsPerMinute: s.ZENDESK_EXPORT_REQUESTS_PER_MINUTE,
    },
    dispatch: {
      delayDays: s.SURVEY_DELAY_DAYS,
      throttleDays: s.SURVEY_THROTTLE_DAYS,
      lookbackDays: s.SURVEY_LOOKBACK_DAYS,
      excludedTags: s.EXCLUDED_TAGS,
      internalDomains: s.INTERNAL_DOMAINS,
    },
    mail: {
      provider: s.MAIL_PROVIDER,
      from: s.MAIL_FROM,
      resendApiKey: s.RESEND_API_KEY,
      resendBaseUrl: s.RESEND_BASE_URL,
      resendRequestsPerSecond: s.RESEND_REQUESTS_PER_SECOND,
    },
    adminToken: s.ADMIN_TOKEN,
    brand: { name: s.BRAND_NAME, logoUrl: s.BRAND_LOGO_URL },
    unsignedLinks: s.UNSIGNED_LINKS,
    csatFieldId: s.ZENDESK_CSAT_FIELD_ID,
    slackWebhooks: s.SLACK_WEBHOOK_URLS,
    donation: {
      reportTo: s.DONATION_REPORT_TO,
      hedgehogCost: s.HEDGEHOG_COST,
      currency: s.DONATION_CURRENCY,
      charity: s.DONATION_CHARITY,
    },
    support: {
      planFieldId: s.ZENDESK_PLAN_FIELD_ID,
      severityFieldId: s.ZENDESK_SEVERITY_FIELD_ID,
      targetHours: s.RESPONSE_TARGET_HOURS,
      timeZone: s.SUPPORT_TIMEZONE,
    },
  };
}

/** Parses the settings from plain strings; throws SettingsError naming every bad setting. */
export function parseSettings(raw: Record<string, unknown>): Settings {
  const result = v.safeParse(SettingsSchema, raw);
  if (!result.success) {
    throw new SettingsError(result.issues.map((issue) => `${v.getDotPath(issue) ?? "settings"}: ${issue.message}`));
  }
  return toSettings(result.output);
}

const cache = new WeakMap<object, Settings>();

/** The settings of this deployment, parsed once per env object. */
export function settingsOf(env: Env): Settings {
  let settings = cache.get(env);
  if (!settings) {
    settings = parseSettings(env as unknown as Record<string, unknown>);
    cache.set(env, settings);
  }
  return settings;
}
