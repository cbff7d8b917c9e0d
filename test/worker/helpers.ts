import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inject } from "vitest";
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { buildSurveyUrl, expiryFrom, type SurveyLinkFields } from "../../src/survey/link";
import type { RecordedRequest, ScriptedReply } from "../fakes/types";

export const BASE = "https://survey.example.test";

/** The test env: wrangler.toml's settings with outside services pointed at the loopback fakes. */
export function testEnv(overrides: Partial<Env> = {}): Env {
  return { ...env, POSTHOG_HOST: inject("posthogUrl"), ...overrides } as Env;
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
export const fake = (name: "posthogUrl") => {
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
