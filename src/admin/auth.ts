import type { Context, MiddlewareHandler } from "hono";
import { getSignedCookie } from "hono/cookie";
import type { AppEnv } from "../app-env";
import { settingsOf } from "../config";
import { plural } from "../lib/plural";
import { acceptRightToken, countWrongToken, type GuessVia } from "./guesses-store";
import { clientOf, retryAfterSeconds } from "./guessing";
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

/** A token as checked: right, wrong, or not checked because the client must wait this many seconds. */
export type TokenCheck = { kind: "right" } | { kind: "wrong" } | { kind: "wait"; seconds: number };

/**
 * Checks a token a client gave (the sign-in form, a bearer header), counted per client in D1
 * (guesses-store.ts): wrong ones add to the client's count, and while the client waits every try is
 * refused alike, right or wrong, so guessing during the wait learns nothing and a right token after
 * it always works. Only ADMIN_TOKEN's own checks count: a session cookie is a random id, not a guess.
 */
export async function checkAdminToken(c: Context<AppEnv>, given: string, via: GuessVia): Promise<TokenCheck> {
  const adminToken = settingsOf(c.env).adminToken!;
  const client = clientOf(c.req.header("cf-connecting-ip"));
  const right = given !== "" && given.length <= 500 && (await sameSecret(given, adminToken));
  const now = Date.now();
  const verdict = right
    ? await acceptRightToken(c.env.DB, client, now)
    : await countWrongToken(c.env.DB, client, via, now);
  if (verdict.waiting) return { kind: "wait", seconds: retryAfterSeconds(verdict.waitUntil, now) };
  return { kind: right ? "right" : "wrong" };
}

/** What a client that must wait is told, in words. */
export const waitMessage = (seconds: number) =>
  `Too many wrong admin tokens came from your address. Wait ${plural(seconds, "second")}, then try again.`;

/** A live session cookie: a random session id signed with the token, made under the token in force. */
async function hasLiveSession(c: Context<AppEnv>, adminToken: string): Promise<boolean> {
  const id = await getSignedCookie(c, adminToken, ADMIN_COOKIE);
  if (typeof id !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(id)) return false;
  return sessionIsLive(c.env.DB, id, await tokenFingerprint(adminToken), Date.now());
}

/**
 * The admin area: off (404) without ADMIN_TOKEN, never open. A bearer token (API clients) or a live
 * session cookie (browsers; it holds a random id signed with the token, never the token) lets a
 * request through; a browser without either is sent to the sign-in form.
 */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const expected = settingsOf(c.env).adminToken;
  if (!expected) return c.notFound();
  const path = new URL(c.req.url).pathname;
  if (path === "/admin/sign-in" || path === "/admin/sign-out") return next();
  const header = c.req.header("authorization");
  const check: TokenCheck = header?.startsWith("Bearer ")
    ? await checkAdminToken(c, header.slice("Bearer ".length).trim(), "bearer header")
    : { kind: (await hasLiveSession(c, expected)) ? "right" : "wrong" };
  if (check.kind === "right") {
    // Sessions of an earlier token end here for good (restoring that token later revives none).
    await endOtherTokensSessions(c.env.DB, await tokenFingerprint(expected));
    return next();
  }
  if (check.kind === "wait") {
    return c.json({ error: waitMessage(check.seconds) }, 429, { "Retry-After": String(check.seconds) });
  }
  const wantsHtml = c.req.method === "GET" && (c.req.header("accept") ?? "").includes("text/html") && !header;
  if (wantsHtml) return c.redirect("/admin/sign-in", 303);
  return c.json({ error: "Sign in: send Authorization: Bearer <ADMIN_TOKEN>." }, 401, {
    "WWW-Authenticate": 'Bearer realm="hedgehog-csat admin"',
  });
};
