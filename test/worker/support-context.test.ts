// Issue 12: the support context of each answer (plan, severity, first reply counted Monday to Friday,
// target met, reopens, assignee), kept by the sync and sent on `survey sent`.
import { describe, expect, it } from "vitest";
import { parseSettings, SettingsError } from "../../src/config";
import { targetMet, ticketContext, weekdayHours, type SupportSettings } from "../../src/dispatch/support-context";
import {
  call,
  callThenConsume,
  dispatchAccount,
  formFromPage,
  freshTicket,
  linkFields,
  posthogEvents,
  postForm,
  runCron,
  signedUrl,
  solvedTicket,
} from "./helpers";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import { env } from "cloudflare:workers";

const at = (iso: string) => Date.parse(iso);

describe("hours Monday to Friday", () => {
  it("counts weekdays only, across a weekend", () => {
    expect(weekdayHours(at("2026-01-05T09:00:00Z"), at("2026-01-05T17:00:00Z"), "UTC")).toBe(8); // a Monday
    expect(weekdayHours(at("2026-01-09T12:00:00Z"), at("2026-01-12T12:00:00Z"), "UTC")).toBe(24); // Fri noon to Mon noon
    expect(weekdayHours(at("2026-01-10T10:00:00Z"), at("2026-01-11T20:00:00Z"), "UTC")).toBe(0); // within a weekend
    expect(weekdayHours(at("2026-01-10T10:00:00Z"), at("2026-01-12T01:30:00Z"), "UTC")).toBe(1.5); // Sat to Mon 01:30
    expect(weekdayHours(at("2026-01-05T00:00:00Z"), at("2026-01-19T00:00:00Z"), "UTC")).toBe(240); // two whole weeks
    expect(weekdayHours(at("2026-01-05T10:00:00Z"), at("2026-01-05T09:00:00Z"), "UTC")).toBe(0); // backwards
  });

  it("uses the support team's time zone for where the weekend falls", () => {
    // Friday 20:00 in Los Angeles (Saturday 04:00 UTC) to Monday 08:00 there (16:00 UTC).
    const start = at("2026-01-10T04:00:00Z");
    const end = at("2026-01-12T16:00:00Z");
    expect(weekdayHours(start, end, "UTC")).toBe(16);
    expect(weekdayHours(start, end, "America/Los_Angeles")).toBe(12); // Fri 4 h + Mon 8 h
  });

  it("counts the hours the clock really ran over a DST change", () => {
    // Monday 09:00 London (GMT) to the next Monday 09:00 London (BST, 08:00 UTC): clocks went forward on Sunday.
    const start = at("2026-03-23T09:00:00Z");
    const end = at("2026-03-30T08:00:00Z");
    expect(weekdayHours(start, end, "Europe/London")).toBe(120);
    expect(weekdayHours(start, end, "UTC")).toBe(119);
    // Egypt's clocks go forward at midnight on a Friday (the last of April): that weekday has 23 hours.
    expect(weekdayHours(at("2026-04-23T10:00:00Z"), at("2026-04-25T12:00:00Z"), "Africa/Cairo")).toBe(12 + 23);
    // And back on a Thursday night in October (the last Thursday): Friday is a normal day, Thursday 25 h.
    expect(weekdayHours(at("2026-10-28T21:00:00Z"), at("2026-10-30T21:00:00Z"), "Africa/Cairo")).toBe(48);
  });
});

const support: SupportSettings = {
  planFieldId: 360001,
  severityFieldId: 360002,
  targetHours: { pay_as_you_go: 72, boost: 48, scale: 24, enterprise: 8, free: null },
  timeZone: "UTC",
};
const ticket = (fields: Array<{ id: number; value?: unknown }>, createdAt = "2026-01-05T09:00:00Z") => ({
  id: 1,
  createdAt,
  updatedAt: "2026-01-20T09:00:00Z",
  assigneeId: 77,
  customFields: fields,
});
const metrics = (replyMinutes: number | null) => ({
  replyMinutes,
  fullResolutionMinutes: 3000,
  reopens: 1,
  replies: 3,
});

