// The survey Worker (src/survey-worker.ts, wrangler.survey.toml): the customer pages served by itself,
// everything else handed to the app Worker through its APP service binding. Here APP is the app
// Worker's real fetch handler on the same D1, as the binding is in production.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import surveyWorker, { type SurveyWorkerEnv } from "../../src/survey-worker";
import { RATING_QUESTION } from "../../src/lib/copy";
import type { QueueMessage } from "../../src/queue-message";
import { posthog, posthogAccepted } from "./helpers/fakes";
import { BASE, call, deliverQueue, testEnv, textOf } from "./helpers/worker";
import { answerForm, freshTicket, linkFields, postForm, signedUrl } from "./helpers/survey";

const TOKEN = "test-admin-token-0123456789";

/** The survey Worker, its APP binding recording what it was handed (to the app Worker, whose settings are in order). */
function surveyWorkerWithApp(own: Partial<SurveyWorkerEnv> = {}) {
  const handed: string[] = [];
  // What it hands the app Worker's queue consumer, kept here (the test hands it on with deliverQueue).
  const queued: QueueMessage[] = [];
  const env: SurveyWorkerEnv = {
    ...testEnv(),
    DISPATCH: {
      send: async (message: QueueMessage) => void queued.push(message),
      sendBatch: async (messages: Iterable<MessageSendRequest<QueueMessage>>) =>
        void queued.push(...[...messages].map((m) => m.body)),
    } as unknown as Queue<QueueMessage>,
    ...own,
    APP: {
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        const request = new Request(input, init);
        handed.push(`${request.method} ${new URL(request.url).pathname}`);
        return call(request);
      },
      connect: () => {
        throw new Error("the survey Worker never opens sockets to the app Worker");
      },
    } as Fetcher,
  };
  return {
    handed,
    queued,
    async fetch(request: Request): Promise<Response> {
      const ctx = createExecutionContext();
      const response = await surveyWorker.fetch(request, env, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    },
  };
}

describe("the survey Worker", () => {
  it("serves the survey page, takes the answer and thanks the customer without the app Worker", async () => {
    const worker = surveyWorkerWithApp();
    const fields = linkFields(freshTicket());
    const page = await worker.fetch(new Request(await signedUrl(fields, 4)));
    expect(page.status).toBe(200);
    expect(textOf(await page.text())).toContain(RATING_QUESTION);
    expect(page.headers.get("content-security-policy")).toMatch(/script-src 'self' 'sha256-/);

    const posted = await worker.fetch(postForm(await answerForm(fields, { rating: "5", comment: "Quick and kind" })));
    expect(posted.status).toBe(303);
    const thanks = await worker.fetch(new Request(new URL(posted.headers.get("location")!, BASE)));
    expect(thanks.status).toBe(200);
    expect(textOf(await thanks.text())).toMatch(/You just fed hedgehog #\d/);
    expect(worker.handed).toEqual([]);
  });

  it("hands the admin area to the app Worker: the answer it stored shows there, signed in with a form post and its cookie", async () => {
    const worker = surveyWorkerWithApp();
    const ticketId = freshTicket();
    const fields = linkFields(ticketId, { team: "Survey Worker check" });
    expect((await worker.fetch(postForm(await answerForm(fields, { rating: "2", comment: "Too slow" })))).status).toBe(
      303,
    );

    const signIn = await worker.fetch(
      new Request(`${BASE}/admin/sign-in`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" },
        body: `token=${TOKEN}`,
        redirect: "manual",
      }),
    );
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers.get("set-cookie")!.split(";")[0]!;
    const answers = await worker.fetch(
      new Request(`${BASE}/admin/answers?team=${encodeURIComponent("Survey Worker check")}`, { headers: { cookie } }),
    );
    expect(answers.status).toBe(200);
    const text = textOf(await answers.text());
    expect(text).toContain(String(ticketId));
    expect(text).toContain("Too slow");
    // The app Worker's own headers come back as it set them; ours are the same values.
    expect(answers.headers.get("cache-control")).toBe("no-store");
    expect(answers.headers.get("cross-origin-opener-policy")).toBe("same-origin");
    expect(worker.handed).toEqual(["POST /admin/sign-in", "GET /admin/answers"]);
  });

  it("hands the public hedgehog counter and unknown addresses to the app Worker", async () => {
    const worker = surveyWorkerWithApp();
    const counter = await worker.fetch(new Request(`${BASE}/hedgehogs`));
    expect(counter.status).toBe(200);
    expect(textOf(await counter.text())).toMatch(/hedgehogs? fed/i);
    const missing = await worker.fetch(new Request(`${BASE}/no-such-page`));
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-content-type-options")).toBe("nosniff");
    expect(worker.handed).toEqual(["GET /hedgehogs", "GET /no-such-page"]);
  });

  it("with a setting of its own missing, says so on the survey and still hands on what the app Worker answers", async () => {
    const worker = surveyWorkerWithApp({ SURVEY_LINK_SECRET: undefined });
    const page = await worker.fetch(new Request(await signedUrl(linkFields(freshTicket()))));
    expect(page.status).toBe(503);
    expect(textOf(await page.text())).toContain("The survey is not available right now");
    // The public counter (and unsubscribe links, and the admin area) are the app Worker's to answer.
    const counter = await worker.fetch(new Request(`${BASE}/hedgehogs`));
    expect(counter.status).toBe(200);
    expect(worker.handed).toEqual(["GET /hedgehogs"]);
  });

  it("answers bad input itself, as the app does: a forged link is refused and nothing is handed on", async () => {
    const worker = surveyWorkerWithApp();
    const url = new URL(await signedUrl(linkFields(freshTicket())));
    url.searchParams.set("ticketId", String(Number(url.searchParams.get("ticketId")) + 1));
    const forged = await worker.fetch(new Request(url));
    expect(forged.status).toBe(403);
    const tooBig = await worker.fetch(postForm("comment=" + "x".repeat(40 * 1024)));
    expect(tooBig.status).toBe(413);
    expect(worker.handed).toEqual([]);
  });

  it("hands an answer to the app Worker's queue for PostHog, which holds it once however often the message comes", async () => {
    const worker = surveyWorkerWithApp();
    const ticketId = freshTicket();
    const posted = await worker.fetch(postForm(await answerForm(linkFields(ticketId), { rating: "4" })));
    expect(posted.status).toBe(303);
    const forPostHog = worker.queued.filter((m) => m.kind === "posthog-answer");
    expect(forPostHog).toEqual([{ kind: "posthog-answer", ticketId }]);
    const sentFor = async () =>
      (await posthog.requests()).filter((r) => r.path === "/batch/" && r.rawBody.includes(`"ticketId":"${ticketId}"`));
    expect(await sentFor()).toHaveLength(0); // the survey Worker itself sends nothing to PostHog

    const first = await deliverQueue(forPostHog, testEnv());
    expect(first.explicitAcks).toHaveLength(1);
    // The Queue delivers at least once: the same message again, later, sends nothing more.
    const again = await deliverQueue(forPostHog, testEnv(), 2);
    expect(again.explicitAcks).toHaveLength(1);
    expect(await sentFor()).toHaveLength(1);
    const held = (await posthogAccepted()).filter(
      (e) => e.event === "survey sent" && e.properties.ticketId === String(ticketId),
    );
    expect(held).toHaveLength(1);
    expect(held[0]!.properties["$survey_response_csat-rating"]).toBe(4);
  });
});
