import { done } from "./outcome";
import type { Mailer } from "./mail";

/**
 * The local default: messages are kept in D1 (read them at /admin/outbox or with `npm run outbox`).
 * One INSERT per email (a batch of 100 HTML emails in one bound JSON string could pass D1's
 * 2,000,000-byte string limit); the idempotency key makes a replay keep the first copy.
 */
export function outboxMailer(db: D1Database, now: () => number = Date.now): Mailer {
  return {
    name: "outbox",
    maxEmailsPerInvocation: 10_000,
    batchSize: 100,
    idempotent: true,
    async send(emails) {
      if (emails.length === 0) return [];
      const at = now();
      const inserts = emails.map((e) =>
        db
          .prepare(
            `INSERT INTO outbox (idempotency_key, to_address, from_address, subject, html, text, headers, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = excluded.idempotency_key
             RETURNING id`,
          )
          .bind(e.idempotencyKey, e.to, e.from, e.subject, e.html, e.text, JSON.stringify(e.headers), at),
      );
      const results = await db.batch<{ id: number }>(inserts);
      return results.map((r) => done(`outbox-${r.results[0]?.id ?? "?"}`));
    },
  };
}
