import { describe, expect, it } from "vitest";
import { sendKeyFor } from "../../src/dispatch/consumer";
import { retryDelaySeconds } from "../../src/lib/backoff";
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
    unsubscribeUrl: "https://s.example/unsubscribe?e=abc&sig=def",
    charity: "Herts Wildlife Trust",
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
    expect(email.text).toContain("Unsubscribe: https://s.example/unsubscribe?e=abc&sig=def");
    expect(email.headers).toEqual({
      "List-Unsubscribe": "<https://s.example/unsubscribe?e=abc&sig=def>",
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

describe("sending keys and retries", () => {
  it("derives the idempotency key from the tickets, in any order", async () => {
    expect(await sendKeyFor([3, 1, 2], 100)).toBe(await sendKeyFor([1, 2, 3], 100));
    expect(await sendKeyFor([1, 2, 3], 100)).not.toBe(await sendKeyFor([1, 2, 4], 100));
    expect(await sendKeyFor([9], 1)).toBe("survey-9");
    expect((await sendKeyFor([1, 2], 100)).length).toBeLessThanOrEqual(256);
  });

  it("backs off 1, 2, 4 … minutes up to an hour, or as the provider asks", () => {
    expect([1, 2, 3, 4, 10].map((a) => retryDelaySeconds(a))).toEqual([60, 120, 240, 480, 3600]);
    expect(retryDelaySeconds(1, 30)).toBe(30);
  });
});
