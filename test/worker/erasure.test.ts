import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { utcMonth } from "../../src/lib/time";
import { outboxMailer } from "../../src/services/mail-outbox";
import {
  ADMIN_TOKEN,
  BASE,
  answerForm,
  call,
  fingerprintOf,
  linkFields,
  postForm,
  posthog,
  solvedTicket,
  syncedTickets,
  testEnv,
  textOf,
} from "./helpers";

const auth = { authorization: `Bearer ${ADMIN_TOKEN}`, "sec-fetch-site": "same-origin" };
let ticket = 9_000_000 + Math.floor(Math.random() * 100_000) * 10;

/**
 * A person with a synced ticket (through the Zendesk stand-in and the sync, as in production; solved a
 * day ago, so no survey is due yet), an answer with a comment, and an email in the outbox.
 */
async function seedPerson(email: string, externalId: string) {
  const synced = solvedTicket(1, { group: { id: 43, name: "Billing" } });
  synced.requester = { ...synced.requester, email, name: "Ada Lovelace", external_id: externalId, role: "end-user" };
  await syncedTickets([synced]);
  const id = synced.id;
  await call(
    postForm(
      await answerForm(linkFields(id, { distinctId: externalId }), { rating: "2", comment: "my private story" }),
    ),
  );
  await outboxMailer(env.DB).send(
    [{ idempotencyKey: `erase-${id}`, to: email, from: "s@x.org", subject: "Survey", html: "", text: "", headers: {} }],
    `erase-${id}`,
  );
  return id;
}

const erase = (body: string, type = "application/json") =>
  call(new Request(`${BASE}/admin/erase`, { method: "POST", headers: { ...auth, "content-type": type }, body }));