describe("target met", () => {
  it("is met at the target exactly and missed a minute later", () => {
    const scale = [{ id: 360001, value: "scale" }];
    const exactly = ticketContext(ticket(scale), metrics(24 * 60), "Ada", support);
    expect(exactly).toMatchObject({ plan: "scale", targetHours: 24, firstReplyHours: 24, targetMet: true });
    expect(ticketContext(ticket(scale), metrics(24 * 60 + 1), "Ada", support).targetMet).toBe(false);
    expect(targetMet(24, 24)).toBe(true);
    expect(targetMet(24.01, 24)).toBe(false);
    expect(targetMet(null, 24)).toBeNull();
  });

  it("does not count the weekend against the target", () => {
    // Created Friday 12:00, first reply Monday 11:00: 71 hours on the clock, 23 on weekdays.
    const c = ticketContext(
      ticket([{ id: 360001, value: "scale" }], "2026-01-09T12:00:00Z"),
      metrics(71 * 60),
      null,
      support,
    );
    expect(c).toMatchObject({ firstReplyMinutes: 71 * 60, firstReplyHours: 23, targetMet: true });
  });

  it("has no target when the plan field is missing, empty, unknown or Free", () => {
    const missing = ticketContext(ticket([]), metrics(60), null, support);
    expect(missing).toMatchObject({ plan: null, targetHours: null, targetMet: null });
    const empty = ticketContext(ticket([{ id: 360001, value: null }]), metrics(60), null, support);
    expect(empty).toMatchObject({ plan: null, targetMet: null });
    const unknown = ticketContext(ticket([{ id: 360001, value: "platinum" }]), metrics(60), null, support);
    expect(unknown).toMatchObject({ plan: "platinum", targetHours: null, targetMet: null });
    const free = ticketContext(ticket([{ id: 360001, value: "free" }]), metrics(60), null, support);
    expect(free).toMatchObject({ plan: "free", targetHours: null, targetMet: null });
    const odd = ticketContext(ticket([{ id: 360001, value: { nested: true } }]), metrics(60), null, support);
    expect(odd.plan).toBeNull();
  });

  it("reads plan names as written in the field, and severity as given", () => {
    const c = ticketContext(
      ticket([
        { id: 360001, value: "Pay-as-you-go" },
        { id: 360002, value: "sev_2" },
      ]),
      metrics(60),
      "Ada",
      support,
    );
    expect(c).toMatchObject({
      plan: "pay_as_you_go",
      targetHours: 72,
      severity: "sev_2",
      targetMet: true,
      assigneeName: "Ada",
    });
    expect(c).toMatchObject({ reopens: 1, replies: 3, fullResolutionMinutes: 3000, assigneeId: 77 });
  });

  it("without a first reply yet, the target is neither met nor missed", () => {
    expect(ticketContext(ticket([{ id: 360001, value: "boost" }]), metrics(null), null, support)).toMatchObject({
      firstReplyHours: null,
      targetHours: 48,
      targetMet: null,
    });
  });
});

describe("settings", () => {
  const base = {
    SURVEY_LINK_SECRET: "0123456789abcdef0123",
    ADDRESS_FINGERPRINT_KEY: "0123456789abcdef0123456789abcdef",
  };
  it("default to the handbook's table in UTC", () => {
    const s = parseSettings(base).support;
    expect(s).toEqual({
      planFieldId: undefined,
      severityFieldId: undefined,
      targetHours: { pay_as_you_go: 72, boost: 48, scale: 24, enterprise: 8, free: null },
      timeZone: "UTC",
    });
  });

  it("take a JSON map of plan to hours, field ids and a time zone", () => {
    const s = parseSettings({
      ...base,
      RESPONSE_TARGET_HOURS: '{"Scale": 12, "Enterprise": 4, "Free": null}',
      ZENDESK_PLAN_FIELD_ID: "360001",
      SUPPORT_TIMEZONE: "Europe/London",
    }).support;
    expect(s).toMatchObject({
      planFieldId: 360001,
      targetHours: { scale: 12, enterprise: 4, free: null },
      timeZone: "Europe/London",
    });
  });

  it.each([
    ["RESPONSE_TARGET_HOURS", "{scale: 24}"],
    ["RESPONSE_TARGET_HOURS", '{"scale": "a day"}'],
    ["RESPONSE_TARGET_HOURS", '{"scale": -1}'],
    ["RESPONSE_TARGET_HOURS", "[24]"],
    ["SUPPORT_TIMEZONE", "Europe London"],
    ["ZENDESK_PLAN_FIELD_ID", "plan"],
  ])("name a malformed %s (%s)", (name, value) => {
    expect(() => parseSettings({ ...base, [name]: value })).toThrow(SettingsError);
    try {
      parseSettings({ ...base, [name]: value });
    } catch (err) {
      expect((err as SettingsError).message).toContain(name);
    }
  });
});

