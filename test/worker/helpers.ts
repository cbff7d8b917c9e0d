import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import type { QueueMessage } from "../../src/queue-message";
import type { FakeTicket, SentEmail } from "../fakes/types";
import { env } from "cloudflare:workers";
import { inject } from "vitest";
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { buildSurveyUrl, expiryFrom, type SurveyLinkFields } from "../../src/survey/link";
import type { RecordedRequest, ScriptedReply } from "../fakes/types";
import { withD1Limits } from "./d1-limits";

export const BASE = "https://survey.example.test";

const limitedDb = withD1Limits(env.DB);

/**
 * The test env: wrangler.toml's settings with outside services pointed at the loopback fakes, and D1
 * held to Cloudflare's limits (Miniflare does not enforce them; d1-limits.ts does, and the setup
 * file fails any test in which a statement of the product exceeded them).
 */
export function testEnv(overrides: Partial<Env> = {}): Env {
  return { ...env, DB: limitedDb, POSTHOG_HOST: inject("posthogUrl"), ...overrides } as Env;
}

let nextTicket = 1000 + Math.floor(Math.random() * 1_000_000) * 10;
/** A ticket id no other test uses. */
export function freshTicket(): number {
  return nextTicket++;
}

/** Calls the Worker's real fetch handler and waits for its `waitUntil` work to finish. */
export async function call(request: Request, envOverride?: Env): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, envOverride ?? testEnv(), ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export async function runCron(cron: string, scheduledTime = Date.now(), envOverride?: Env): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron, scheduledTime }), envOverride ?? testEnv(), ctx);
  await waitOnExecutionContext(ctx);
}

export function linkFields(ticketId: number, extra: Partial<SurveyLinkFields> = {}): SurveyLinkFields {
  return {
    distinctId: `customer-${ticketId}`,
    ticketId,
    team: "Product analytics",
    exp: expiryFrom(new Date(), 30),
    ...extra,
  };
}

export function signedUrl(fields: SurveyLinkFields, rating?: number): Promise<string> {
  return buildSurveyUrl(BASE, fields, env.SURVEY_LINK_SECRET!, rating);
}

/** The form a browser would post for a signed link. */
export async function answerForm(fields: SurveyLinkFields, answer: Record<string, string>): Promise<URLSearchParams> {
  const url = new URL(await signedUrl(fields));
  const form = new URLSearchParams(url.searchParams);
  for (const [k, val] of Object.entries(answer)) form.set(k, val);
  return form;
}

/**
 * The form a browser would post after opening the link: the page's own hidden fields (the link, and
 * which earlier answer it showed), with the customer's answer filled in.
 */
export async function formFromPage(fields: SurveyLinkFields, answer: Record<string, string>, envOverride?: Env) {
  const page = await (await call(new Request(await signedUrl(fields)), envOverride)).text();
  const form = new URLSearchParams();
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    form.set(m[1]!, m[2]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&"));
  }
  for (const [k, val] of Object.entries(answer)) form.set(k, val);
  return form;
}

export function postForm(body: URLSearchParams | string, headers: Record<string, string> = {}): Request {
  return new Request(`${BASE}/`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: BASE,
      "sec-fetch-site": "same-origin",
      ...headers,
    },
    body: typeof body === "string" ? body : body.toString(),
    redirect: "manual",
  });
}

/** Talks to a loopback fake's control endpoints. */
export const fake = (name: "posthogUrl" | "zendeskUrl" | "resendUrl" | "slackUrl") => {
  const url = () => inject(name);
  return {
    url,
    async requests(): Promise<RecordedRequest[]> {
      return (await fetch(`${url()}/__fake/requests`)).json();
    },
    async unexpected(): Promise<RecordedRequest[]> {
      return (await fetch(`${url()}/__fake/unexpected`)).json();
    },
    async reset(): Promise<void> {
      await fetch(`${url()}/__fake/reset`, { method: "POST" });
    },
    async script(replies: ScriptedReply[]): Promise<void> {
      await fetch(`${url()}/__fake/script`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(replies),
      });
    },
  };
};

export const posthog = fake("posthogUrl");

/** Every event PostHog's fake accepted (2xx) or saw, flattened from the batches. */
export async function posthogEvents(): Promise<Array<Record<string, any>>> {
  const requests = await posthog.requests();
  return requests.flatMap((r) => ((r.body as { batch?: unknown[] }).batch ?? []) as Array<Record<string, any>>);
}

export function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, " ")
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}

