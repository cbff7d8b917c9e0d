import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import {
  answerForm,
  call,
  formFromPage,
  freshTicket,
  linkFields,
  posthog,
  postForm,
  runCron,
  testEnv,
} from "./helpers";

const SURVEY_ID = "019f37dc-7c9a-0000-d86a-aa8bf46f4917";

/** The `survey sent` batches the fake PostHog received for one ticket, with each request's status context. */
async function sentRequests(ticket: number) {
  const requests = await posthog.requests();
  return requests.filter(
    (r) => r.path === "/batch/" && r.rawBody.includes(`"ticketId":"${ticket}"`) && r.rawBody.includes("survey sent"),
  );
}

async function row(ticket: number) {
  return env.DB.prepare("SELECT * FROM responses WHERE ticket_id = ?").bind(ticket).first<Record<string, any>>();
}

describe("delivery to PostHog", () => {
  it("sends `survey sent` in PostHog's survey schema as one gzipped POST /batch/", async () => {
    const ticket = freshTicket();
    const fields = linkFields(ticket, { initialTargetArea: "billing" });
    await call(postForm(await answerForm(fields, { rating: "4", comment: "Great help" })));

    const requests = await sentRequests(ticket);
    expect(requests).toHaveLength(1);
    const req = requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.headers["content-encoding"]).toBe("gzip");
    expect(req.headers["content-type"]).toContain("application/json");
    const body = req.body as { api_key: string; batch: Array<Record<string, any>>; sent_at: string };
    expect(body.api_key).toBe("phc_test_key");
    expect(body.batch).toHaveLength(1);
    const event = body.batch[0]!;
    expect(event.event).toBe("survey sent");
    expect(event.distinct_id).toBe(`customer-${ticket}`);
    expect(event.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const p = event.properties;
    expect(p).toMatchObject({
      $survey_id: SURVEY_ID,
      $survey_name: "Customer satisfaction score (CSAT)",
      $survey_questions: [
        { id: "csat-rating", question: "How happy are you with the level of support you received?", response: 4 },
        { id: "csat-comment", question: "What can we do to increase your rating?", response: "Great help" },
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
    expect((await row(ticket))!.captured_version).toBe(1);
  });

  it("keeps the submission id on an edit and gives the new version a new event uuid", async () => {
    const ticket = freshTicket();
    const fields = linkFields(ticket);
    await call(postForm(await formFromPage(fields, { rating: "2" })));
    await call(postForm(await formFromPage(fields, { rating: "5" })));
    await call(postForm(await formFromPage(fields, { rating: "5" }))); // same answer again: nothing new to send
    const events = (await sentRequests(ticket)).map((r) => (r.body as any).batch[0]);
    expect(events.map((e) => e.properties["$survey_response_csat-rating"])).toEqual([2, 5]);
    expect(events[0].properties.$survey_submission_id).toBe(events[1].properties.$survey_submission_id);
    expect(events[0].uuid).not.toBe(events[1].uuid);
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
    const res = await call(
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
  });

  it("keeps answers pending with no PostHog key, and delivers them once a key is set", async () => {
    const ticket = freshTicket();
    const noKey = testEnv({ POSTHOG_API_KEY: "" });
    await call(postForm(await answerForm(linkFields(ticket), { rating: "5" })), noKey);
    expect(await sentRequests(ticket)).toHaveLength(0);
    expect((await row(ticket))!.captured_version).toBe(0);
    await runCron(EVERY_TEN_MINUTES, Date.now() + 7 * 60 * 60_000);
    expect(await sentRequests(ticket)).toHaveLength(1);
    expect((await row(ticket))!.captured_version).toBe(1);
  });

  it("delivers a backlog in one request, up to 100 answers at a time", async () => {
    const tickets = [freshTicket(), freshTicket(), freshTicket()];
    const noKey = testEnv({ POSTHOG_API_KEY: "" });
    for (const t of tickets) await call(postForm(await answerForm(linkFields(t), { rating: "4" })), noKey);
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
});
