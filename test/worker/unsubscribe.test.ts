import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { unsubscribeUrl } from "../../src/dispatch/unsubscribe-link";
import { emailHash } from "../../src/lib/email-address";
import { BASE, call, textOf } from "./helpers";

const secret = () => env.SURVEY_LINK_SECRET!;
async function suppressed(address: string) {
  return (
    (
      await env.DB.prepare("SELECT source FROM suppressions WHERE email_hash = ?")
        .bind(await emailHash(address))
        .first<{ source: string }>()
    )?.source ?? null
  );
}
let n = 0;
const address = () => `Person.${Date.now()}${n++}@Example.org`;

describe("unsubscribe", () => {
  it("GET only asks, with a button; it never unsubscribes by itself", async () => {
    const email = address();
    const url = await unsubscribeUrl(BASE, email, secret());
    for (let i = 0; i < 2; i++) {
      const res = await call(new Request(url));
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(textOf(html)).toContain("Stop survey emails?");
      expect(html).toMatch(
        /<form method="post" action="\/unsubscribe\?e=[\w-]+&amp;sig=[\w-]+"><button type="submit">Unsubscribe<\/button>/,
      );
      expect(textOf(html)).toContain("p•••@example.org");
    }
    expect(await suppressed(email)).toBeNull();
  });

  it("POST from the button suppresses the address, whatever its case", async () => {
    const email = address();
    const res = await call(
      new Request(await unsubscribeUrl(BASE, email, secret()), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "",
      }),
    );
    expect(res.status).toBe(200);
    expect(textOf(await res.text())).toContain("You're unsubscribed");
    expect(await suppressed(email.toLowerCase())).toBe("unsubscribe page");
  });

  it("accepts the RFC 8058 one-click POST a mail provider sends, cross-site and twice", async () => {
    const email = address();
    const url = await unsubscribeUrl(BASE, email, secret());
    for (let i = 0; i < 2; i++) {
      const res = await call(
        new Request(url, {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            origin: "https://mail.example.net",
            "sec-fetch-site": "cross-site",
          },
          body: "List-Unsubscribe=One-Click",
        }),
      );
      expect(res.status).toBe(200);
    }
    expect(await suppressed(email)).toBe("one-click");
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM suppressions WHERE email_hash = ?")
      .bind(await emailHash(email))
      .first<{ n: number }>();
    expect(rows!.n).toBe(1);
  });

  it("refuses a forged link (403) and an incomplete one (400), suppressing nothing", async () => {
    const email = address();
    const url = new URL(await unsubscribeUrl(BASE, email, secret()));
    const other = new URL(await unsubscribeUrl(BASE, "victim@example.org", "another-secret-0123456789"));
    const forged = await call(new Request(other, { method: "POST", body: "List-Unsubscribe=One-Click" }));
    expect(forged.status).toBe(403);
    expect(await suppressed("victim@example.org")).toBeNull();
    url.searchParams.delete("sig");
    expect((await call(new Request(url))).status).toBe(400);
    const garbage = await call(new Request(`${BASE}/unsubscribe?e=%%%&sig=abc`));
    expect(garbage.status).toBe(400);
    expect(textOf(await garbage.text())).toContain("This unsubscribe link isn't valid");
  });

  it("refuses an oversized body with 413", async () => {
    const url = await unsubscribeUrl(BASE, address(), secret());
    const res = await call(new Request(url, { method: "POST", body: "x".repeat(10_000) }));
    expect(res.status).toBe(413);
  });
});
