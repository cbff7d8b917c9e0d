import type { Settings } from "../config";
import type { Mailer } from "./mail";
import { cloudflareMailer } from "./mail-cloudflare";
import { outboxMailer } from "./mail-outbox";
import { resendMailer } from "./mail-resend";

/** The configured mail provider. Throws when it lacks its key (callers wait rather than fail). */
export function mailerFor(
  settings: Settings,
  bindings: { EMAIL: SendEmail },
  deps: { db: D1Database; fetcher: typeof fetch; sleep?: (ms: number) => Promise<void> },
): Mailer {
  switch (settings.mail.provider) {
    case "resend":
      if (!settings.mail.resendApiKey) throw new Error("MAIL_PROVIDER is resend but RESEND_API_KEY is not set");
      return resendMailer(
        {
          apiKey: settings.mail.resendApiKey,
          baseUrl: settings.mail.resendBaseUrl,
          requestsPerSecond: settings.mail.resendRequestsPerSecond,
        },
        deps,
      );
    case "cloudflare":
      return cloudflareMailer(bindings.EMAIL);
    default:
      return outboxMailer(deps.db);
  }
}
