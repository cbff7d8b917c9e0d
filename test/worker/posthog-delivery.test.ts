import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { settingsOf } from "../../src/config";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import { deliverPendingResponses } from "../../src/survey/delivery-job";
import {
  answerForm,
  callThenConsume,
  call,
  deliverQueue,
  formFromPage,
  freshTicket,
  linkFields,
  posthog,
  posthogAccepted,
  postForm,
  runCron,
  testEnv,
} from "./helpers";
import { crashBefore } from "./helpers/crash";

const SURVEY_ID = "019f37dc-7c9a-0000-d86a-aa8bf46f4917";

/** The `survey sent` batches the fake PostHog received for one ticket, with each request's status context. */
async function sentRequests(ticket: number) {
  const requests = await posthog.requests();
  return requests.filter(
    (r) => r.path === "/batch/" && r.rawBody.includes(`"ticketId":"${ticket}"`) && r.rawBody.includes("survey sent"),
  );
}

/** The `survey sent` events PostHog accepted for one ticket. */
async function acceptedFor(ticket: number) {
  return (await posthogAccepted()).filter((e) => e.event === "survey sent" && e.properties.ticketId === String(ticket));
}

/** The same fake under another host name: its own Retry-After hold-off, so it keeps no other test waiting. */
const ownHost = () => inject("posthogUrl").replace("127.0.0.1", "localhost");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function row(ticket: number) {
  return env.DB.prepare("SELECT * FROM responses WHERE ticket_id = ?").bind(ticket).first<Record<string, any>>();
}

