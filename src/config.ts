import * as v from "valibot";
import { isKnownTimeZone, SettingsSchema, UNKNOWN_TIME_ZONE, type SettingName } from "./settings";

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
  /** Whether the dispatcher emails due surveys (off when a Zendesk automation sends the links). */
  surveyEmails: "send" | "off";
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
    surveyEmails: s.SURVEY_EMAILS,
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

/** The settings of this deployment, parsed once per env object (either Worker's: only its settings are read). */
export function settingsOf(env: { [K in SettingName]?: string }): Settings {
  let settings = cache.get(env);
  if (!settings) {
    settings = parseSettings(env as unknown as Record<string, unknown>);
    cache.set(env, settings);
  }
  return settings;
}

/**
 * Throws a SettingsError naming SUPPORT_TIMEZONE unless the runtime knows its zone. Called by the sync,
 * the one user of the zone, rather than on every request: the check loads Intl's time-zone data, which
 * a customer's cold start should not pay for, and an unknown zone then stops only the sync.
 */
export function checkSupportTimeZone(settings: Settings): void {
  if (!isKnownTimeZone(settings.support.timeZone)) throw new SettingsError([UNKNOWN_TIME_ZONE]);
}
