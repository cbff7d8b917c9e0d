import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { findOutboxMessage, listOutbox } from "./outbox-store";
import { EMAIL_HTML_CSP } from "../lib/http";
import { OutboxMessagePage, OutboxPage } from "./views";

/** The local outbox (MAIL_PROVIDER=outbox): the kept emails, each with its own HTML in a sandbox. */
export const outboxRoutes = new Hono<AppEnv>();

outboxRoutes.get("/outbox", async (c) => c.html(<OutboxPage messages={await listOutbox(c.env.DB, 200)} />));

outboxRoutes.get("/outbox/:id{[0-9]{1,12}}", async (c) => {
  const message = await findOutboxMessage(c.env.DB, Number(c.req.param("id")));
  if (!message) return c.notFound();
  return c.html(<OutboxMessagePage message={message} />);
});

/** The email's own HTML, sandboxed: no scripts, inline styles allowed as mail clients do. */
outboxRoutes.get("/outbox/:id{[0-9]{1,12}}/html", async (c) => {
  const message = await findOutboxMessage(c.env.DB, Number(c.req.param("id")));
  if (!message) return c.notFound();
  return c.html(message.html, 200, { "Content-Security-Policy": EMAIL_HTML_CSP });
});
