import { describe, expect, it } from "vitest";
import { decide, type EligibilityRules, type EligibilityFacts } from "../../src/dispatch/eligibility";

const DAY = 86_400_000;
const now = Date.parse("2026-11-24T12:00:00Z");
const rules: EligibilityRules = {
  delayDays: 3,
  lookbackDays: 30,
  throttleDays: 7,
  excludedTags: ["spam", "no_csat"],
  internalDomains: ["posthog.com"],
};
const ticket = (over: Partial<EligibilityFacts> = {}): EligibilityFacts => ({
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
    expect(decide(ticket(over as Partial<EligibilityFacts>), rules, now)).toEqual({ kind: "skip", reason });
  });

  it("surveys an address again once the throttle has passed, and a lookalike domain is not internal", () => {
    expect(decide(ticket({ lastSurveyedAt: now - 8 * DAY }), rules, now).kind).toBe("send");
    expect(decide(ticket({ email: "x@notposthog.com" }), rules, now).kind).toBe("send");
  });
});
