import type { QueueMessage } from "./queue-message";

/** Bindings and settings, as wrangler.toml declares them. Settings arrive as strings; src/config.ts parses them. */
export interface Env {
  DB: D1Database;
  DISPATCH: Queue<QueueMessage>;
  EMAIL: SendEmail;

  PUBLIC_BASE_URL?: string;
  SURVEY_LINK_SECRET?: string;
  LINK_TTL_DAYS?: string;
  POSTHOG_API_KEY?: string;
  POSTHOG_HOST?: string;
  POSTHOG_SURVEY_ID?: string;
  POSTHOG_SURVEY_NAME?: string;
  POSTHOG_RATING_QUESTION_ID?: string;
  POSTHOG_COMMENT_QUESTION_ID?: string;
  POSTHOG_PERSONAL_API_KEY?: string;
  POSTHOG_PROJECT_ID?: string;
  POSTHOG_APP_HOST?: string;
  ZENDESK_BASE_URL?: string;
  ZENDESK_EMAIL?: string;
  ZENDESK_API_TOKEN?: string;
  ZENDESK_OAUTH_TOKEN?: string;
  SURVEY_DELAY_DAYS?: string;
  SURVEY_THROTTLE_DAYS?: string;
  SURVEY_LOOKBACK_DAYS?: string;
  EXCLUDED_TAGS?: string;
  INTERNAL_DOMAINS?: string;
  MAIL_PROVIDER?: string;
  MAIL_FROM?: string;
  RESEND_API_KEY?: string;
  RESEND_BASE_URL?: string;
  RESEND_REQUESTS_PER_SECOND?: string;
  ZENDESK_EXPORT_REQUESTS_PER_MINUTE?: string;
  ADMIN_TOKEN?: string;
  SLACK_WEBHOOK_URLS?: string;
  DONATION_REPORT_TO?: string;
  HEDGEHOG_COST?: string;
  DONATION_CURRENCY?: string;
  DONATION_CHARITY?: string;
  UNSIGNED_LINKS?: string;
  ZENDESK_CSAT_FIELD_ID?: string;
  BRAND_NAME?: string;
  BRAND_LOGO_URL?: string;
  ZENDESK_PLAN_FIELD_ID?: string;
  ZENDESK_SEVERITY_FIELD_ID?: string;
  RESPONSE_TARGET_HOURS?: string;
  SUPPORT_TIMEZONE?: string;
}
