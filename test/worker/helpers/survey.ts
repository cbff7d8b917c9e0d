// Survey links and answers, as a customer's browser makes them.
import { env } from "cloudflare:workers";
import type { Env } from "../../../src/env";
import { buildSurveyUrl, expiryFrom, type SurveyLinkFields } from "../../../src/lib/survey-link";
import { recordResponse } from "../../../src/survey/responses-store";
import { BASE, call } from "./worker";

let nextTicket = 1000 + Math.floor(Math.random() * 1_000_000) * 10;
/** A ticket id no other test uses. */
export function freshTicket(): number {
  return nextTicket++;
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
  return buildSurveyUrl(BASE, fields, env.SURVEY_LINK_SECRET!, { rating });
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
    form.set(
      m[1]!,
      m[2]!
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&amp;/g, "&"),
    );
  }
  for (const [k, val] of Object.entries(answer)) form.set(k, val);
  return form;
}

/** The `survey shown` report the page's script sends once it has loaded (`navigator.sendBeacon`). */
export async function shownReport(fields: SurveyLinkFields): Promise<Request> {
  return new Request(`${BASE}/shown`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded;charset=UTF-8", "sec-fetch-site": "same-origin" },
    body: new URL(await signedUrl(fields)).searchParams.toString(),
  });
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

/**
 * An answer stored as the survey stores it (recordResponse: the hedgehog trigger, its number), at a
 * chosen time, for tests about what is done with answers rather than how they are given.
 */
export async function storeAnswer(answer: {
  ticketId: number;
  team: string;
  rating: number;
  comment?: string | null;
  /** Reason ids ("What went wrong?"), for a rating of 1 to 3. */
  reasons?: string[];
  distinctId?: string;
  at: number;
}): Promise<number> {
  await recordResponse(
    env.DB,
    {
      ticketId: answer.ticketId,
      distinctId: answer.distinctId ?? `customer-${answer.ticketId}`,
      team: answer.team,
      initialTargetArea: undefined,
      rating: answer.rating,
      comment: answer.comment ?? undefined,
      reasons: answer.reasons ?? [],
      verifiedBy: "signature",
    },
    answer.at,
    { baseVersion: 0 },
  );
  return answer.ticketId;
}
