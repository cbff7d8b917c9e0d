import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseSettings, SettingsError } from "../../src/config";
import { keyLegacyHashes } from "../../src/dispatch/fingerprint-job";
import { selectAndEnqueue } from "../../src/dispatch/select-job";
import { addressFingerprint } from "../../src/lib/email-address";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import type { FakeTicket } from "../fakes/types";
import { withD1Limits } from "./d1-limits";
import { unsubscribeUrl } from "../../src/dispatch/unsubscribe-link";
import {
  answerForm,
  BASE,
  call,
  deliverQueue,
  dispatchAccount,
  fingerprintOf,
  linkFields,
  postForm,
  recordingQueue,
  runCron,
  sendRow,
  solvedTicket,
  syncedTickets,
} from "./helpers";
import { outboxMailer } from "../../src/services/mail-outbox";

const DAY = 86_400_000;
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** The unkeyed hash the code wrote before fingerprints were keyed, computed here on its own: hex SHA-256 of `email:<address>`. */
async function bareDigest(address: string): Promise<Uint8Array> {
  const bytes = new TextEncoder().encode(`email:${address.trim().toLowerCase()}`);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const base64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const base64Url = (b: Uint8Array) => base64(b).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const bareHash = async (address: string) => hex(await bareDigest(address));

/** Every value of every table of a database, as text (the whole database, found through sqlite_master). */
async function everyValue(db: D1Database): Promise<Array<{ table: string; column: string; value: string }>> {
  const { results: tables } = await db
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'`,
    )
    .all<{ name: string }>();
  const values: Array<{ table: string; column: string; value: string }> = [];
  for (const { name } of tables) {
    const { results } = await db.prepare(`SELECT * FROM "${name}"`).all<Record<string, unknown>>();
    for (const row of results)
      for (const [column, value] of Object.entries(row))
        if (value !== null) values.push({ table: name, column, value: String(value) });
  }
  return values;
}

/** The places a plain address, or its bare hash in any encoding the code used or might have, appears. */
async function tracesOf(db: D1Database, address: string) {
  const digest = await bareDigest(address);
  const needles = [address.toLowerCase(), hex(digest), base64(digest).replace(/=+$/, ""), base64Url(digest)];
  return (await everyValue(db)).filter((v) => needles.some((n) => v.value.toLowerCase().includes(n.toLowerCase())));
}

describe("addresses are known by a keyed fingerprint", () => {
  it("the stored fingerprint is an HMAC under ADDRESS_FINGERPRINT_KEY: another key gives another, the bare hash is not stored", async () => {
    const t = solvedTicket(1);
    await syncedTickets([t]);
    const row = await env.DB.prepare(
      "SELECT address_fingerprint, legacy_email_hash FROM candidates WHERE ticket_id = ?",
    )
      .bind(t.id)
      .first<{ address_fingerprint: string; legacy_email_hash: string | null }>();
    const email = t.requester.email!;
    expect(row!.address_fingerprint).toBe(await fingerprintOf(email));
    expect(row!.address_fingerprint).toBe(await fingerprintOf(email.toUpperCase()));
    expect(row!.address_fingerprint).not.toBe(
      await addressFingerprint("another-key-of-at-least-32-characters!", email),
    );
    expect(row!.legacy_email_hash).toBeNull();
    const hash = await bareHash(email);
    expect((await everyValue(env.DB)).filter((v) => v.value.includes(hash))).toEqual([]);
  });

  it("the key is a required secret of at least 32 characters, named when missing or short", () => {
    const base = { SURVEY_LINK_SECRET: "0123456789abcdef0123" };
    expect(() => parseSettings(base)).toThrow(SettingsError);
    expect(() => parseSettings({ ...base, ADDRESS_FINGERPRINT_KEY: "too-short" })).toThrow(
      "ADDRESS_FINGERPRINT_KEY: must be at least 32 characters",
    );
    expect(() => parseSettings(base)).toThrow(/ADDRESS_FINGERPRINT_KEY/);
  });
});

