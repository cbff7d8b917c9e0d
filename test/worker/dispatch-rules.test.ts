import { describe, expect, it } from "vitest";
import { backoffMs, queueDelaySeconds, waitBeforeRetryMs } from "../../src/services/backoff";
import { retryAfterMs } from "../../src/services/retry-after";
import { renderSurveyEmail } from "../../src/dispatch/email";
import { decide, type EligibilityRules, type TicketFacts } from "../../src/dispatch/eligibility";

const DAY = 86_400_000;
const now = Date.parse("2026-11-24T12:00:00Z");
const rules: EligibilityRules = {
  delayDays: 3,
  lookbackDays: 30,
  throttleDays: 7,
  excludedTags: ["spam", "no_csat"],
  internalDomains: ["posthog.com"],
};
const ticket = (over: Partial<TicketFacts> = {}): TicketFacts => ({
  status: "solved",
  solvedAt: now - 4 * DAY,
  tags: [],
  requesterRole: "end-user",
  email: "a@example.org",
  emailValid: true,
  suppressed: false,
  lastSurveyedAt: null,
  ...over,
});

describe("eligibility", () => {
  it.each([
    ["solved 3 days ago to the minute", { solvedAt: now - 3 * DAY }, "send"],
    ["solved a minute short of 3 days", { solvedAt: now - 3 * DAY + 60_000 }, "not-due"],
    ["closed", { status: "closed" }, "send"],
    ["pending", { status: "pending" }, "not-due"],
    ["older than the look-back", { solvedAt: now - 31 * DAY }, "not-due"],
    ["never solved", { solvedAt: null }, "not-due"],
  ] as const)("%s → %s", (_, over, kind) => {
    expect(decide(ticket(over), rules, now).kind).toBe(kind);
  });

  it.each([
    [{ tags: ["Spam"] }, "excluded tag: Spam"],
    [{ requesterRole: "admin" }, "requester is not an end user (admin)"],
    [{ email: null }, "requester has no email address"],
    [{ emailValid: false }, "requester's email address is not valid"],
    [{ email: "x@support.posthog.com" }, "internal address (support.posthog.com)"],
    [{ suppressed: true }, "unsubscribed"],
    [{ lastSurveyedAt: now - 6 * DAY }, "surveyed within the last 7 days"],
  ] as const)("skips %j with reason %s", (over, reason) => {
    expect(decide(ticket(over as Partial<TicketFacts>), rules, now)).toEqual({ kind: "skip", reason });
  });

  it("surveys an address again once the throttle has passed, and a lookalike domain is not internal", () => {
    expect(decide(ticket({ lastSurveyedAt: now - 8 * DAY }), rules, now).kind).toBe("send");
    expect(decide(ticket({ email: "x@notposthog.com" }), rules, now).kind).toBe("send");
  });
});

describe("survey email", () => {
  const input = {
    ticketId: 77,
    requesterName: 'Ada <b>"Lovelace"</b>',
    team: "Product analytics",
    faceUrls: [1, 2, 3, 4, 5].map((r) => `https://s.example/?ticketId=77&sig=x&rating=${r}`),
    unsubscribeUrl: "https://s.example/unsubscribe?t=77&sig=def",
    charity: "Herts Wildlife Trust",
    brand: { name: "PostHog" },
  };

  it("has a plain subject, both parts, five face links in order, the promise and a visible unsubscribe", () => {
    const email = renderSurveyEmail(input);
    expect(email.subject).toBe("How did we do with your support ticket #77?");
    const links = [...email.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, "&"));
    expect(links).toEqual([...input.faceUrls, input.unsubscribeUrl]);
    expect(email.html).toContain("Very dissatisfied");
    expect(email.html).toContain("we feed a hedgehog");
    expect(email.html).not.toContain("<img");
    expect(email.text).toContain("Very satisfied:\nhttps://s.example/?ticketId=77&sig=x&rating=5");
    expect(email.text).toContain("Unsubscribe: https://s.example/unsubscribe?t=77&sig=def");
    expect(email.headers).toEqual({
      "List-Unsubscribe": "<https://s.example/unsubscribe?t=77&sig=def>",
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    });
  });

  it("escapes the requester's name and greets by first name only", () => {
    expect(renderSurveyEmail(input).html).toContain("Hi Ada,");
    const hostile = renderSurveyEmail({ ...input, requesterName: "<b>Ada</b> Lovelace" });
    expect(hostile.html).toContain("Hi &lt;b&gt;Ada&lt;/b&gt;,");
    expect(hostile.html).not.toContain("<b>");
    expect(renderSurveyEmail({ ...input, requesterName: null }).text.startsWith("Hi,")).toBe(true);
  });
});

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
