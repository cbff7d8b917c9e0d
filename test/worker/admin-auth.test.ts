import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { outboxMailer } from "../../src/services/mail-outbox";
import { ADMIN_TOKEN, BASE, call, testEnv, textOf } from "./helpers";

const TOKEN = ADMIN_TOKEN;
const get = (path: string, headers: Record<string, string> = {}, e = testEnv()) =>
  call(new Request(`${BASE}${path}`, { headers, redirect: "manual" }), e);

describe("admin sign-in", () => {
  it("is off (404) when no ADMIN_TOKEN is configured", async () => {
    const res = await get("/admin/outbox", { authorization: `Bearer ${TOKEN}` }, testEnv({ ADMIN_TOKEN: "" }));
    expect(res.status).toBe(404);
    expect((await get("/admin/sign-in", {}, testEnv({ ADMIN_TOKEN: "" }))).status).toBe(404);
  });

  it("answers an API client without a token, or with a wrong one, 401", async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: "Bearer wrong" },
      { authorization: `Basic ${btoa(`x:${TOKEN}`)}` },
    ];
    for (const headers of attempts) {
      const res = await get("/admin/outbox", headers);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
      expect(await res.json()).toEqual({ error: "Sign in: send Authorization: Bearer <ADMIN_TOKEN>." });
    }
  });

  it("sends a browser without a session to the sign-in form", async () => {
    const res = await get("/admin/outbox", { accept: "text/html" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/sign-in");
    const form = await get("/admin/sign-in", { accept: "text/html" });
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('type="password"');
  });

  it("lets the right bearer token in", async () => {
    const res = await get("/admin/outbox", { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(textOf(await res.text())).toContain("Outbox");
  });

  it("signs in with the form, keeping the token in a secure http-only same-site cookie", async () => {
    const wrong = await call(
      new Request(`${BASE}/admin/sign-in`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" },
        body: "token=nope",
        redirect: "manual",
      }),
    );
    expect(wrong.status).toBe(401);
    expect(textOf(await wrong.text())).toContain("That token is not right.");
    const right = await call(
      new Request(`${BASE}/admin/sign-in`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" },
        body: `token=${TOKEN}`,
        redirect: "manual",
      }),
    );
    expect(right.status).toBe(303);
    const cookie = right.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^hh_admin=/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("Secure");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/admin");
    const page = await get("/admin/dispatch", { cookie: cookie.split(";")[0]! });
    expect(page.status).toBe(200);
  });

  it("refuses a cross-site sign-in post", async () => {
    const res = await call(
      new Request(`${BASE}/admin/sign-in`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "cross-site" },
        body: `token=${TOKEN}`,
      }),
    );
    expect(res.status).toBe(403);
  });
});

describe("admin outbox", () => {
  it("lists kept emails and shows one, its headers, text and its HTML in a sandbox", async () => {
    const key = `test-${Date.now()}`;
    const [kept] = await outboxMailer(env.DB).send(
      [
        {
          idempotencyKey: key,
          to: "a@example.org",
          from: "support@example.com",
          subject: "Hello <there>",
          html: "<p>Hi</p><script>alert(1)</script>",
          text: "Hi",
          headers: { "List-Unsubscribe": "<https://x/u>" },
        },
      ],
      key,
    );
    // The outbox answers like a provider: the message id it kept the email under.
    const id = Number(/^outbox-(\d+)$/.exec(kept?.kind === "done" ? kept.value : "")?.[1]);
    expect(id).toBeGreaterThan(0);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const list = await (await get("/admin/outbox", auth)).text();
    expect(list).toContain("Hello &lt;there&gt;");
    const one = await get(`/admin/outbox/${id}`, auth);
    const text = textOf(await one.text());
    expect(text).toContain("List-Unsubscribe");
    expect(text).toContain("a@example.org");
    const html = await get(`/admin/outbox/${id}/html`, auth);
    expect(html.headers.get("content-security-policy")).toMatch(/^sandbox /);
    expect(html.headers.get("content-security-policy")).not.toContain("script-src");
    expect((await get("/admin/outbox/99999999", auth)).status).toBe(404);
    expect((await get("/admin/outbox/abc", auth)).status).toBe(404);
  });
});