describe("a time zone the runtime does not know", () => {
  it("stops the sync with the setting named; the survey page and the cron's other steps still run", async () => {
    const account = await dispatchAccount({ SUPPORT_TIMEZONE: "Mars/Olympus_Mons" });
    const page = await call(new Request(await signedUrl(linkFields(freshTicket()))), account.env);
    expect(page.status).toBe(200);

    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const run = await env.DB.prepare(
      "SELECT summary FROM job_runs WHERE job = 'every-ten-minutes' ORDER BY id DESC",
    ).first<{ summary: string }>();
    const summary = JSON.parse(run!.summary);
    expect(summary.sync.error).toContain("SUPPORT_TIMEZONE: must be an IANA time zone");
    expect(summary.dispatch).not.toHaveProperty("error");
    expect(summary.posthog).not.toHaveProperty("error");
  });

  it("offsets such as +05:30 are taken as Intl takes them", () => {
    const settings = parseSettings({
      SURVEY_LINK_SECRET: "0123456789abcdef0123",
      ADDRESS_FINGERPRINT_KEY: "0123456789abcdef0123456789abcdef",
      SUPPORT_TIMEZONE: "+05:30",
    });
    expect(settings.support.timeZone).toBe("+05:30");
  });
});

describe("the sync keeps the support context, and `survey sent` carries it", () => {
  it("sends plan, severity, first reply hours, target and assignee to PostHog", async () => {
    const account = await dispatchAccount({
      ZENDESK_PLAN_FIELD_ID: "360001",
      ZENDESK_SEVERITY_FIELD_ID: "360002",
      SUPPORT_TIMEZONE: "UTC",
    });
    const created = "2026-01-09T12:00:00Z"; // a Friday; first reply Monday 14:00 (26 h on weekdays)
    const t = solvedTicket(4, {
      created_at: created,
      assignee: { id: 9001, name: "Ada Agent" },
      custom_fields: [
        { id: 360001, value: "scale" },
        { id: 360002, value: "high" },
      ],
      metrics: { reply_minutes: 74 * 60, full_resolution_minutes: 5000, reopens: 2, replies: 6 },
    });
    const bare = solvedTicket(4, {});
    await account.seed([t, bare]);
    await runCron("*/10 * * * *", Date.now(), account.env);
    const row = await env.DB.prepare("SELECT * FROM ticket_context WHERE ticket_id = ?").bind(t.id).first();
    expect(row).toMatchObject({
      plan: "scale",
      severity: "high",
      first_reply_minutes: 74 * 60,
      first_reply_hours: 26,
      target_hours: 24,
      target_met: 0,
      reopens: 2,
      replies: 6,
      assignee_id: 9001,
      assignee_name: "Ada Agent",
      full_resolution_minutes: 5000,
    });

    for (const id of [t.id, bare.id]) {
      const fields = linkFields(id, { distinctId: `ph-${id}` });
      const res = await callThenConsume(
        postForm(await formFromPage(fields, { rating: "4" }, account.env)),
        account.env,
      );
      expect(res.status).toBe(303);
    }
    const events = (await posthogEvents()).filter((e) => e.event === "survey sent");
    const sent = events.find((e) => e.properties.ticketId === String(t.id))!;
    expect(sent.properties).toMatchObject({
      plan: "scale",
      severity: "high",
      firstReplyHours: 26,
      targetHours: 24,
      targetMet: false,
      reopens: 2,
      replies: 6,
      assigneeId: 9001,
      assignee: "Ada Agent",
    });
    // A ticket without the fields: only what is known (no plan, no target), never nulls.
    const plain = events.find((e) => e.properties.ticketId === String(bare.id))!;
    expect(plain.properties).not.toHaveProperty("plan");
    expect(plain.properties).not.toHaveProperty("targetMet");
    expect(plain.properties).toMatchObject({ reopens: 0, replies: 1 });
  });

  it("an answer to a ticket the sync never read gets no support properties", async () => {
    const id = 9_900_000 + Math.floor(Math.random() * 90_000);
    const res = await callThenConsume(postForm(await formFromPage(linkFields(id), { rating: "5" })));
    expect(res.status).toBe(303);
    const sent = (await posthogEvents()).find(
      (e) => e.event === "survey sent" && e.properties.ticketId === String(id),
    )!;
    expect(sent.properties).not.toHaveProperty("plan");
    expect(sent.properties).not.toHaveProperty("firstReplyHours");
  });
});
