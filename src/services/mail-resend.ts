import * as v from "valibot";
import { done, failed, retry } from "./outcome";
import type { EmailOutcome, Mailer, OutgoingEmail } from "./mail";
import { callService, excerpt, jsonAnswer, type ServiceResponse } from "./request";

export interface ResendSettings {
  apiKey: string;
  baseUrl: string;
  /** Resend's limit is per team: 2 requests a second (resend.com changelog; newer docs say 5). */
  requestsPerSecond: number;
}

/** The batch answer: ids of the emails sent, and in permissive mode the ones refused (resend-node src/batch). */
const BatchAnswer = v.object({
  data: v.optional(v.array(v.object({ id: v.string() })), []),
  errors: v.optional(v.array(v.object({ index: v.number(), message: v.string() })), []),
});
const ErrorAnswer = v.object({ name: v.optional(v.string()), message: v.optional(v.string()) });

function errorName(r: ServiceResponse): { name: string; message: string } {
  const parsed = jsonAnswer(r.text, ErrorAnswer);
  return parsed ? { name: parsed.name ?? "", message: parsed.message ?? "" } : { name: "", message: excerpt(r.text) };
}

/**
 * Resend's own refusals, by the error `name` it documents (resend-node src/interfaces.ts):
 * - 409 concurrent_idempotent_requests: the first request with this key is still in flight; ask
 *   again shortly with the same request (it may be sending right now);
 * - 409 invalid_idempotent_request: the key was used with a different body. We only ever replay the
 *   exact bytes of a first attempt, so this means that attempt's fate cannot be learnt: fail rather
 *   than risk a second email;
 * - 401, and 403 invalid_api_key: our key is wrong; nothing is sent until the setting is fixed, so wait;
 * - other 4xx (validation, an unverified sending domain): permanent for the whole request.
 */
function classify(r: ServiceResponse) {
  if (r.status < 400 || r.status === 429 || r.status >= 500) return undefined;
  const { name, message } = errorName(r);
  const reason = `Resend answered ${r.status} ${name}: ${message}`.trim();
  if (r.status === 409 && name === "concurrent_idempotent_requests") return retry(5_000, reason, true);
  if (r.status === 401 || (r.status === 403 && name === "invalid_api_key"))
    return retry(15 * 60_000, `${reason} (check RESEND_API_KEY)`, false);
  return failed(reason, { code: name || String(r.status) });
}

/**
 * Resend's batch endpoint: up to 100 emails in one request, in permissive validation mode (one
 * invalid address fails only its own email), with an Idempotency-Key so the same request within 24
 * hours sends nothing new. Paced to the team's rate across every invocation.
 */
export function resendMailer(
  settings: ResendSettings,
  deps: { db: D1Database; fetcher: typeof fetch; sleep?: (ms: number) => Promise<void> },
): Mailer {
  return {
    name: "resend",
    maxEmailsPerInvocation: 10_000,
    batchSize: 100,
    idempotent: true,
    async send(emails: OutgoingEmail[], requestKey: string): Promise<EmailOutcome[]> {
      const result = await callService({
        service: "Resend",
        url: `${settings.baseUrl}/emails/batch`,
        method: "POST",
        headers: {
          authorization: `Bearer ${settings.apiKey}`,
          "content-type": "application/json",
          // Resend refuses requests without a User-Agent (403, error 1010).
          "user-agent": "hedgehog-csat/1.0",
          "idempotency-key": requestKey,
          "x-batch-validation": "permissive",
        },
        body: JSON.stringify(
          emails.map((e) => ({
            from: e.from,
            to: [e.to],
            subject: e.subject,
            html: e.html,
            text: e.text,
            headers: e.headers,
          })),
        ),
        timeoutMs: 30_000,
        fetcher: deps.fetcher,
        // A window a little over the documented second: requests arrive a few milliseconds after they leave.
        pace: {
          db: deps.db,
          rule: { key: `resend:${settings.baseUrl}`, limit: settings.requestsPerSecond, windowMs: 1050 },
          maxWaitMs: 20_000,
          sleep: deps.sleep,
        },
        classify,
        // A 429 without a usable Retry-After (a daily quota, say) waits a minute, not a pacing interval.
        unspecifiedWaitMs: 60_000,
      });
      if (result.kind !== "done") return emails.map(() => result);
      const answer = jsonAnswer(result.value.text, BatchAnswer);
      const refused = new Map((answer?.errors ?? []).map((e) => [e.index, e.message]));
      const ids = answer?.data.map((d) => d.id) ?? [];
      const acceptedCount = emails.length - refused.size;
      let next = 0;
      return emails.map((_, index) => {
        const refusal = refused.get(index);
        if (refusal !== undefined) return failed(`Resend refused this email: ${refusal}`, { code: "validation_error" });
        // Accepted, but the ids do not line up: never resend (that could deliver twice).
        if (ids.length !== acceptedCount) return done(`resend-request:${requestKey}`);
        return done(ids[next++]!);
      });
    },
  };
}
