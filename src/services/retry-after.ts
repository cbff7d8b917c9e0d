/**
 * A `Retry-After` header as milliseconds from `now`: delay-seconds or an HTTP date (RFC 9110
 * §10.2.3). Undefined when it is missing or unreadable; 0 when it says "now" (callers apply their
 * own floor). Capped at a day: a service never asks for more, and a typo must not stall us for good.
 */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Math.min(Number(value), 86_400) * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, date - now), 86_400_000);
}
