import { describe, expect, it } from "vitest";
import { backoffMs, queueDelaySeconds, waitBeforeRetryMs } from "../../src/services/backoff";
import { retryAfterMs } from "../../src/services/retry-after";

describe("waiting before a retry", () => {
  it("backs off 1, 2, 4 … minutes up to an hour when the service gives no Retry-After", () => {
    expect([1, 2, 3, 4, 10].map((a) => backoffMs(a))).toEqual([60_000, 120_000, 240_000, 480_000, 3_600_000]);
  });

  it("reads Retry-After as seconds or an HTTP date, and never waits less than the service's pacing", () => {
    const now = Date.parse("2026-11-24T12:00:00Z");
    expect(retryAfterMs("30", now)).toBe(30_000);
    expect(retryAfterMs("Tue, 24 Nov 2026 12:00:45 GMT", now)).toBe(45_000);
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
    // "0" and a missing header are not an invitation to hammer the service.
    expect(waitBeforeRetryMs("0", { attempt: 1, floorMs: 6_000, fallbackMs: 60_000, now })).toBe(60_000);
    expect(waitBeforeRetryMs(null, { attempt: 1, floorMs: 500, baseMs: 500, now })).toBe(500);
    expect(waitBeforeRetryMs("2", { attempt: 1, floorMs: 6_000, now })).toBe(6_000);
    expect(waitBeforeRetryMs("90", { attempt: 1, floorMs: 6_000, now })).toBe(90_000);
  });

  it("turns a wait into a Queue delay of at least a second and at most 12 hours", () => {
    expect(queueDelaySeconds(0)).toBe(1);
    expect(queueDelaySeconds(1_500)).toBe(2);
    expect(queueDelaySeconds(48 * 3_600_000)).toBe(12 * 3600);
  });
});
