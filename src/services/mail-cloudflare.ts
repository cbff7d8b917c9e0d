import { failed, retry, type Outcome } from "./outcome";
import type { EmailOutcome, Mailer } from "./mail";

/**
 * Codes Cloudflare's `send_email` binding throws that no retry can fix (cloudflare-docs:
 * email-service/api/send-emails/workers-api, email-service/reference/headers): the sender's domain is
 * not onboarded, the recipient is not allowed or is suppressed, a header is refused, or the message
 * is malformed.
 */
const PERMANENT = /^E_(SENDER_NOT_VERIFIED|RECIPIENT_NOT_ALLOWED|RECIPIENT_SUPPRESSED|HEADER_\w+|VALIDATION_ERROR)$/;

/** Until the next UTC midnight, when a daily quota is assumed to start again (capped by the Queue's 12 hours). */
function untilNextUtcDay(now: number): number {
  const next = new Date(now);
  next.setUTCHours(24, 0, 0, 0);
  return next.getTime() - now;
}

function classify(err: unknown, now: number): EmailOutcome {
  const code = String((err as { code?: unknown })?.code ?? "");
  const reason = `${code || "error"}: ${err instanceof Error ? err.message : String(err)}`;
  if (code === "E_RATE_LIMIT_EXCEEDED") return retry(60_000, reason, false);
  if (code === "E_DAILY_LIMIT_EXCEEDED") return retry(untilNextUtcDay(now) + 60_000, reason, false);
  if (PERMANENT.test(code)) return failed(reason, { code });
  // An internal error: Cloudflare may or may not have accepted the message.
  return retry(5 * 60_000, reason, true);
}

/**
 * The binding takes a sender as an address or `{name, email}`, not as "Name <address>" (workers-types
 * `SendEmail`, cloudflare-docs email-service/api/send-emails/workers-api).
 */
function senderOf(from: string): string | { name: string; email: string } {
  const match = /^\s*"?([^"<]*?)"?\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(from);
  if (!match) return from.trim();
  return match[1] ? { name: match[1], email: match[2]! } : match[2]!;
}

/** Cloudflare Email Service through the `send_email` binding: one email a call, no idempotency keys. */
export function cloudflareMailer(binding: SendEmail): Mailer {
  return {
    name: "cloudflare",
    maxEmailsPerInvocation: 200,
    batchSize: 1,
    idempotent: false,
    async send(emails) {
      const outcomes: EmailOutcome[] = [];
      for (const e of emails) {
        // After a rate or quota refusal the rest would be refused too: they wait with it.
        const stop = outcomes.find((o) => o.kind === "retry" && !o.maybeDone);
        if (stop) {
          outcomes.push(stop);
          continue;
        }
        try {
          const result = await binding.send({
            from: senderOf(e.from),
            to: e.to,
            subject: e.subject,
            html: e.html,
            text: e.text,
            headers: e.headers,
          });
          outcomes.push({ kind: "done", value: result?.messageId ?? "cloudflare" } satisfies Outcome<string>);
        } catch (err) {
          outcomes.push(classify(err, Date.now()));
        }
      }
      return outcomes;
    },
  };
}
