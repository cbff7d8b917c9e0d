import * as v from "valibot";
import { isKnownTimeZone, SettingsSchema, UNKNOWN_TIME_ZONE, startupProblems, type SettingName } from "./settings";

/** Where tickets come from (TICKET_SOURCES). */
export type TicketSource = "zendesk" | "posthog-support";

type RawSettings = v.InferOutput<typeof SettingsSchema>;

/**
 * The parsed settings the code uses, grouped by what they serve. Their types come from the schemas in
 * src/settings.ts (through toSettings, which places every setting; a test checks it reads them all).
 */
export type Settings = ReturnType<typeof toSettings>;

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings: ${problems.join("; ")}`);
    this.name = "SettingsError";
  }
}

/** Where each parsed setting goes. Exported for the test that checks every setting is placed. */
export function toSettings(s: RawSettings) {
  return {
    publicBaseUrl: s.PUBLIC_BASE_URL,
    linkSecret: s.SURVEY_LINK_SECRET,
    linkTtlDays: s.LINK_TTL_DAYS,
    addressFingerprintKey: s.ADDRESS_FINGERPRINT_KEY,
    posthog: {
      apiKey: s.POSTHOG_API_KEY,
      host: s.POSTHOG_HOST,
      surveyId: s.POSTHOG_SURVEY_ID,
      surveyName: s.POSTHOG_SURVEY_NAME,
      ratingQuestionId: s.POSTHOG_RATING_QUESTION_ID,
      commentQuestionId: s.POSTHOG_COMMENT_QUESTION_ID,
      reasonsQuestionId: s.POSTHOG_REASONS_QUESTION_ID,
      // For erasure and the setup check: PostHog's private API (personal key, project number, app host).
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
      reminderDays: s.SURVEY_REMINDER_DAYS,
      lookbackDays: s.SURVEY_LOOKBACK_DAYS,
      excludedTags: s.EXCLUDED_TAGS,
      internalDomains: s.INTERNAL_DOMAINS,
    },
    ticketSources: s.TICKET_SOURCES as TicketSource[],
    posthogSupport: {
      webhookSecret: s.POSTHOG_SUPPORT_WEBHOOK_SECRET,
      delayDays: s.POSTHOG_SUPPORT_SURVEY_DELAY_DAYS,
      noEmailChannels: s.POSTHOG_SUPPORT_NO_EMAIL_CHANNELS,
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
    lowRatingReasons: s.LOW_RATING_REASONS,
    surveyEmails: s.SURVEY_EMAILS,
    csatFieldId: s.ZENDESK_CSAT_FIELD_ID,
    slackWebhooks: s.SLACK_WEBHOOK_URLS,
    digest: { enabled: s.WEEKLY_DIGEST === "on", emails: s.DIGEST_EMAILS, emptyWeek: s.DIGEST_EMPTY_WEEK },
    donation: {
      reportTo: s.DONATION_REPORT_TO,
      hedgehogCostMinor: s.HEDGEHOG_COST,
      currency: s.DONATION_CURRENCY,
      charity: s.DONATION_CHARITY,
      period: s.DONATION_PERIOD,
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
const reported = new Set<string>();

/**
 * The settings of this deployment, parsed once per env object. A name given as a setting that no
 * setting has (a typo in [vars] or a secret's name) is logged once per isolate, naming it: the
 * setting meant keeps its default, and the log says so rather than leaving it unnoticed. So is an
 * ADMIN_TOKEN too short to use, which leaves the admin area off.
 */
export function settingsOf(env: { [K in SettingName]?: string }): Settings {
  let settings = cache.get(env);
  if (!settings) {
    settings = parseSettings(env as unknown as Record<string, unknown>);
    cache.set(env, settings);
    for (const problem of startupProblems(env as Record<string, unknown>)) {
      if (reported.has(problem)) continue;
      reported.add(problem);
      console.error(`configuration: ${problem}`);
    }
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
