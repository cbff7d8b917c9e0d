import { retryAfterMs } from "./retry-after";

/** Exponential back-off: 1, 2, 4 … minutes (from `baseMs`) up to `maxMs` (an hour). `attempt` counts from 1. */
export function backoffMs(attempt: number, options: { baseMs?: number; maxMs?: number } = {}): number {
  const { baseMs = 60_000, maxMs = 3_600_000 } = options;
  return Math.min(baseMs * 2 ** Math.min(Math.max(0, attempt - 1), 30), maxMs);
}

/**
 * How long to wait before the next try: the service's Retry-After when it gave a positive one,
 * otherwise the back-off; never less than `floorMs` (the service's own pacing interval), so a
 * `Retry-After: 0` or a missing header never turns into a storm of requests.
 */
export function waitBeforeRetryMs(
  header: string | null,
  options: { attempt: number; floorMs: number; baseMs?: number; maxMs?: number; now?: number; fallbackMs?: number },
): number {
  const told = retryAfterMs(header, options.now ?? Date.now());
  const wait = told !== undefined && told > 0 ? told : (options.fallbackMs ?? backoffMs(options.attempt, options));
  return Math.max(wait, options.floorMs);
}

/** Seconds for a Queue message's retry (Queues take at most 12 hours), from a wait in milliseconds. */
export function queueDelaySeconds(waitMs: number): number {
  return Math.min(Math.max(1, Math.ceil(waitMs / 1000)), 12 * 3600);
}