describe("erasing a person's data", () => {
  it("by email: clears comments, ids and names, keeps ratings and hedgehogs, suppresses the address", async () => {
    const email = `ada.${ticket}@example.org`;
    const id = await seedPerson(email, `ph-ada-${ticket}`);
    const tally = async () =>
      (await env.DB.prepare("SELECT hedgehogs FROM hedgehog_tally WHERE month = ?")
        .bind(utcMonth(Date.now()))
        .first<{ hedgehogs: number }>())!.hedgehogs;
    const before = await tally();
    const res = await erase(JSON.stringify({ email: email.toUpperCase() }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      person: `a•••@example.org`,
      responses: 1,
      candidates: 1,
      outboxMessages: 1,
      suppressedAddresses: 1,
      posthog: "PostHog not asked (set POSTHOG_PERSONAL_API_KEY and POSTHOG_PROJECT_ID to delete there too)",
    });
    expect(
      await env.DB.prepare(
        "SELECT rating, comment, distinct_id, hedgehog_number IS NOT NULL AS fed FROM responses WHERE ticket_id = ?",
      )
        .bind(id)
        .first(),
    ).toEqual({
      rating: 2,
      comment: null,
      distinct_id: null,
      fed: 1,
    });
    expect(
      await env.DB.prepare(
        "SELECT requester_email, requester_name, requester_external_id FROM candidates WHERE ticket_id = ?",
      )
        .bind(id)
        .first(),
    ).toEqual({
      requester_email: null,
      requester_name: null,
      requester_external_id: null,
    });
    expect(
      await env.DB.prepare("SELECT source FROM suppressions WHERE address_fingerprint = ?")
        .bind(await fingerprintOf(email))
        .first(),
    ).toEqual({ source: "erasure" });
    expect(await tally()).toBe(before);
    // Repeating it changes nothing more.
    expect(await (await erase(JSON.stringify({ email }))).json()).toMatchObject({ responses: 0, outboxMessages: 0 });
  });

  it("by distinct id, from the admin form, and says what it changed", async () => {
    const email = `grace.${ticket}@example.org`;
    const did = `ph-grace-${ticket}`;
    const id = await seedPerson(email, did);
    const form = (fields: Record<string, string>) =>
      erase(new URLSearchParams(fields).toString(), "application/x-www-form-urlencoded");
    // The form first shows what it would erase, and erases nothing yet.
    const asked = await form({ distinct_id: did });
    expect(asked.status).toBe(200);
    const question = textOf(await asked.text());
    expect(question).toContain(`For distinct id ${did} this erases, for good:`);
    expect(question).toContain("1 answer without its comment and distinct id (the rating stays, anonymous)");
    expect(question).toContain("the name and address removed from 1 ticket");
    expect(question).toContain("1 outbox email deleted");
    expect(question).toContain("Erase for good");
    const kept = await env.DB.prepare("SELECT comment FROM responses WHERE ticket_id = ?").bind(id).first();
    expect(kept).not.toEqual({ comment: null });
    const res = await form({ distinct_id: did, confirm: "yes" });
    expect(res.status).toBe(200);
    expect(textOf(await res.text())).toContain(
      `Erased the data of distinct id ${did}: 1 answer without its comment and distinct id (the rating stays, anonymous); the name and address removed from 1 ticket; 1 outbox email deleted; 1 address sent no more surveys.`,
    );
    expect(
      (await env.DB.prepare("SELECT comment FROM responses WHERE ticket_id = ?").bind(id).first<{ comment: null }>())!
        .comment,
    ).toBeNull();
  });

  it("asks PostHog to delete the person and their events when its private API is configured", async () => {
    const email = `linus.${ticket}@example.org`;
    const did = `ph-linus-${ticket}`;
    await seedPerson(email, did);
    const project = String(ticket);
    const res = await call(
      new Request(`${BASE}/admin/erase`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ email }),
      }),
      testEnv({
        POSTHOG_PERSONAL_API_KEY: "phx_test_personal_key",
        POSTHOG_PROJECT_ID: project,
        POSTHOG_APP_HOST: inject("posthogUrl"),
      }),
    );
    expect((await res.json<{ posthog: string }>()).posthog).toBe(
      "PostHog deletion requested (1 found); its events go in PostHog's next weekly deletion run",
    );
    const request = (await posthog.requests()).find((r) => r.path === `/api/projects/${project}/persons/bulk_delete/`);
    expect(request?.body).toEqual({ distinct_ids: [did], delete_events: true });
  });

  it("refuses an empty, malformed or oversized request with 400/413 and erases nothing", async () => {
    expect((await erase("{}")).status).toBe(400);
    expect((await erase(JSON.stringify({ email: "not-an-address" }))).status).toBe(400);
    expect((await erase("{not json")).status).toBe(400);
    expect((await erase(JSON.stringify({ email: "a@b.co", distinct_id: "x".repeat(5000) }))).status).toBe(413);
    const form = await erase("email=", "application/x-www-form-urlencoded");
    expect(form.status).toBe(400);
    expect(textOf(await form.text())).toContain("Nothing erased");
  });

  it("is not open without the admin token", async () => {
    const res = await call(
      new Request(`${BASE}/admin/erase`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"email":"a@b.co"}',
      }),
    );
    expect(res.status).toBe(401);
  });

  it("by a zendesk-user-<id> distinct id (a requester without an external id): suppresses their address and clears their ticket", async () => {
    const t = solvedTicket(10);
    t.requester.external_id = null;
    await syncedTickets([t]);
    const distinctId = `zendesk-user-${t.requester.id}`;
    await call(postForm(await answerForm(linkFields(t.id, { distinctId }), { rating: "1", comment: "call me back" })));

    const res = await erase(JSON.stringify({ distinct_id: distinctId }));
    expect(res.status).toBe(200);
    expect(
      await env.DB.prepare("SELECT source FROM suppressions WHERE address_fingerprint = ?")
        .bind(await fingerprintOf(t.requester.email!))
        .first(),
    ).toEqual({ source: "erasure" });
    expect(
      await env.DB.prepare("SELECT requester_email, requester_name FROM candidates WHERE ticket_id = ?")
        .bind(t.id)
        .first(),
    ).toEqual({ requester_email: null, requester_name: null });
    expect(
      await env.DB.prepare("SELECT comment, distinct_id FROM responses WHERE ticket_id = ?").bind(t.id).first(),
    ).toEqual({
      comment: null,
      distinct_id: null,
    });
  });
});
