import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { generateSignedCookie } from "hono/cookie";
import { createSession, SESSION_MS, tokenFingerprint } from "../../src/admin/sessions-store";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import { ADMIN_TOKEN, BASE, call, runCron, testEnv } from "./helpers";

const TOKEN = ADMIN_TOKEN;
/** Another admin token, for rotations. */
const ROTATED = "rotated-admin-token-9876543210zyxwvu";
const post = (path: string, body: string, headers: Record<string, string> = {}, e = testEnv()) =>
  call(
    new Request(`${BASE}${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin", ...headers },
      body,
      redirect: "manual",
    }),
    e,
  );
/** A browser's page view with a cookie: 200 when signed in, else a redirect to the sign-in form. */
const view = (cookie: string, e = testEnv()) =>
  call(new Request(`${BASE}/admin/dispatch`, { headers: { cookie, accept: "text/html" }, redirect: "manual" }), e);

async function signIn(e = testEnv(), token = TOKEN): Promise<string> {
  const res = await post("/admin/sign-in", `token=${encodeURIComponent(token)}`, {}, e);
  expect(res.status).toBe(303);
  return res.headers.get("set-cookie")!.split(";")[0]!;
}

describe("admin sessions", () => {
  it("keeps a random session id in the cookie, never the token", async () => {
    const cookie = await signIn();
    const value = cookie.slice("hh_admin=".length);
    expect(value).not.toContain(TOKEN);
    // A random id, signed with the token (hono's signed cookie: id, a dot, the HMAC in base64).
    expect(decodeURIComponent(value)).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9+/]{43}=$/);
    expect(await signIn()).not.toBe(cookie);
    expect((await view(cookie)).status).toBe(200);
  });

  it("ends the session on sign-out: the same cookie no longer signs in", async () => {
    const cookie = await signIn();
    const out = await post("/admin/sign-out", "", { cookie });
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/admin/sign-in");
    expect(out.headers.get("set-cookie")).toMatch(/^hh_admin=;.*Max-Age=0/);
    const after = await view(cookie);
    expect(after.status).toBe(303);
    expect(after.headers.get("location")).toBe("/admin/sign-in");
    // Signing out again, or without a session, is harmless.
    expect((await post("/admin/sign-out", "", { cookie })).status).toBe(303);
    expect((await post("/admin/sign-out", "")).status).toBe(303);
  });

  it("ends every session when ADMIN_TOKEN is rotated", async () => {
    const before = testEnv();
    const cookies = [await signIn(before), await signIn(before)];
    const rotated = testEnv({ ADMIN_TOKEN: ROTATED });
    for (const cookie of cookies) expect((await view(cookie, rotated)).status).toBe(303);
    // A session made under the new token works under it.
    expect((await view(await signIn(rotated, ROTATED), rotated)).status).toBe(200);
  });

  it("never revives a session when a rotated ADMIN_TOKEN is restored (A, then B, then A again)", async () => {
    const a = testEnv();
    const b = testEnv({ ADMIN_TOKEN: ROTATED });
    const cookie = await signIn(a);
    expect((await view(cookie, a)).status).toBe(200);
    // Under B the session is refused, and B's administrator signing in ends A's sessions for good.
    expect((await view(cookie, b)).status).toBe(303);
    await signIn(b, ROTATED);
    expect((await view(cookie, a)).status).toBe(303);
    // Without anyone signing in under B, the cron ends them too.
    const second = await signIn(a);
    await runCron(EVERY_TEN_MINUTES, Date.now(), b);
    expect((await view(second, a)).status).toBe(303);
    // The token itself still signs in.
    expect((await view(await signIn(a), a)).status).toBe(200);
  });

  it("refuses an expired session", async () => {
    // A sign-in made a session's length (and a second) ago, by the product's own session store.
    const signedInAt = Date.now() - SESSION_MS - 1000;
    const fingerprint = await tokenFingerprint(TOKEN);
    const cookieFor = async (id: string) => (await generateSignedCookie("hh_admin", id, TOKEN)).split(";")[0]!;
    const cookie = await cookieFor(await createSession(env.DB, fingerprint, signedInAt));
    expect((await view(cookie)).status).toBe(303);
    // The same store's session made now is live: the refusal is the expiry, not the cookie.
    expect((await view(await cookieFor(await createSession(env.DB, fingerprint, Date.now())))).status).toBe(200);
  });

  it("treats a forged, malformed or oversized cookie as no session (never a 500)", async () => {
    const real = (await signIn()).slice("hh_admin=".length);
    const [id, mac] = real.split(".");
    const forged = [
      `hh_admin=${TOKEN}`,
      `hh_admin=${id}.${"A".repeat(43)}`,
      `hh_admin=${"B".repeat(43)}.${mac}`,
      `hh_admin=${id}`,
      `hh_admin=${"x".repeat(5000)}`,
      "hh_admin=%E0%A4%A",
      "hh_admin=",
    ];
    for (const cookie of forged) {
      const res = await view(cookie);
      expect(res.status, cookie.slice(0, 60)).toBe(303);
      const api = await call(new Request(`${BASE}/admin/report.json`, { headers: { cookie } }));
      expect(api.status).toBe(401);
    }
  });

  it("refuses a missing, wrong, oversized or repeated-field sign-in with a 4xx", async () => {
    expect((await post("/admin/sign-in", "")).status).toBe(401);
    expect((await post("/admin/sign-in", "token=")).status).toBe(401);
    expect((await post("/admin/sign-in", "token=wrong")).status).toBe(401);
    expect((await post("/admin/sign-in", `token=${"x".repeat(600)}`)).status).toBe(401);
    expect((await post("/admin/sign-in", `token=${"x".repeat(10_000)}`)).status).toBe(413);
    expect((await post("/admin/sign-in", `token=wrong&token=${TOKEN}`)).status).toBe(401);
    expect((await post("/admin/sign-in", `token=${TOKEN}`, { "sec-fetch-site": "cross-site" })).status).toBe(403);
  });
});
