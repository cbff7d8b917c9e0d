import type { Context, MiddlewareHandler } from "hono";
import { getSignedCookie } from "hono/cookie";
import type { AppEnv } from "../app-env";
import { settingsOf } from "../config";
import { endOtherTokensSessions, sessionIsLive, tokenFingerprint } from "./sessions-store";

export const ADMIN_COOKIE = "hh_admin";
const encoder = new TextEncoder();

/** Compares two secrets in constant time (digests first, so lengths leak nothing either). */
export async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/**
 * A bearer token (API clients) or a live session cookie (browsers). The cookie holds a random session
 * id signed with the token (hono's signed cookies), never the token; the session must also have been
 * made under the token in force.
 */
async function isSignedIn(c: Context<AppEnv>, adminToken: string): Promise<boolean> {
  const header = c.req.header("authorization");
  if (header?.startsWith("Bearer ")) return sameSecret(header.slice("Bearer ".length).trim(), adminToken);
  const id = await getSignedCookie(c, adminToken, ADMIN_COOKIE);
  if (typeof id !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(id)) return false;
  return sessionIsLive(c.env.DB, id, await tokenFingerprint(adminToken), Date.now());
}

/**
 * The admin area: off (404) without ADMIN_TOKEN, never open. A bearer token or a session cookie
 * lets a request through; a browser without either is sent to the sign-in form.
 */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const expected = settingsOf(c.env).adminToken;
  if (!expected) return c.notFound();
  const path = new URL(c.req.url).pathname;
  if (path === "/admin/sign-in" || path === "/admin/sign-out") return next();
  if (await isSignedIn(c, expected)) {
    // Sessions of an earlier token end here for good (restoring that token later revives none).
    await endOtherTokensSessions(c.env.DB, await tokenFingerprint(expected));
    return next();
  }
  const wantsHtml =
    c.req.method === "GET" && (c.req.header("accept") ?? "").includes("text/html") && !c.req.header("authorization");
  if (wantsHtml) return c.redirect("/admin/sign-in", 303);
  return c.json({ error: "Sign in: send Authorization: Bearer <ADMIN_TOKEN>." }, 401, {
    "WWW-Authenticate": 'Bearer realm="hedgehog-csat admin"',
  });
};
