/**
 * Paces requests to an outside service across every invocation of the Worker. The services limit a
 * whole account or team (Resend: 2 requests a second per team; Zendesk: 10 export requests a minute
 * per account), not one invocation, so the schedule lives in D1. It is a sliding window, as the
 * services count: a request takes the first start time at which the window ending there holds fewer
 * than `limit` requests, reserved by a compare-and-set, so two invocations never take the same slot.
 * A 429 moves the schedule past its Retry-After, so no invocation calls before the service said it may.
 */
export interface PaceRule {
  /** One schedule per limited thing: e.g. `resend:<base url>`, `zendesk-export:<account>`. */
  key: string;
  /** At most this many requests … */
  limit: number;
  /** … in any window of this many milliseconds (a little over the documented one: requests arrive a few ms apart from when they left). */
  windowMs: number;
  /**
   * Other schedules a 429 here holds off too: those that count against the same limit (Zendesk's
   * general API limit covers ticket reads and updates alike, so a 429 on one is a 429 for both).
   */
  alsoHolds?: string[];
}

export type Slot = { ok: true; waitedMs: number } | { ok: false; waitMs: number; reason: string };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const CAS_ATTEMPTS = 8;

/** The first start time at or after `from` that keeps every window within the limit (pure). */
function nextSlot(slots: number[], from: number, rule: Pick<PaceRule, "limit" | "windowMs">): number {
  const sorted = [...slots].sort((a, b) => a - b);
  // Never before the last reserved slot: reservations stay in order, so one check covers every window.
  let at = Math.max(from, sorted.at(-1) ?? from);
  if (sorted.length >= rule.limit) at = Math.max(at, sorted[sorted.length - rule.limit]! + rule.windowMs);
  return at;
}

interface PaceRow {
  slots: string;
  version: number;
  blocked_until: number;
  blocked_reason: string | null;
}

/**
 * Reserves this request's slot and waits for it. When the slot is more than `maxWaitMs` away
 * (a long Retry-After, or a window already full) nothing is reserved and the caller is told how long
 * to come back after.
 */
export async function takeSlot(
  db: D1Database,
  rule: PaceRule,
  maxWaitMs: number,
  sleep: (ms: number) => Promise<void> = realSleep,
): Promise<Slot> {
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const row =
      (await db
        .prepare(`SELECT slots, version, blocked_until, blocked_reason FROM service_pace WHERE service = ?1`)
        .bind(rule.key)
        .first<PaceRow>()) ?? null;
    const now = Date.now();
    const slots = row ? (JSON.parse(row.slots) as number[]) : [];
    const heldUntil = row?.blocked_until ?? 0;
    const slot = nextSlot(slots, Math.max(now, heldUntil), rule);
    if (slot - now > maxWaitMs) {
      const blocked = heldUntil >= slot && row?.blocked_reason;
      return {
        ok: false,
        waitMs: slot - now,
        reason: blocked ? row.blocked_reason! : "paced to the service's documented rate limit",
      };
    }
    const kept = [...slots, slot].filter((s) => s > slot - rule.windowMs).slice(-rule.limit);
    const written = row
      ? await db
          .prepare(`UPDATE service_pace SET slots = ?2, version = version + 1 WHERE service = ?1 AND version = ?3`)
          .bind(rule.key, JSON.stringify(kept), row.version)
          .run()
      : await db
          .prepare(`INSERT INTO service_pace (service, slots, version) VALUES (?1, ?2, 1) ON CONFLICT DO NOTHING`)
          .bind(rule.key, JSON.stringify(kept))
          .run();
    if (written.meta.changes !== 1) continue; // another invocation took a slot first: look again
    const waitMs = Math.max(0, slot - Date.now());
    if (waitMs > 0) {
      await sleep(waitMs);
      // A 429 another caller met while this one slept holds it off too.
      const held = await blockedUntil(db, rule.key);
      if (held > Date.now())
        return { ok: false, waitMs: held - Date.now(), reason: "the service asked to wait (Retry-After)" };
    }
    return { ok: true, waitedMs: waitMs };
  }
  return { ok: false, waitMs: 1000, reason: "many callers at once; try again shortly" };
}

/** After a 429 (or 503) with Retry-After: nobody calls these schedules again before `untilMs`. */
export async function holdOff(db: D1Database, keys: string | string[], untilMs: number, reason: string): Promise<void> {
  const statement = db.prepare(
    `INSERT INTO service_pace (service, blocked_until, blocked_reason) VALUES (?1, ?2, ?3)
       ON CONFLICT (service) DO UPDATE SET blocked_until = max(blocked_until, ?2), version = version + 1,
         blocked_reason = CASE WHEN ?2 >= blocked_until THEN ?3 ELSE blocked_reason END`,
  );
  await db.batch([keys].flat().map((key) => statement.bind(key, Math.ceil(untilMs), reason.slice(0, 300))));
}

/** When a service may next be called (for status pages). */
export async function blockedUntil(db: D1Database, key: string): Promise<number> {
  const row = await db
    .prepare(`SELECT blocked_until FROM service_pace WHERE service = ?1`)
    .bind(key)
    .first<{ blocked_until: number }>();
  return row?.blocked_until ?? 0;
}
