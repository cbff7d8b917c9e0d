import { expect } from "vitest";
import { buildSurveyUrl, expiryFrom } from "../../src/lib/survey-link";

/** Answers the survey on a running product as a browser's form post from its own page would. */
export async function answerByFormPost(
  baseUrl: string,
  secret: string,
  answer: { ticketId: number; team: string; rating: number; comment?: string },
): Promise<void> {
  const { ticketId, team } = answer;
  const link = new URL(
    await buildSurveyUrl(
      baseUrl,
      { distinctId: `c-${ticketId}`, ticketId, team, exp: expiryFrom(new Date(), 30) },
      secret,
    ),
  );
  const form = new URLSearchParams(link.searchParams);
  form.set("rating", String(answer.rating));
  if (answer.comment !== undefined) form.set("comment", answer.comment);
  const res = await fetch(`${baseUrl}/`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" },
    body: form,
    redirect: "manual",
  });
  expect(res.status).toBe(303);
}
