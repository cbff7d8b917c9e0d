import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import type { QueueMessage } from "../../src/queue-message";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import {
  BASE,
  call,
  callThenConsume,
  deliverQueue,
  freshTicket,
  linkFields,
  posthog,
  posthogAccepted,
  recordingQueue,
  runCron,
  shownReport,
  solvedTicket,
  syncedTickets,
  testEnv,
} from "./helpers";

/** The `survey shown` requests the fake PostHog received for one ticket, in order. */
async function shownRequests(ticket: number) {
  return (await posthog.requests()).filter(
    (r) => r.path === "/batch/" && r.rawBody.includes(`"ticketId":"${ticket}"`) && r.rawBody.includes("survey shown"),
  );
}

/** The one `survey shown` event each of those requests carried. */
async function shownEventsSent(ticket: number) {
  return (await shownRequests(ticket)).map((r) =>
    (r.body as { batch: Array<Record<string, any>> }).batch.find((e) => e.event === "survey shown")!,
  );
}

/** The `survey shown` events PostHog accepted for one ticket: what PostHog holds. */
async function shownAccepted(ticket: number) {
  return (await posthogAccepted()).filter(
    (e) => e.event === "survey shown" && e.properties.ticketId === String(ticket),
  );
}

async function impression(ticket: number) {
  return env.DB.prepare("SELECT * FROM survey_impressions WHERE ticket_id = ?")
    .bind(ticket)
    .first<Record<string, any>>();
}

/** The same fake under another host name: its own Retry-After hold-off, so it keeps no other test waiting. */
const ownHost = () => inject("posthogUrl").replace("127.0.0.1", "localhost");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const auth = { authorization: `Bearer ${env.ADMIN_TOKEN}`, "sec-fetch-site": "same-origin" };

