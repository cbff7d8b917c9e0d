import { describe, expect, it } from "vitest";
import {
  decide,
  decideReminder,
  type EligibilityFacts,
  type EligibilityRules,
  type ReminderFacts,
} from "../../src/dispatch/eligibility";

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

describe("the reminder's rule", () => {
  const reminderRules = { ...rules, reminderDays: 4 };
  const sentAt = now - 4 * DAY;
  const facts = (over: Partial<ReminderFacts> = {}): ReminderFacts => ({
    surveySentAt: sentAt,
    linkExp: Math.floor((sentAt + 30 * DAY) / 1000),
    answered: false,
    sameAddress: true,
    lastOtherEmailAt: null,
    ...over,
  });

  it("is due the days set after the survey email, not a minute sooner, and never when the days are 0", () => {
    expect(decideReminder(ticket(), facts(), reminderRules, now)).toEqual({ kind: "send" });
    expect(decideReminder(ticket(), facts({ surveySentAt: sentAt + 60_000 }), reminderRules, now).kind).toBe("not-due");
    expect(decideReminder(ticket(), facts(), { ...rules, reminderDays: 0 }, now).kind).toBe("not-due");
  });

  it.each([
    [{}, { answered: true }, "answered"],
    [{}, { linkExp: Math.floor(now / 1000) }, "the survey link has expired"],
    [{ suppressed: true }, {}, "unsubscribed"],
    [{ tags: ["spam"] }, {}, "excluded tag: spam"],
    [{}, { sameAddress: false }, "requester's email address changed since the survey"],
    [{ status: "open" }, {}, "ticket was reopened (open) since the survey"],
    [{}, { lastOtherEmailAt: now - 6 * DAY }, "emailed another survey within the last 7 days"],
    [{}, { linkExp: Math.floor((now + DAY - 60_000) / 1000) }, "the survey link expires in less than a day"],
    [{}, { surveySentAt: now - 5 * DAY - 60_000 }, "too late: it was due 4 days after the survey email, over a day ago"],
  ] as const)("skips the ticket %j with the survey %j: %s", (overTicket, overFacts, reason) => {
    expect(
      decideReminder(ticket(overTicket as Partial<EligibilityFacts>), facts(overFacts), reminderRules, now),
    ).toEqual({ kind: "skip", reason });
  });

  it("is still sent up to a day after it was due, with a day or more left on the link", () => {
    const lastMoment = facts({ surveySentAt: now - 5 * DAY, linkExp: Math.floor((now + DAY) / 1000) });
    expect(decideReminder(ticket(), lastMoment, reminderRules, now)).toEqual({ kind: "send" });
  });

  it("is not held back by the survey it repeats, nor by another survey longer ago than the throttle", () => {
    // The ticket was solved well over the survey window's start: a reminder is not bound to it.
    const old = ticket({ solvedAt: now - 29 * DAY, lastSurveyedAt: sentAt });
    expect(decideReminder(old, facts({ lastOtherEmailAt: now - 8 * DAY }), reminderRules, now).kind).toBe("send");
  });
});
