import * as v from "valibot";
import type { Settings } from "../config";
import type { Env } from "../env";

export interface OutgoingEmail {
  to: string;
  from: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  /** Unique per email: the same key is never delivered twice by providers that honour it. */
  idempotencyKey: string;
}

export type SendOutcome =
  | { kind: "sent"; messageId: string }
  | { kind: "transient"; error: string; retryAfterSeconds?: number }
  | { kind: "permanent"; error: string };

export interface Mailer {
  name: "outbox" | "cloudflare" | "resend";
  /** How many emails one provider request can carry. */
  batchSize: number;
  /** Replaying a request with the same key never delivers twice (so an interrupted send may be replayed). */
  idempotent: boolean;
  /** One outcome per email, in order. `batchKey` identifies this exact request for replays. */
  send(emails: OutgoingEmail[], batchKey: string): Promise<SendOutcome[]>;
}

/** The local default: messages are kept in D1 (read them at /admin/outbox or with `npm run outbox`). */
export function outboxMailer(db: D1Database, now: () => number = Date.now): Mailer {
  return {
    name: "outbox",
    batchSize: 100,
    idempotent: true,
    async send(emails) {
      const rows = emails.map((e) => ({
        k: e.idempotencyKey,
        t: e.to,
        f: e.from,
        s: e.subject,
        h: e.html,
        x: e.text,
        hd: JSON.stringify(e.headers),
      }));
      const [, select] = await db.batch([
        db
          .prepare(
            `INSERT INTO outbox (idempotency_key, to_address, from_address, subject, html, text, headers, created_at)
             SELECT j.value ->> 'k', j.value ->> 't', j.value ->> 'f', j.value ->> 's', j.value ->> 'h', j.value ->> 'x', j.value ->> 'hd', ?2
             FROM json_each(?1) AS j WHERE true
             ON CONFLICT (idempotency_key) DO NOTHING`,
          )
          .bind(JSON.stringify(rows), now()),
        db
          .prepare(
            `SELECT id, idempotency_key FROM outbox WHERE idempotency_key IN (SELECT value ->> 'k' FROM json_each(?1))`,
          )
          .bind(JSON.stringify(rows)),
      ]);
      const ids = new Map(
        (select!.results as Array<{ id: number; idempotency_key: string }>).map((r) => [r.idempotency_key, r.id]),
      );
      return emails.map((e) => ({ kind: "sent", messageId: `outbox-${ids.get(e.idempotencyKey)}` }));
    },
  };
}

const PERMANENT_CLOUDFLARE_CODES = new Set([
  "E_SENDER_NOT_VERIFIED",
  "E_RECIPIENT_SUPPRESSED",
  "E_HEADER_NOT_ALLOWED",
  "E_VALIDATION_ERROR",
]);

/** Cloudflare Email Service through the `send_email` binding. It has no idempotency keys. */
export function cloudflareMailer(binding: SendEmail): Mailer {
  return {
    name: "cloudflare",
    batchSize: 1,
    idempotent: false,
    async send(emails) {
      const outcomes: SendOutcome[] = [];
      for (const e of emails) {
        try {
          const result = await binding.send({
            from: e.from,
            to: e.to,
            subject: e.subject,
            html: e.html,
            text: e.text,
            headers: e.headers,
          });
          outcomes.push({ kind: "sent", messageId: result?.messageId ?? "cloudflare" });
        } catch (err) {
          const code = (err as { code?: string }).code ?? "";
          const error = `${code || "error"}: ${err instanceof Error ? err.message : String(err)}`;
          outcomes.push(
            PERMANENT_CLOUDFLARE_CODES.has(code) ? { kind: "permanent", error } : { kind: "transient", error },
          );
        }
      }
      return outcomes;
    },
  };
}

const ResendBatchResponse = v.object({ data: v.array(v.object({ id: v.string() })) });

/**
 * Resend's batch endpoint: up to 100 emails in one request, with an Idempotency-Key so a replay of
 * the same request within 24 hours sends nothing new. Resend rejects requests without a User-Agent.
 */
export function resendMailer(settings: { apiKey: string; baseUrl: string }, fetcher: typeof fetch): Mailer {
  return {
    name: "resend",
    batchSize: 100,
    idempotent: true,
    async send(emails, batchKey) {
      const all = (outcome: SendOutcome) => emails.map(() => outcome);
      let response: Response;
      try {
        response = await fetcher(`${settings.baseUrl}/emails/batch`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${settings.apiKey}`,
            "content-type": "application/json",
            "user-agent": "hedgehog-csat/1.0",
            "idempotency-key": batchKey,
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
          signal: AbortSignal.timeout(30_000),
        });
      } catch (err) {
        return all({ kind: "transient", error: `Resend could not be reached: ${String(err)}` });
      }
      const body = await response.text().catch(() => "");
      if (response.status === 429) {
        const retryAfter = Number(response.headers.get("retry-after"));
        return all({
          kind: "transient",
          error: `Resend answered 429: ${body.slice(0, 200)}`,
          retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
        });
      }
      if (response.status >= 500)
        return all({ kind: "transient", error: `Resend answered ${response.status}: ${body.slice(0, 200)}` });
      if (!response.ok)
        return all({ kind: "permanent", error: `Resend answered ${response.status}: ${body.slice(0, 200)}` });
      let parsed;
      try {
        parsed = v.safeParse(ResendBatchResponse, JSON.parse(body));
      } catch {
        parsed = undefined;
      }
      if (!parsed?.success || parsed.output.data.length !== emails.length) {
        // Accepted, but we cannot tell the ids: never resend (that could deliver twice).
        return all({ kind: "sent", messageId: `resend-batch:${batchKey}` });
      }
      return parsed.output.data.map((d) => ({ kind: "sent", messageId: d.id }));
    },
  };
}

export function mailerFor(settings: Settings, env: Env, fetcher: typeof fetch, db: D1Database): Mailer {
  switch (settings.mail.provider) {
    case "resend":
      if (!settings.mail.resendApiKey) throw new Error("MAIL_PROVIDER is resend but RESEND_API_KEY is not set");
      return resendMailer({ apiKey: settings.mail.resendApiKey, baseUrl: settings.mail.resendBaseUrl }, fetcher);
    case "cloudflare":
      return cloudflareMailer(env.EMAIL);
    default:
      return outboxMailer(db);
  }
}