describe("`survey shown`, kept in D1 until PostHog takes it", () => {
  it("is stored by the report without waiting on PostHog, then delivered once through a 503 with Retry-After and a 500, under one uuid", async () => {
    const ticket = freshTicket();
    const e = testEnv({ POSTHOG_HOST: ownHost() });
    await posthog.script([
      // PostHog's capture answers an outage 503 with a plain-text body (rust/capture/src/api.rs).
      {
        method: "POST",
        path: "/batch/",
        bodyIncludes: `"ticketId":"${ticket}"`,
        status: 503,
        headers: { "retry-after": "1" },
        body: "transient error, please retry",
      },
      // What stands in front of capture answers a crash with a bare 500.
      {
        method: "POST",
        path: "/batch/",
        bodyIncludes: `"ticketId":"${ticket}"`,
        status: 500,
        body: "Internal Server Error",
      },
    ]);

    // The customer's request stores the view and queues its first delivery; PostHog hears nothing of it yet.
    const { queue, queued } = recordingQueue();
    const before = Date.now();
    const res = await call(await shownReport(linkFields(ticket)), { ...e, DISPATCH: queue });
    expect(res.status).toBe(204);
    expect(await shownRequests(ticket)).toHaveLength(0);
    expect(queued).toEqual([{ kind: "posthog-shown", ticketId: ticket }]);
    const stored = await impression(ticket);
    expect(stored).toMatchObject({ distinct_id: `customer-${ticket}`, team: "Product analytics", captured_at: null });
    expect(stored!.first_shown_at).toBeGreaterThanOrEqual(before);

    // The queue's first attempt meets the 503: the view waits, with PostHog's reason.
    const first = await deliverQueue(queued, e);
    expect(first.retryMessages).toEqual([]);
    expect(await shownRequests(ticket)).toHaveLength(1);
    expect(await impression(ticket)).toMatchObject({ captured_at: null, capture_attempts: 1 });
    expect((await impression(ticket))!.last_capture_error).toContain("503");

    // The cron after the Retry-After and the back-off meets the 500: it still waits.
    await sleep(1_100);
    await runCron(EVERY_TEN_MINUTES, Date.now() + 5 * 60_000, e);
    expect(await shownRequests(ticket)).toHaveLength(2);
    expect(await impression(ticket)).toMatchObject({ captured_at: null, capture_attempts: 2 });
    expect((await impression(ticket))!.last_capture_error).toContain("500");

    // PostHog has recovered: the next cron delivers it, and later runs send nothing more.
    await runCron(EVERY_TEN_MINUTES, Date.now() + 60 * 60_000, e);
    await runCron(EVERY_TEN_MINUTES, Date.now() + 2 * 60 * 60_000, e);
    const sent = await shownEventsSent(ticket);
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((s) => s.uuid)).size).toBe(1);
    expect(sent[0]!.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const held = await shownAccepted(ticket);
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({
      distinct_id: `customer-${ticket}`,
      uuid: sent[0]!.uuid,
      // The view's own time, not the time PostHog finally took it.
      timestamp: new Date(stored!.first_shown_at).toISOString(),
    });
    expect(held[0]!.properties).toMatchObject({
      $survey_id: env.POSTHOG_SURVEY_ID,
      ticketId: String(ticket),
      ticketTeam: "Product analytics",
    });
    expect(await impression(ticket)).toMatchObject({ capture_attempts: 0, last_capture_error: null });
    expect((await impression(ticket))!.captured_at).not.toBeNull();
  });

  it("is sent once per ticket: a reload, a second device and two reports at once add nothing", async () => {
    const ticket = freshTicket();
    const fields = linkFields(ticket);
    const { queue, queued } = recordingQueue();
    const withQueue = { ...testEnv(), DISPATCH: queue };
    // Two reports at once (two tabs), a reload, and the link of a later email opened on a phone.
    const reports = await Promise.all([
      call(await shownReport(fields), withQueue),
      call(await shownReport(fields), withQueue),
    ]);
    reports.push(await call(await shownReport(fields), withQueue));
    reports.push(await call(await shownReport({ ...fields, exp: fields.exp + 86_400 }), withQueue));
    for (const r of reports) expect(r.status).toBe(204);
    expect(queued).toEqual([{ kind: "posthog-shown", ticketId: ticket }]);

    // The message, delivered twice (a Queue redelivers), and the cron: one event.
    await deliverQueue(queued, testEnv());
    await deliverQueue(queued, testEnv());
    await runCron(EVERY_TEN_MINUTES, Date.now() + 7 * 60 * 60_000);
    expect(await shownRequests(ticket)).toHaveLength(1);
    expect(await shownAccepted(ticket)).toHaveLength(1);
  });

  it("is delivered by the cron when its queue message was lost", async () => {
    const ticket = freshTicket();
    const lostQueue = {
      send: async () => {
        throw new Error("Queue send failed: simulated outage");
      },
    } as unknown as Queue<QueueMessage>;
    expect((await call(await shownReport(linkFields(ticket)), { ...testEnv(), DISPATCH: lostQueue })).status).toBe(204);
    expect(await shownRequests(ticket)).toHaveLength(0);
    await runCron(EVERY_TEN_MINUTES, Date.now());
    expect(await shownAccepted(ticket)).toHaveLength(1);
  });

  it("waits with no PostHog key, and is delivered once a key is set", async () => {
    const ticket = freshTicket();
    const { queue, queued } = recordingQueue();
    await call(await shownReport(linkFields(ticket)), { ...testEnv({ POSTHOG_API_KEY: "" }), DISPATCH: queue });
    expect(queued).toEqual([]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), testEnv({ POSTHOG_API_KEY: "" }));
    expect(await impression(ticket)).toMatchObject({
      captured_at: null,
      last_capture_error: "POSTHOG_API_KEY is not set",
    });
    await runCron(EVERY_TEN_MINUTES, Date.now() + 7 * 60 * 60_000);
    expect(await shownAccepted(ticket)).toHaveLength(1);
  });

  it("not delivered yet, is erased with the person: never sent, and their PostHog person is deleted too", async () => {
    // A requester who opened the survey but never answered, found by their address.
    const synced = solvedTicket(1);
    await syncedTickets([synced]);
    const did = synced.requester.external_id!;
    const noKey = testEnv({ POSTHOG_API_KEY: "" });
    await callThenConsume(await shownReport(linkFields(synced.id, { distinctId: did })), noKey);
    expect(await impression(synced.id)).toMatchObject({ distinct_id: did, captured_at: null });

    const project = String(synced.id);
    const res = await call(
      new Request(`${BASE}/admin/erase`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ email: synced.requester.email }),
      }),
      testEnv({
        POSTHOG_PERSONAL_API_KEY: "phx_test_personal_key",
        POSTHOG_PROJECT_ID: project,
        POSTHOG_APP_HOST: inject("posthogUrl"),
      }),
    );
    expect(res.status).toBe(200);
    expect(await impression(synced.id)).toMatchObject({ distinct_id: null });
    const deletion = (await posthog.requests()).find((r) => r.path === `/api/projects/${project}/persons/bulk_delete/`);
    expect(deletion?.body).toEqual({ distinct_ids: [did], delete_events: true });

    // PostHog takes events again: the erased view is settled unsent, and a later view sends nothing.
    await runCron(EVERY_TEN_MINUTES, Date.now() + 7 * 60 * 60_000);
    await callThenConsume(await shownReport(linkFields(synced.id, { distinctId: did })));
    expect(await shownRequests(synced.id)).toHaveLength(0);
    expect((await impression(synced.id))!.captured_at).not.toBeNull();
    const left = await env.DB.prepare("SELECT COUNT(*) AS n FROM survey_impressions WHERE distinct_id = ?")
      .bind(did)
      .first<{ n: number }>();
    expect(left!.n).toBe(0);
  });
});
