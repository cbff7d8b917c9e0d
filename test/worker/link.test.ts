import { describe, expect, it } from "vitest";
import {
  canonicalString,
  checkSurveyLink,
  linkFieldProblems,
  parseSurveyLink,
  signSurveyLink,
  surveyLinkQuery,
} from "../../src/lib/survey-link";

const SECRET = "unit-test-secret-0123456789";
const fields = { distinctId: "abc", ticketId: 123, team: "Product analytics", exp: 2_000_000_000 };

async function roundTrip(query: string, now = new Date("2026-11-24T00:00:00Z")) {
  const parsed = parseSurveyLink(Object.fromEntries(new URLSearchParams(query)));
  if (!parsed.ok) return { parsed };
  return { parsed, check: await checkSurveyLink(parsed.link, SECRET, now) };
}

describe("survey link signing", () => {
  it("accepts a link it signed and reads every field back", async () => {
    const sig = await signSurveyLink(fields, SECRET);
    const { parsed, check } = await roundTrip(surveyLinkQuery(fields, sig, { rating: 5 }));
    expect(check).toBe("valid");
    expect(parsed.ok && parsed.link).toMatchObject({ ...fields, rating: 5 });
  });

  it("signs a base64url HMAC-SHA256 of 43 characters", async () => {
    expect(await signSurveyLink(fields, SECRET)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it.each([
    ["distinct_id", "someone-else"],
    ["ticketId", "124"],
    ["team", "Billing"],
    ["exp", "2000000001"],
  ])("rejects a link whose %s was changed", async (name, value) => {
    const sig = await signSurveyLink(fields, SECRET);
    const q = new URLSearchParams(surveyLinkQuery(fields, sig));
    q.set(name, value);
    expect((await roundTrip(q.toString())).check).toBe("forged");
  });

  it("rejects a link signed with another secret", async () => {
    const sig = await signSurveyLink(fields, "another-secret-0123456789");
    expect((await roundTrip(surveyLinkQuery(fields, sig))).check).toBe("forged");
  });

  it("signs initialTargetArea too, so it cannot be added or changed", async () => {
    const withArea = { ...fields, initialTargetArea: "billing" };
    const sig = await signSurveyLink(withArea, SECRET);
    expect((await roundTrip(surveyLinkQuery(withArea, sig))).check).toBe("valid");
    expect((await roundTrip(surveyLinkQuery({ ...withArea, initialTargetArea: "sales" }, sig))).check).toBe("forged");
    expect((await roundTrip(surveyLinkQuery(fields, sig))).check).toBe("forged");
  });

  it("does not sign the preselected rating", async () => {
    const sig = await signSurveyLink(fields, SECRET);
    expect((await roundTrip(surveyLinkQuery(fields, sig, { rating: 1 }))).check).toBe("valid");
    expect((await roundTrip(surveyLinkQuery(fields, sig, { rating: 5 }))).check).toBe("valid");
  });

  it("says a link is expired only after its exp, and only when the signature holds", async () => {
    const sig = await signSurveyLink(fields, SECRET);
    const q = surveyLinkQuery(fields, sig);
    expect((await roundTrip(q, new Date(fields.exp * 1000 - 1000))).check).toBe("valid");
    expect((await roundTrip(q, new Date(fields.exp * 1000))).check).toBe("expired");
    const forged = surveyLinkQuery({ ...fields, ticketId: 9 }, sig);
    expect((await roundTrip(forged, new Date(fields.exp * 1000 + 1))).check).toBe("forged");
  });

  it("accepts the old page's names: userId, ticketTeam and 0-based satisfaction", async () => {
    const sig = await signSurveyLink(fields, SECRET);
    const q = new URLSearchParams({
      userId: "abc",
      ticketId: "123",
      ticketTeam: "Product analytics",
      exp: String(fields.exp),
      sig,
      satisfaction: "0",
    });
    const { parsed, check } = await roundTrip(q.toString());
    expect(check).toBe("valid");
    expect(parsed.ok && parsed.link.rating).toBe(1);
  });

  it("keeps the canonical string stable (changing it would break every link in flight)", () => {
    expect(canonicalString({ ...fields, team: "Product analytics & more" })).toBe(
      "v1&distinct_id=abc&ticketId=123&team=Product%20analytics%20%26%20more&exp=2000000000",
    );
  });

  it.each([
    [{}, "the customer id (distinct_id) is missing"],
    [{ ticketId: "12a" }, "the ticket number (ticketId) is not a number"],
    [{ exp: "soon" }, "the expiry time (exp) is not a valid time"],
    [{ sig: "short" }, "the signature (sig) is malformed"],
    [{ rating: "6" }, "the preselected rating must be 1 to 5"],
    [{ satisfaction: "5" }, "the preselected rating must be 1 to 5"],
    [{ team: "x".repeat(101) }, "the team name is too long"],
  ])("names what is wrong with %j", (override, problem) => {
    const base: Record<string, string> = { ticketId: "1", team: "t", exp: "1", sig: "a".repeat(43), distinct_id: "d" };
    const input = Object.keys(override).length === 0 ? { ...base, distinct_id: undefined } : { ...base, ...override };
    const parsed = parseSurveyLink(input as Record<string, string | undefined>);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problems).toContain(problem);
  });
});

describe("one canonical form per link", () => {
  async function problems(change: (q: URLSearchParams) => void): Promise<string[]> {
    const sig = await signSurveyLink(fields, SECRET);
    const q = new URLSearchParams(surveyLinkQuery(fields, sig));
    change(q);
    const parsed = parseSurveyLink(Object.fromEntries(q));
    return parsed.ok ? [] : parsed.problems;
  }

  it("refuses a signature whose spare bits are set (another spelling of the same bytes)", async () => {
    const sig = await signSurveyLink(fields, SECRET);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(sig.at(-1)!);
    // Same 32 bytes: only the 2 unused low bits of the last character differ.
    const flipped = sig.slice(0, -1) + alphabet[last + 1]!;
    expect(await problems((q) => q.set("sig", flipped))).toEqual(["the signature (sig) is not in its canonical form"]);
  });

  it("refuses leading zeros in the ticket number and the expiry", async () => {
    expect(await problems((q) => q.set("exp", `0${fields.exp}`))).toEqual([
      "the expiry time (exp) must not start with 0",
    ]);
    expect(await problems((q) => q.set("ticketId", "0123"))).toEqual([
      "the ticket number (ticketId) must not start with 0",
    ]);
  });

  it("refuses a ticket number beyond 2^53, which would read as a neighbour's", async () => {
    const big = { ...fields, ticketId: 9007199254740992 };
    const sig = await signSurveyLink(big, SECRET);
    const q = new URLSearchParams(surveyLinkQuery(big, sig));
    q.set("ticketId", "9007199254740993");
    const parsed = parseSurveyLink(Object.fromEntries(q));
    expect(parsed.ok ? [] : parsed.problems).toEqual(["the ticket number (ticketId) is too large"]);
  });

  it.each([
    ["distinct_id", "the customer id (distinct_id) is empty"],
    ["team", "the team is empty"],
    ["initialTargetArea", "the target area (initialTargetArea) is empty"],
  ])("refuses an empty signed field %s, saying so", async (name, message) => {
    expect(await problems((q) => q.set(name, ""))).toContain(message);
  });

  it("names what the server would refuse before a tool prints a link", () => {
    expect(linkFieldProblems(fields)).toEqual([]);
    expect(linkFieldProblems({ ...fields, initialTargetArea: "" })).toEqual([
      "the target area (initialTargetArea) is empty",
    ]);
    expect(linkFieldProblems({ ...fields, ticketId: 2 ** 54 })).toEqual(["the ticket number (ticketId) is too large"]);
  });
});
