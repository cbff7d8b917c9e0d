/**
 * Paces requests to an outside service across every invocation of the Worker. The services limit a
 * whole account or team (Resend: 2 requests a second per team; Zendesk: 10 export requests a minute
 * per account), not one invocation, so the schedule lives in D1, which runs one statement at a time:
 * each request reserves the next free slot in one statement, then waits for it. A 429 moves the
 * schedule past its Retry-After, so no invocation calls before the service said it may.
 */
export interface PaceRule {
  /** One schedule per limited thing: e.g. `resend:<base url>`, `zendesk-export:<account>`. */
  key: string;
  /** The documented rate as the time between two requests. */
  intervalMs: number;
}

export type Slot = { ok: true; waitedMs: number } | { ok: false; waitMs: number; reason: string };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Reserves this request's slot and waits for it. When the slot is more than `maxWaitMs` away
 * (a long Retry-After, or a queue of other invocations ahead) nothing is reserved and the caller is
 * told how long to come back after.
 */
export async function takeSlot(
  db: D1Database,
  rule: PaceRule,
  maxWaitMs: number,
  sleep: (ms: number) => Promise<void> = realSleep,
): Promise<Slot> {
  const now = Date.now();
  const reserved = await db
    .prepare(
      `INSERT INTO service_pace (service, next_at) VALUES (?1, ?2 + ?3)
       ON CONFLICT (service) DO UPDATE SET next_at = max(next_at, blocked_until, ?2) + ?3
       WHERE max(next_at, blocked_until, ?2) <= ?2 + ?4
       RETURNING next_at - ?3 AS slot`,
    )
    .bind(rule.key, now, rule.intervalMs, maxWaitMs)
    .first<{ slot: number }>();
  if (reserved) {
    const waitMs = Math.max(0, reserved.slot - Date.now());
    if (waitMs > 0) await sleep(waitMs);
    return { ok: true, waitedMs: waitMs };
  }
  const state = await db
    .prepare(`SELECT next_at, blocked_until, blocked_reason FROM service_pace WHERE service = ?1`)
    .bind(rule.key)
    .first<{ next_at: number; blocked_until: number; blocked_reason: string | null }>();
  const freeAt = Math.max(state?.next_at ?? now, state?.blocked_until ?? now);
  const blocked = (state?.blocked_until ?? 0) >= freeAt;
  return {
    ok: false,
    waitMs: Math.max(rule.intervalMs, freeAt - now),
    reason: blocked && state?.blocked_reason ? state.blocked_reason : "paced to the service's documented rate limit",
  };
}

/** After a 429 (or 503) with Retry-After: nobody calls this service again before `untilMs`. */
export async function holdOff(db: D1Database, key: string, untilMs: number, reason: string): Promise<void> {
  await db
    .prepare(
      `INSERT INTO service_pace (service, next_at, blocked_until, blocked_reason) VALUES (?1, ?2, ?2, ?3)
       ON CONFLICT (service) DO UPDATE SET blocked_until = max(blocked_until, ?2),
         blocked_reason = CASE WHEN ?2 >= blocked_until THEN ?3 ELSE blocked_reason END`,
    )
    .bind(key, Math.ceil(untilMs), reason.slice(0, 300))
    .run();
}

/** When a service may next be called (for status pages). */
export async function blockedUntil(db: D1Database, key: string): Promise<number> {
  const row = await db
    .prepare(`SELECT blocked_until FROM service_pace WHERE service = ?1`)
    .bind(key)
    .first<{ blocked_until: number }>();
  return row?.blocked_until ?? 0;
}