describe("erasure", () => {
  it("leaves no plain address and no bare hash of it in any table, and the address is still never emailed", async () => {
    const email = `Erin.${unique()}@Example.org`;
    const first = solvedTicket(4);
    first.requester.email = email;
    const account = await dispatchAccount();
    await account.seed([first]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await deliverQueue(account.queued.splice(0), account.env);
    const [survey] = await account.resendSent();
    expect(survey!.to).toEqual([email]);
    // She unsubscribes by the email's link, answers with a comment, and a copy sits in the outbox.
    const link = /href="([^"]*\/unsubscribe\?[^"]+)"/.exec(survey!.html)![1]!.replace(/&amp;/g, "&");
    expect((await call(new Request(link, { method: "POST", body: "List-Unsubscribe=One-Click" }))).status).toBe(200);
    await call(postForm(await answerForm(linkFields(first.id), { rating: "2", comment: "write to me" })));
    await outboxMailer(env.DB).send(
      [
        {
          idempotencyKey: `fp-${first.id}`,
          to: email,
          from: "s@x.org",
          subject: "Survey",
          html: "",
          text: "",
          headers: {},
        },
      ],
      `fp-${first.id}`,
    );
    // And, as the code before keyed fingerprints wrote them: a bare-hash suppression and an old send.
    const hash = await bareHash(email);
    const oldTicket = first.id + 1_000_000;
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO legacy_suppressions (email_hash, created_at, source) VALUES (?, ?, 'unsubscribe page')",
      ).bind(hash, Date.now() - 40 * DAY),
      env.DB.prepare(
        "INSERT INTO survey_sends (ticket_id, status, legacy_email_hash, decided_at, sent_at) VALUES (?, 'sent', ?, ?, ?)",
      ).bind(oldTicket, hash, Date.now() - 40 * DAY, Date.now() - 40 * DAY),
    ]);
    expect((await tracesOf(env.DB, email)).length).toBeGreaterThan(0);

    await account.eraseByEmail(email.toUpperCase());

    expect(await tracesOf(env.DB, email)).toEqual([]);
    // What is kept: the keyed fingerprint on the suppression list (nothing else carries it), the rating.
    const fingerprint = await fingerprintOf(email);
    expect((await everyValue(env.DB)).filter((v) => v.value === fingerprint)).toEqual([
      { table: "suppressions", column: "address_fingerprint", value: fingerprint },
    ]);
    expect(
      await env.DB.prepare("SELECT rating, comment FROM responses WHERE ticket_id = ?").bind(first.id).first(),
    ).toEqual({
      rating: 2,
      comment: null,
    });

    // She writes in again; her new ticket falls due, and the dispatcher does not email her.
    const again = solvedTicket(4);
    again.requester = { ...again.requester, email };
    await account.seed([first, again]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await deliverQueue(account.queued.splice(0), account.env);
    expect((await account.resendSent()).length).toBe(1);
    expect(await sendRow(again.id)).toMatchObject({ status: "skipped", reason: expect.stringMatching(/unsubscribed/) });
  });
});

/** A ticket's candidate row exactly as the code before keyed fingerprints wrote it (migrations up to 0015). */
async function oldCandidate(db: D1Database, t: FakeTicket, email: string | null, hash: string | null) {
  const solved = Date.parse(t.solved_at!);
  await db
    .prepare(
      `INSERT INTO candidates (ticket_id, status, solved_at, requester_id, requester_email, requester_name,
         requester_external_id, requester_role, email_hash, group_name, tags, ticket_updated_at, synced_at)
       VALUES (?, 'solved', ?, ?, ?, ?, ?, 'end-user', ?, 'Product analytics', '[]', ?, ?)`,
    )
    .bind(
      t.id,
      solved,
      t.requester.id,
      email,
      email && t.requester.name,
      email && t.requester.external_id,
      hash,
      Date.parse(t.updated_at),
      solved,
    )
    .run();
}