let accountCounter = 0;
/** A Zendesk and Resend account of this test's own on the loopback fakes, and an env that uses them. */
export async function dispatchAccount(overrides: Partial<Env> = {}) {
  const name = `acct${Date.now().toString(36)}${accountCounter++}${Math.floor(Math.random() * 1e6)}`;
  const zendeskUrl = inject("zendeskUrl");
  const resendUrl = inject("resendUrl");
  const sent: QueueMessage[] = [];
  const queue = {
    async send(body: QueueMessage) {
      sent.push(body);
    },
    async sendBatch(messages: Iterable<{ body: QueueMessage }>) {
      for (const m of messages) sent.push(m.body);
    },
  } as unknown as Queue<QueueMessage>;
  // Tests that are not about Zendesk's export quota run on an account whose quota is raised (as the
  // High Volume add-on raises it, only more), so a test can run the cron several times in a row; the
  // quota tests set Zendesk's documented 10 a minute on both sides.
  const exportPerMinute = overrides.ZENDESK_EXPORT_REQUESTS_PER_MINUTE ?? "600";
  await fetch(`${zendeskUrl}/__fake/zendesk/${name}/config`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ exportPerMinute: Number(exportPerMinute) }),
  });
  const accountEnv = testEnv({
    ZENDESK_BASE_URL: `${zendeskUrl}/t/${name}`,
    ZENDESK_EXPORT_REQUESTS_PER_MINUTE: exportPerMinute,
    MAIL_PROVIDER: "resend",
    RESEND_BASE_URL: `${resendUrl}/t/${name}`,
    INTERNAL_DOMAINS: "posthog.com",
    SLACK_WEBHOOK_URLS: JSON.stringify({
      "Product analytics": `${inject("slackUrl")}/t/${name}/services/T001/B001/analytics`,
      "*": `${inject("slackUrl")}/t/${name}/services/T001/B002/general`,
    }),
    DONATION_REPORT_TO: "donor@example.org",
    ...overrides,
  });
  return {
    name,
    /** The env with a queue that keeps what the cron queues, to hand to the consumer ourselves. */
    env: { ...accountEnv, DISPATCH: queue } as Env,
    /** The env with the real DISPATCH queue (its consumer runs with the default settings: outbox mail). */
    realQueueEnv: accountEnv,
    queued: sent,
    async seed(tickets: FakeTicket[]) {
      const res = await fetch(`${zendeskUrl}/__fake/zendesk/${name}/tickets`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(tickets),
      });
      if (!res.ok) throw new Error(`seeding failed: ${res.status}`);
    },
    async configure(config: Record<string, unknown>) {
      await fetch(`${zendeskUrl}/__fake/zendesk/${name}/config`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(config),
      });
    },
    async resendSent(): Promise<SentEmail[]> {
      return (await fetch(`${resendUrl}/__fake/resend/${name}/sent`)).json();
    },
    async zendeskRequests(): Promise<RecordedRequest[]> {
      const all: RecordedRequest[] = await (await fetch(`${zendeskUrl}/__fake/requests`)).json();
      return all.filter((r) => r.path.startsWith(`/t/${name}/`));
    },
    async slackRequests(): Promise<RecordedRequest[]> {
      const all: RecordedRequest[] = await (await fetch(`${inject("slackUrl")}/__fake/requests`)).json();
      return all.filter((r) => r.path.startsWith(`/t/${name}/`));
    },
    async zendeskNotes(): Promise<Array<{ ticketId: number; body: string; public: boolean }>> {
      return (await fetch(`${zendeskUrl}/__fake/zendesk/${name}/notes`)).json();
    },
    async resendRequests(): Promise<RecordedRequest[]> {
      const all: RecordedRequest[] = await (await fetch(`${resendUrl}/__fake/requests`)).json();
      return all.filter((r) => r.path.startsWith(`/t/${name}/`));
    },
  };
}

export type DispatchAccount = Awaited<ReturnType<typeof dispatchAccount>>;

/**
 * Hands messages to the Worker's real queue handler, as the Queue would, and reports acks and retries,
 * with the delay each retry asked for (the pool's own result leaves it out).
 */
export async function deliverQueue(messages: QueueMessage[], envOverride: Env, attempts = 1) {
  const batch = createMessageBatch<QueueMessage>(
    "survey-dispatch",
    messages.map((body, i) => ({ id: `msg-${i}-${Math.random()}`, timestamp: new Date(), attempts, body })),
  );
  const delays = new Map<string, number | undefined>();
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    Object.defineProperty(message, "retry", {
      value: (options?: QueueRetryOptions) => {
        delays.set(message.id, options?.delaySeconds);
        retry(options);
      },
    });
  }
  const ctx = createExecutionContext();
  await (worker.queue as ExportedHandlerQueueHandler<Env, QueueMessage>)(batch, envOverride, ctx);
  const result = await getQueueResult(batch, ctx);
  return {
    ...result,
    retryMessages: result.retryMessages.map((r: { msgId: string }) => ({ ...r, delaySeconds: delays.get(r.msgId) })),
  };
}

export function daysAgo(days: number, from = Date.now()): string {
  return new Date(from - days * 86_400_000).toISOString();
}

let nextZendeskId = 500_000 + Math.floor(Math.random() * 100_000) * 100;
/** A solved ticket with a fresh id and requester; `overrides` changes any part. */
export function solvedTicket(solvedDaysAgo: number, overrides: Partial<FakeTicket> = {}): FakeTicket {
  const id = nextZendeskId++;
  return {
    id,
    status: "solved",
    solved_at: daysAgo(solvedDaysAgo),
    updated_at: daysAgo(solvedDaysAgo),
    tags: [],
    requester: {
      id: id * 7,
      name: `Customer ${id}`,
      email: `customer${id}@example.org`,
      role: "end-user",
      external_id: `ph-${id}`,
    },
    group: { id: 42, name: "Product analytics" },
    ...overrides,
  };
}

export async function sendRow(ticketId: number) {
  return env.DB.prepare("SELECT * FROM survey_sends WHERE ticket_id = ?").bind(ticketId).first<Record<string, any>>();
}
