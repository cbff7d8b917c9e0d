import { Hono } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../app-env";
import { settingsOf } from "../config";
import { isSameOriginPost } from "../lib/http";
import { DAY_MS } from "../lib/time";
import { ADMIN_COOKIE, requireAdmin, sameSecret } from "./auth";
import { dispatchStatus, recentJobRuns } from "./dispatch-status";
import { findOutboxMessage, listOutbox } from "./outbox-store";
import { DispatchPage, OutboxMessagePage, OutboxPage, SignInPage } from "./views";

export const adminRoutes = new Hono<AppEnv>();

adminRoutes.use("*", requireAdmin);

// Admin forms only ever post from admin pages.
adminRoutes.use("*", async (c, next) => {
  if (c.req.method === "POST") {
    const own = [new URL(c.req.url).origin, new URL(settingsOf(c.env).publicBaseUrl).origin];
    if (!isSameOriginPost(c.req.raw.headers, own)) return c.json({ error: "Cross-site request refused." }, 403);
  }
  await next();
});

adminRoutes.get("/sign-in", (c) => c.html(<SignInPage />));

adminRoutes.post("/sign-in", async (c) => {
  const form = new URLSearchParams(await c.req.text().catch(() => ""));
  const token = form.get("token") ?? "";
  if (token === "" || token.length > 500 || !(await sameSecret(token, settingsOf(c.env).adminToken!))) {
    return c.html(<SignInPage error="That token is not right." />, 401);
  }
  setCookie(c, ADMIN_COOKIE, token, {
    path: "/admin",
    httpOnly: true,
    secure: new URL(c.req.url).protocol === "https:",
    sameSite: "Strict",
    maxAge: 12 * 3600,
  });
  return c.redirect("/admin", 303);
});

adminRoutes.post("/sign-out", (c) => {
  deleteCookie(c, ADMIN_COOKIE, { path: "/admin" });
  return c.redirect("/admin/sign-in", 303);
});

adminRoutes.get("/", (c) => c.redirect("/admin/dispatch", 303));

adminRoutes.get("/dispatch", async (c) => {
  const days = 30;
  const [status, runs] = await Promise.all([
    dispatchStatus(c.env.DB, Date.now() - days * DAY_MS),
    recentJobRuns(c.env.DB, 20),
  ]);
  return c.html(<DispatchPage status={status} runs={runs} days={days} />);
});

adminRoutes.get("/outbox", async (c) => c.html(<OutboxPage messages={await listOutbox(c.env.DB, 200)} />));

adminRoutes.get("/outbox/:id{[0-9]{1,12}}", async (c) => {
  const message = await findOutboxMessage(c.env.DB, Number(c.req.param("id")));
  if (!message) return c.notFound();
  return c.html(<OutboxMessagePage message={message} />);
});

/** The email's own HTML, sandboxed: no scripts, inline styles allowed as mail clients do. */
adminRoutes.get("/outbox/:id{[0-9]{1,12}}/html", async (c) => {
  const message = await findOutboxMessage(c.env.DB, Number(c.req.param("id")));
  if (!message) return c.notFound();
  return c.html(message.html, 200, {
    "Content-Security-Policy":
      "sandbox allow-popups allow-top-navigation-by-user-activation; default-src 'none'; style-src 'unsafe-inline'; img-src data:",
  });
});