describe("rows written before fingerprints were keyed (migration 0016)", () => {
  it("are keyed by the Worker; an old suppression blocks a send before, during and after, also one whose address turns up later", async () => {
    const db = withD1Limits(env.MIGRATION_DB);
    await applyD1Migrations(
      env.MIGRATION_DB,
      env.TEST_MIGRATIONS.filter((m) => m.name < "0016"),
    );
    const id = unique();
    const ticket = (days: number, who: string) => {
      const t = solvedTicket(days);
      t.requester.email = `${who}.${id}@example.org`;
      return t;
    };
    // Ann unsubscribed and her claim was still queued; Cy was surveyed two days ago; Bo was never
    // surveyed; Eve was erased (her address is known nowhere, only her suppression's bare hash).
    const ann = ticket(4, "ann");
    const cy = ticket(5, "cy");
    const eve = ticket(20, "eve");
    const eveEmail = eve.requester.email!;
    const now = Date.now();
    await oldCandidate(db, ann, ann.requester.email!, await bareHash(ann.requester.email!));
    await oldCandidate(db, cy, cy.requester.email!, await bareHash(cy.requester.email!));
    await oldCandidate(db, eve, null, await bareHash(eveEmail));
    await db.batch([
      db
        .prepare("INSERT INTO suppressions (email_hash, created_at, source) VALUES (?, ?, 'one-click')")
        .bind(await bareHash(ann.requester.email!), now - 9 * DAY),
      db
        .prepare("INSERT INTO suppressions (email_hash, created_at, source) VALUES (?, ?, 'erasure')")
        .bind(await bareHash(eveEmail), now - 30 * DAY),
      db
        .prepare(
          "INSERT INTO survey_sends (ticket_id, status, email_hash, decided_at, enqueued_at) VALUES (?, 'claimed', ?, ?, ?)",
        )
        .bind(ann.id, await bareHash(ann.requester.email!), now - DAY, now - DAY),
      db
        .prepare(
          "INSERT INTO survey_sends (ticket_id, status, email_hash, decided_at, sent_at, provider) VALUES (?, 'sent', ?, ?, ?, 'resend')",
        )
        .bind(cy.id, await bareHash(cy.requester.email!), now - 2 * DAY, now - 2 * DAY),
    ]);
    await applyD1Migrations(env.MIGRATION_DB, env.TEST_MIGRATIONS);

    const account = await dispatchAccount();
    const e = { ...account.env, DB: db };
    // Before any keying: Ann's queued claim is re-checked and skipped, and nothing new is decided.
    await deliverQueue([{ kind: "survey-email", ticketIds: [ann.id] }], e);
    expect(
      await db.prepare("SELECT status, reason FROM survey_sends WHERE ticket_id = ?").bind(ann.id).first(),
    ).toEqual({
      status: "skipped",
      reason: expect.stringMatching(/unsubscribed/),
    });
    const held = await selectAndEnqueue(db, recordingQueue().queue, parseSettings(e), now);
    expect(held).toMatchObject({ considered: 0, claimed: 0, held: expect.stringMatching(/keyed/) });

    // Two overlapping runs key every row whose address is known, once.
    const [one, two] = await Promise.all([
      keyLegacyHashes(db, e.ADDRESS_FINGERPRINT_KEY!, Date.now() + 20_000),
      keyLegacyHashes(db, e.ADDRESS_FINGERPRINT_KEY!, Date.now() + 20_000),
    ]);
    // Ann: her suppression moved to the keyed list (an insert and a delete), her ticket and her send;
    // Cy: his ticket and his send. Whichever run got there first changed each row, the other none.
    expect(one.rowsChanged + two.rowsChanged).toBe(6);
    expect([one.done, two.done]).toEqual([true, true]);
    expect(one.legacySuppressions).toBe(1);
    expect(
      await db
        .prepare("SELECT source, created_at FROM suppressions WHERE address_fingerprint = ?")
        .bind(await fingerprintOf(ann.requester.email!))
        .first(),
    ).toEqual({ source: "one-click", created_at: now - 9 * DAY });
    expect(
      await db
        .prepare("SELECT address_fingerprint, legacy_email_hash FROM survey_sends WHERE ticket_id = ?")
        .bind(cy.id)
        .first(),
    ).toEqual({ address_fingerprint: await fingerprintOf(cy.requester.email!), legacy_email_hash: null });
    for (const who of [ann, cy])
      expect(
        await tracesOf(db, who.requester.email!).then((t) => t.filter((x) => x.column !== "requester_email")),
      ).toEqual([]);
    // Eve's ticket keeps no hash; her suppression keeps its bare hash, the only trace of her.
    expect((await tracesOf(db, eveEmail)).map((t) => t.table)).toEqual(["legacy_suppressions"]);

    // After: new tickets of Ann, Cy, Bo and Eve fall due; only Bo is emailed (Cy was surveyed two days ago).
    const bo = ticket(4, "bo");
    const annAgain = ticket(4, "ann");
    const cyAgain = ticket(4, "cy");
    const eveAgain = ticket(4, "eve");
    await account.seed([ann, cy, bo, annAgain, cyAgain, eveAgain]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), e);
    await deliverQueue(account.queued.splice(0), e);
    expect((await account.resendSent()).map((m) => m.to)).toEqual([[bo.requester.email]]);
    const reasons = await db
      .prepare("SELECT ticket_id, status, reason FROM survey_sends WHERE ticket_id IN (?, ?, ?)")
      .bind(annAgain.id, cyAgain.id, eveAgain.id)
      .all();
    expect(Object.fromEntries(reasons.results.map((r) => [r.ticket_id, `${r.status}: ${r.reason}`]))).toEqual({
      [annAgain.id]: expect.stringMatching(/^skipped: .*unsubscribed/),
      [cyAgain.id]: expect.stringMatching(/^skipped: .*surveyed/),
      [eveAgain.id]: expect.stringMatching(/^skipped: .*unsubscribed/),
    });
    // Eve's address, seen again, is keyed: no bare hash is left anywhere.
    expect(await db.prepare("SELECT COUNT(*) AS n FROM legacy_suppressions").first()).toEqual({ n: 0 });
    expect(
      await db
        .prepare("SELECT source FROM suppressions WHERE address_fingerprint = ?")
        .bind(await fingerprintOf(eveEmail))
        .first(),
    ).toEqual({ source: "erasure" });
    for (const who of [ann, bo, cy, eve]) {
      const hash = await bareHash(who.requester.email!);
      expect((await everyValue(db)).filter((v) => v.value.includes(hash))).toEqual([]);
    }
  });
});

