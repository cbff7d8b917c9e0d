import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { unsubscribeUrl } from "../../src/dispatch/unsubscribe-link";
import { toBase64Url } from "../../src/lib/base64url";
import { hmacSign } from "../../src/lib/hmac";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import { BASE, call, deliverQueue, dispatchAccount, fingerprintOf, runCron, solvedTicket, textOf } from "./helpers";

const secret = () => env.SURVEY_LINK_SECRET!;
async function suppressed(address: string) {
  return (
    (
      await env.DB.prepare("SELECT source FROM suppressions WHERE address_fingerprint = ?")
        .bind(await fingerprintOf(address))
        .first<{ source: string }>()
    )?.source ?? null
  );
}

/** A survey as it arrives: the cron sends it through Resend; its unsubscribe link as the customer sees it. */
async function emailedSurvey(email = `Person.${Date.now()}${Math.random().toString(36).slice(2)}@Example.org`) {
  const account = await dispatchAccount();
  const ticket = solvedTicket(3.5);
  ticket.requester.email = email;
  await account.seed([ticket]);
  await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
  await deliverQueue(account.queued, account.env);
  const [sent] = await account.resendSent();
  const link = /href="([^"]*\/unsubscribe\?[^"]+)"/.exec(sent!.html)![1]!.replace(/&amp;/g, "&");
  return { email, ticket, link, sent: sent! };
}

const post = (url: string, body = "", headers: Record<string, string> = {}) =>
  call(
    new Request(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body,
    }),
  );

describe("unsubscribe", () => {
  it("the link in the email names no address, not even encoded; the header carries the same link", async () => {
    const { email, link, sent } = await emailedSurvey();
    expect(link).toMatch(/^https:\/\/survey\.example\.test\/unsubscribe\?t=\d+&sig=[\w-]{43}$/);
    expect(link.toLowerCase()).not.toContain(email.toLowerCase());
    expect(link).not.toContain(toBase64Url(new TextEncoder().encode(email.toLowerCase())).slice(0, 12));
    expect(sent.headers["List-Unsubscribe"]).toBe(`<${link}>`);
  });

  it("GET only asks, naming the masked address; it never unsubscribes by itself", async () => {
    const { email, link } = await emailedSurvey();
    for (let i = 0; i < 2; i++) {
      const res = await call(new Request(link));
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(textOf(html)).toContain("Stop survey emails?");
      expect(html).toMatch(
        /<form method="post" action="\/unsubscribe\?t=\d+&amp;sig=[\w-]+"><button type="submit">Unsubscribe<\/button>/,
      );
      expect(textOf(html)).toContain("p•••@example.org");
    }
    expect(await suppressed(email)).toBeNull();
  });

  it("POST from the button suppresses the address, whatever its case", async () => {
    const { email, link } = await emailedSurvey();
    const res = await post(link);
    expect(res.status).toBe(200);
    expect(textOf(await res.text())).toContain("You're unsubscribed");
    expect(await suppressed(email.toLowerCase())).toBe("unsubscribe page");
  });

  it("accepts the RFC 8058 one-click POST a mail provider sends, cross-site and twice", async () => {
    const { email, link } = await emailedSurvey();
    for (let i = 0; i < 2; i++) {
      const res = await post(link, "List-Unsubscribe=One-Click", {
        origin: "https://mail.example.net",
        "sec-fetch-site": "cross-site",
      });
      expect(res.status).toBe(200);
    }
    expect(await suppressed(email)).toBe("one-click");
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM suppressions WHERE address_fingerprint = ?")
      .bind(await fingerprintOf(email))
      .first<{ n: number }>();
    expect(rows!.n).toBe(1);
  });

  it("still honours a link from an older email that carried the address", async () => {
    const email = `legacy.${Date.now()}@example.org`;
    const q = new URLSearchParams({
      e: toBase64Url(new TextEncoder().encode(email)),
      sig: await hmacSign(secret(), `unsubscribe:v1:${email}`),
    });
    const res = await post(`${BASE}/unsubscribe?${q}`, "List-Unsubscribe=One-Click");
    expect(res.status).toBe(200);
    expect(await suppressed(email)).toBe("one-click");
  });

  it("refuses a forged link (403), an incomplete one (400) and one for no survey (404), suppressing nothing", async () => {
    const { email, link } = await emailedSurvey();
    const url = new URL(link);
    const forged = new URL(link);
    forged.searchParams.set(
      "sig",
      await hmacSign("another-secret-0123456789", `unsubscribe:v2:ticket:${url.searchParams.get("t")}`),
    );
    expect((await post(forged.toString(), "List-Unsubscribe=One-Click")).status).toBe(403);
    const otherTicket = new URL(link);
    otherTicket.searchParams.set("t", String(Number(url.searchParams.get("t")) + 1));
    expect((await post(otherTicket.toString())).status).toBe(403);
    expect(await suppressed(email)).toBeNull();
    url.searchParams.delete("sig");
    expect((await call(new Request(url))).status).toBe(400);
    const garbage = await call(new Request(`${BASE}/unsubscribe?t=01&sig=abc`));
    expect(garbage.status).toBe(400);
    expect(textOf(await garbage.text())).toContain("This unsubscribe link isn't valid");
    const nobody = await call(new Request(await unsubscribeUrl(BASE, 424242424242, secret())));
    expect(nobody.status).toBe(404);
  });

  it("takes the signature in its one canonical spelling and names why the three others are refused (400)", async () => {
    const { email, link } = await emailedSurvey();
    const url = new URL(link);
    const sig = url.searchParams.get("sig")!;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(sig.at(-1)!);
    // 32 bytes in 43 characters: the last one's 2 low bits are spare, so 4 spellings carry the same bytes.
    const spellings = [0, 1, 2, 3].map((spare) => sig.slice(0, -1) + alphabet[(last & ~3) + spare]!);
    expect(spellings).toContain(sig);
    for (const spelling of spellings.filter((s) => s !== sig)) {
      url.searchParams.set("sig", spelling);
      const res = await post(url.toString(), "List-Unsubscribe=One-Click");
      expect(res.status).toBe(400);
      expect(textOf(await res.text())).toContain(
        "Part of the link is missing or changed: the signature (sig) is not spelled the way our emails spell it.",
      );
    }
    expect(await suppressed(email)).toBeNull();
    url.searchParams.set("sig", sig);
    expect((await post(url.toString(), "List-Unsubscribe=One-Click")).status).toBe(200);
    expect(await suppressed(email)).toBe("one-click");
  });

  it("takes an older link's address only in its canonical spelling", async () => {
    // 22 bytes: base64url leaves 4 spare bits in the last character.
    const email = `o${Date.now()}@example.org`.padEnd(22, "x").slice(0, 22);
    const e = toBase64Url(new TextEncoder().encode(email));
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const other = e.slice(0, -1) + alphabet[alphabet.indexOf(e.at(-1)!) + 1]!;
    const sig = await hmacSign(secret(), `unsubscribe:v1:${email}`);
    const res = await call(new Request(`${BASE}/unsubscribe?${new URLSearchParams({ e: other, sig })}`));
    expect(res.status).toBe(400);
    expect(textOf(await res.text())).toContain("the address (e) is not spelled the way our emails spell it");
    expect((await call(new Request(`${BASE}/unsubscribe?${new URLSearchParams({ e, sig })}`))).status).toBe(200);
  });

  it("refuses an oversized body with 413", async () => {
    const { link } = await emailedSurvey();
    expect((await post(link, "x".repeat(10_000))).status).toBe(413);
  });
});