describe("delivery to PostHog", () => {
  it("sends `survey sent` in PostHog's survey schema as one gzipped POST /batch/", async () => {
    const ticket = freshTicket();
    const fields = linkFields(ticket, { initialTargetArea: "billing" });
    await callThenConsume(postForm(await answerForm(fields, { rating: "4", comment: "Great help" })));

    const requests = await sentRequests(ticket);
    expect(requests).toHaveLength(1);
    const req = requests[0]!;
    expect(req.method).toBe("POST");
    // posthog-node's edge build (the one workerd loads) names itself posthog-edge.
    expect(req.headers["content-encoding"]).toBe("gzip");
    expect(req.headers["content-type"]).toBe("application/json");
    const body = req.body as { api_key: string; batch: Array<Record<string, any>>; sent_at: string };
    expect(Object.keys(body).sort()).toEqual(["api_key", "batch", "sent_at"]);
    expect(body.api_key).toBe("phc_test_key");
    expect(body.batch).toHaveLength(1);
    const event = body.batch[0]!;
    expect(Object.keys(event).sort()).toEqual(["distinct_id", "event", "properties", "timestamp", "uuid"]);
    expect(event.event).toBe("survey sent");
    expect(event.distinct_id).toBe(`customer-${ticket}`);
    expect(event.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The answer's own time, not the time it was sent.
    expect(event.timestamp).toBe(new Date((await row(ticket))!.updated_at).toISOString());
    const p = event.properties;
    expect(p.$lib).toBe("posthog-edge");
    expect(p.$lib_version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(req.headers["user-agent"]).toBe(`posthog-edge/${p.$lib_version}`);
    expect(p.$geoip_disable).toBe(true);
    expect(p.$is_server).toBe(true);
    expect(p).toMatchObject({
      $survey_id: SURVEY_ID,
      $survey_name: "Customer satisfaction score (CSAT)",
      $survey_questions: [
        { id: "csat-rating", question: "How happy are you with the level of support you received?", response: 4 },
        { id: "csat-comment", question: "What can we do to increase your rating?", response: "Great help" },
        // A 4 does not ask what went wrong: the question is unanswered, as PostHog's branching skips it.
        { id: "csat-reasons", question: "What went wrong?", response: null },
      ],
      "$survey_response_csat-rating": 4,
      "$survey_response_csat-comment": "Great help",
      $survey_completed: true,
      $set: { [`$survey_responded/${SURVEY_ID}`]: true },
      $survey_response: 4,
      $survey_response_1: "Great help",
      ticketId: String(ticket),
      ticketTeam: "Product analytics",
      initialTargetArea: "billing",
    });
    expect(p.$survey_submission_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(p).not.toHaveProperty("$survey_response_csat-reasons");
    expect((await row(ticket))!.captured_version).toBe(1);
  });

  it("sends the reasons of a low rating as a multiple choice (the labels chosen), and a reason edit under the same submission id", async () => {
    const ticket = freshTicket();
    const fields = linkFields(ticket);
    const first = await formFromPage(fields, { rating: "2", comment: "still broken" });
    first.append("reason", "not_fixed_yet");
    first.append("reason", "slow");
    await callThenConsume(postForm(first));
    // Only the reasons change: that is an edit, delivered as a new version of the same submission.
    const edit = await formFromPage(fields, { rating: "2", comment: "still broken" });
    edit.append("reason", "billing");
    await callThenConsume(postForm(edit));

    const events = (await sentRequests(ticket)).map((r) => (r.body as any).batch[0]);
    expect(events).toHaveLength(2);
    // In the list's order, whatever order the form sent them in.
    expect(events[0].properties["$survey_response_csat-reasons"]).toEqual([
      "The reply was slow",
      "A bug or missing feature that was not fixed yet",
    ]);
    expect(events[0].properties.$survey_questions[2]).toEqual({
      id: "csat-reasons",
      question: "What went wrong?",
      response: ["The reply was slow", "A bug or missing feature that was not fixed yet"],
    });
    expect(events[1].properties["$survey_response_csat-reasons"]).toEqual(["Billing or account"]);
    expect(events[1].properties.$survey_submission_id).toBe(events[0].properties.$survey_submission_id);
    expect(events[1].uuid).not.toBe(events[0].uuid);
    expect((await row(ticket))!).toMatchObject({ version: 2, reasons: '["billing"]', captured_version: 2 });
  });

  it("keeps the submission id on an edit and gives the new version a new event uuid", async () => {
    const ticket = freshTicket();
    const fields = linkFields(ticket);
    await callThenConsume(postForm(await formFromPage(fields, { rating: "2" })));
    await callThenConsume(postForm(await formFromPage(fields, { rating: "5" })));
    await callThenConsume(postForm(await formFromPage(fields, { rating: "5" }))); // same answer again: nothing new to send
    const events = (await sentRequests(ticket)).map((r) => (r.body as any).batch[0]);
    expect(events.map((e) => e.properties["$survey_response_csat-rating"])).toEqual([2, 5]);
    expect(events[0].properties.$survey_submission_id).toBe(events[1].properties.$survey_submission_id);
    expect(events[0].uuid).not.toBe(events[1].uuid);
    // PostHog holds each version once.
    const held = await acceptedFor(ticket);
    expect(held.map((e) => e.properties["$survey_response_csat-rating"])).toEqual([2, 5]);
  });

  it("keeps an answer written while PostHog answers 503 and delivers it once PostHog recovers, only once", async () => {
    const ticket = freshTicket();
    await posthog.script([
      {
        method: "POST",
        path: "/batch/",
        bodyIncludes: `"ticketId":"${ticket}"`,
        status: 503,
        body: { error: "unavailable" },
        times: 2,
      },
    ]);
    const res = await callThenConsume(
      postForm(await answerForm(linkFields(ticket), { rating: "1", comment: "never heard back" })),
    );
    expect(res.status).toBe(303); // the customer is thanked: the answer is safe in D1

    let stored = await row(ticket);
    expect(stored).toMatchObject({ rating: 1, captured_version: 0, capture_attempts: 1 });
    expect(stored!.last_capture_error).toBeTruthy();

    // The next cron run is before the back-off: nothing is sent.
    await runCron(EVERY_TEN_MINUTES, Date.now() + 1_000);
    expect(await sentRequests(ticket)).toHaveLength(1);

    // After the back-off PostHog still fails once more...
    await runCron(EVERY_TEN_MINUTES, Date.now() + 5 * 60_000);
    expect(await sentRequests(ticket)).toHaveLength(2);
    expect((await row(ticket))!.capture_attempts).toBe(2);

    // ...then recovers: the cron delivers the answer, and later runs send nothing more.
    await runCron(EVERY_TEN_MINUTES, Date.now() + 60 * 60_000);
    await runCron(EVERY_TEN_MINUTES, Date.now() + 2 * 60 * 60_000);
    const requests = await sentRequests(ticket);
    expect(requests).toHaveLength(3);
    const uuids = requests.map((r) => (r.body as any).batch[0].uuid);
    expect(new Set(uuids).size).toBe(1); // every attempt at the same version carries the same uuid
    stored = await row(ticket);
    expect(stored).toMatchObject({ captured_version: 1, capture_attempts: 0, last_capture_error: null });
    expect(await acceptedFor(ticket)).toHaveLength(1);
  });

  it("keeps answers pending with no PostHog key, and delivers them once a key is set", async () => {
    const ticket = freshTicket();
    const noKey = testEnv({ POSTHOG_API_KEY: "" });
    await callThenConsume(postForm(await answerForm(linkFields(ticket), { rating: "5" })), noKey);
    expect(await sentRequests(ticket)).toHaveLength(0);
    expect((await row(ticket))!.captured_version).toBe(0);
    await runCron(EVERY_TEN_MINUTES, Date.now() + 7 * 60 * 60_000);
    expect(await sentRequests(ticket)).toHaveLength(1);
    expect((await row(ticket))!.captured_version).toBe(1);
  });

  it("delivers a backlog in one request, up to 100 answers at a time", async () => {
    const tickets = [freshTicket(), freshTicket(), freshTicket()];
    const noKey = testEnv({ POSTHOG_API_KEY: "" });
    for (const t of tickets) await callThenConsume(postForm(await answerForm(linkFields(t), { rating: "4" })), noKey);
    await runCron(EVERY_TEN_MINUTES, Date.now() + 7 * 60 * 60_000);
    const requests = (await posthog.requests()).filter((r) =>
      tickets.every((t) => r.rawBody.includes(`"ticketId":"${t}"`)),
    );
    expect(requests).toHaveLength(1);
    const events = (requests[0]!.body as { batch: Array<{ event: string; properties: Record<string, unknown> }> })
      .batch;
    expect(events.filter((e) => tickets.map(String).includes(String(e.properties.ticketId)))).toHaveLength(3);
    for (const t of tickets) expect((await row(t))!.captured_version).toBe(1);
  });

  it("holds every caller off until a 429's Retry-After has passed, then delivers each answer once", async () => {
    const e = testEnv({ POSTHOG_HOST: ownHost() });
    const [first, second] = [freshTicket(), freshTicket()];
    await posthog.script([
      {
        method: "POST",
        path: "/batch/",
        bodyIncludes: `"ticketId":"${first}"`,
        status: 429,
        headers: { "retry-after": "2" },
        body: "Rate limited",
      },
    ]);
    expect((await callThenConsume(postForm(await answerForm(linkFields(first), { rating: "3" })), e)).status).toBe(303);
    const refused = (await sentRequests(first))[0]!;
    const reopensAt = refused.at + 2_000;
    expect((await row(first))!.last_capture_error).toContain("429");

    // Another answer, and a cron run, while PostHog's Retry-After runs: nothing reaches PostHog.
    expect((await callThenConsume(postForm(await answerForm(linkFields(second), { rating: "4" })), e)).status).toBe(
      303,
    );
    await runCron(EVERY_TEN_MINUTES, Date.now() + 7 * 60 * 60_000, e);
    if (Date.now() < reopensAt) {
      expect(await sentRequests(first)).toHaveLength(1);
      expect(await sentRequests(second)).toHaveLength(0);
      expect((await row(second))!.last_capture_error).toContain("Retry-After");
    }
    expect((await row(second))!.captured_version).toBe(0);

    await sleep(Math.max(0, reopensAt - Date.now()) + 100);
    await runCron(EVERY_TEN_MINUTES, Date.now() + 14 * 60 * 60_000, e);
    // Every request after the 429 came once its Retry-After had passed.
    const after = [...(await sentRequests(first)), ...(await sentRequests(second))].filter((r) => r.at > refused.at);
    expect(after.length).toBeGreaterThan(0);
    for (const r of after) expect(r.at).toBeGreaterThanOrEqual(reopensAt);
    expect(await acceptedFor(first)).toHaveLength(1);
    expect(await acceptedFor(second)).toHaveLength(1);
    expect((await row(first))!.captured_version).toBe(1);
    expect((await row(second))!.captured_version).toBe(1);
  });

  it("keeps an answer whose connection to PostHog was lost and delivers it later, once, with the same uuid", async () => {
    const ticket = freshTicket();
    await posthog.script([
      { method: "POST", path: "/batch/", bodyIncludes: `"ticketId":"${ticket}"`, status: 200, dropConnection: true },
    ]);
    expect((await callThenConsume(postForm(await answerForm(linkFields(ticket), { rating: "2" })))).status).toBe(303);
    const stored = await row(ticket);
    expect(stored).toMatchObject({ captured_version: 0, capture_attempts: 1 });
    expect(stored!.last_capture_error).toContain("PostHog");
    expect(await acceptedFor(ticket)).toHaveLength(0);

    await runCron(EVERY_TEN_MINUTES, Date.now() + 7 * 60 * 60_000);
    const requests = await sentRequests(ticket);
    expect(requests).toHaveLength(2);
    expect(new Set(requests.map((r) => (r.body as any).batch[0].uuid)).size).toBe(1);
    expect(await acceptedFor(ticket)).toHaveLength(1);
    expect((await row(ticket))!.captured_version).toBe(1);
  });

  it("sends the same uuid again when PostHog took an answer but the answer to that was lost", async () => {
    const ticket = freshTicket();
    await posthog.script([
      {
        method: "POST",
        path: "/batch/",
        bodyIncludes: `"ticketId":"${ticket}"`,
        status: 200,
        applyFirst: true,
        dropConnection: true,
      },
    ]);
    await callThenConsume(postForm(await answerForm(linkFields(ticket), { rating: "5" })));
    expect((await row(ticket))!.captured_version).toBe(0);
    await runCron(EVERY_TEN_MINUTES, Date.now() + 7 * 60 * 60_000);
    // PostHog got the version twice, under one uuid: it keeps one event per uuid.
    const held = await acceptedFor(ticket);
    expect(held).toHaveLength(2);
    expect(held[0]!.uuid).toBe(held[1]!.uuid);
    expect((await row(ticket))!.captured_version).toBe(1);
  });

  it("delivers an answer once when its delivery runs twice at the same moment, or again after it was accepted", async () => {
    const ticket = freshTicket();
    const noKey = testEnv({ POSTHOG_API_KEY: "" });
    await callThenConsume(postForm(await answerForm(linkFields(ticket), { rating: "4" })), noKey);
    const e = testEnv();
    const settings = settingsOf(e);
    const later = Date.now() + 7 * 60 * 60_000;
    // As a redelivered message would: the same work started twice, at once, then once more.
    await Promise.all([
      deliverPendingResponses(settings, e.DB, later, { ticketId: ticket }),
      deliverPendingResponses(settings, e.DB, later, { ticketId: ticket }),
    ]);
    await deliverPendingResponses(settings, e.DB, later + 60_000, { ticketId: ticket });
    await runCron(EVERY_TEN_MINUTES, later + 2 * 60 * 60_000);
    expect(await sentRequests(ticket)).toHaveLength(1);
    expect(await acceptedFor(ticket)).toHaveLength(1);
  });

  it("delivers an answer once when its queue message is delivered twice, or twice at once", async () => {
    const ticket = freshTicket();
    // Stored without a key, so nothing was queued yet; then its message comes, and comes again.
    await call(postForm(await answerForm(linkFields(ticket), { rating: "3" })), testEnv({ POSTHOG_API_KEY: "" }));
    const message = { kind: "posthog-answer" as const, ticketId: ticket };
    const [first, second] = await Promise.all([deliverQueue([message], testEnv()), deliverQueue([message], testEnv())]);
    const again = await deliverQueue([message], testEnv());
    for (const result of [first, second, again]) expect(result.retryMessages).toEqual([]);
    expect(await sentRequests(ticket)).toHaveLength(1);
    expect(await acceptedFor(ticket)).toHaveLength(1);
    expect(await row(ticket)).toMatchObject({ captured_version: 1 });
  });

  it("sends the same uuid again when the Worker died after PostHog accepted, before D1 recorded it", async () => {
    const ticket = freshTicket();
    await callThenConsume(
      postForm(await answerForm(linkFields(ticket), { rating: "1" })),
      testEnv({ POSTHOG_API_KEY: "" }),
    );
    const e = testEnv();
    const later = Date.now() + 7 * 60 * 60_000;
    const dying = crashBefore(e.DB, /SET captured_version = MAX/);
    await expect(deliverPendingResponses(settingsOf(e), dying.db, later, { ticketId: ticket })).rejects.toThrow();
    expect(dying.crashed()).toBe(true);
    // The lease runs out and the cron sends the same version again, under the same uuid.
    await runCron(EVERY_TEN_MINUTES, later + 2 * 60 * 60_000);
    const held = await acceptedFor(ticket);
    expect(held).toHaveLength(2);
    expect(held[0]!.uuid).toBe(held[1]!.uuid);
    expect((await row(ticket))!.captured_version).toBe(1);
  });

  it("refuses, as the fake PostHog does, what posthog-node would not send", async () => {
    const post = (body: unknown, headers: Record<string, string>) =>
      fetch(`${inject("posthogUrl")}/batch/`, { method: "POST", headers, body: JSON.stringify(body) });
    const event = {
      distinct_id: "someone",
      event: "survey sent",
      properties: { $lib: "hedgehog-csat", $lib_version: "1.0.0" },
      timestamp: new Date().toISOString(),
      uuid: crypto.randomUUID(),
    };
    const handWritten = await post(
      { api_key: "phc_test_key", batch: [event], sent_at: new Date().toISOString() },
      { "content-type": "application/json", "user-agent": "hedgehog-csat/1.0.0" },
    );
    expect(handWritten.status).toBe(400);
    expect(await handWritten.text()).toContain("not what posthog-node sends");
    const noKey = await post({ batch: [event] }, { "content-type": "application/json" });
    expect(noKey.status).toBe(401);
  });
});