describe("the unsubscribe link of a survey sent before fingerprints were keyed", () => {
  const oneClick = async (ticketId: number) =>
    call(
      new Request(`${await unsubscribeUrl(BASE, ticketId, env.SURVEY_LINK_SECRET!)}`, {
        method: "POST",
        body: "List-Unsubscribe=One-Click",
      }),
    );
  const oldSend = (ticketId: number, hash: string) =>
    env.DB.prepare(
      "INSERT INTO survey_sends (ticket_id, status, legacy_email_hash, decided_at, sent_at) VALUES (?, 'sent', ?, ?, ?)",
    ).bind(ticketId, hash, Date.now() - DAY, Date.now() - DAY);

  it("keys the address when its ticket still has it: the keyed suppression, and no bare hash left", async () => {
    // The ticket and its send as the migration left them: each with the bare hash only.
    const t = solvedTicket(1);
    await syncedTickets([t]);
    const email = t.requester.email!;
    await env.DB.batch([
      env.DB.prepare(
        "UPDATE candidates SET address_fingerprint = NULL, legacy_email_hash = ? WHERE ticket_id = ?",
      ).bind(await bareHash(email), t.id),
      oldSend(t.id, await bareHash(email)),
    ]);
    expect((await oneClick(t.id)).status).toBe(200);
    expect(
      await env.DB.prepare("SELECT source FROM suppressions WHERE address_fingerprint = ?")
        .bind(await fingerprintOf(email))
        .first(),
    ).toEqual({ source: "one-click" });
    const hash = await bareHash(email);
    expect((await everyValue(env.DB)).filter((v) => v.value.includes(hash))).toEqual([]);
  });

  it("suppresses the bare hash itself when the address is known nowhere any more", async () => {
    const ticketId = 8_000_000 + Math.floor(Math.random() * 100_000);
    const hash = await bareHash(`gone.${unique()}@example.org`);
    await oldSend(ticketId, hash).run();
    expect((await oneClick(ticketId)).status).toBe(200);
    expect(
      await env.DB.prepare("SELECT source FROM legacy_suppressions WHERE email_hash = ?").bind(hash).first(),
    ).toEqual({ source: "one-click" });
  });
});
