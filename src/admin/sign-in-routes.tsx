import { Hono, type Context } from "hono";
import { deleteCookie, getCookie, setSignedCookie } from "hono/cookie";
import type { AppEnv } from "../app-env";
import { settingsOf } from "../config";
import { ADMIN_COOKIE, checkAdminToken, waitMessage } from "./auth";
import { formFields } from "../lib/http";
import { formLimit } from "./forms";
import { createSession, endOtherTokensSessions, endSession, SESSION_MS, tokenFingerprint } from "./sessions-store";
import { SignInPage } from "./views";

/** Signing in with ADMIN_TOKEN (a session cookie) and signing out. */
export const signInRoutes = new Hono<AppEnv>();

signInRoutes.get("/sign-in", (c) => c.html(<SignInPage />));

const cookieOptions = (c: Context<AppEnv>) => ({
  path: "/admin",
  httpOnly: true,
  secure: new URL(c.req.url).protocol === "https:",
  sameSite: "Strict" as const,
});

signInRoutes.post("/sign-in", formLimit, async (c) => {
  const check = await checkAdminToken(c, (await formFields(c)).token ?? "", "sign-in form");
  if (check.kind === "wait") {
    return c.html(<SignInPage error={waitMessage(check.seconds)} />, 429, { "Retry-After": String(check.seconds) });
  }
  if (check.kind === "wrong") return c.html(<SignInPage error="That token is not right." />, 401);
  const adminToken = settingsOf(c.env).adminToken!;
  const fingerprint = await tokenFingerprint(adminToken);
  await endOtherTokensSessions(c.env.DB, fingerprint);
  const id = await createSession(c.env.DB, fingerprint, Date.now());
  await setSignedCookie(c, ADMIN_COOKIE, id, adminToken, { ...cookieOptions(c), maxAge: SESSION_MS / 1000 });
  return c.redirect("/admin", 303);
});

/** Ends the session on the server too, so a copied cookie stops working. */
signInRoutes.post("/sign-out", async (c) => {
  // The id before the signature, whichever token signed it (signing out must work after a rotation).
  const id = /^([A-Za-z0-9_-]{43})\./.exec(getCookie(c, ADMIN_COOKIE) ?? "")?.[1];
  if (id) await endSession(c.env.DB, id);
  deleteCookie(c, ADMIN_COOKIE, cookieOptions(c));
  return c.redirect("/admin/sign-in", 303);
});
