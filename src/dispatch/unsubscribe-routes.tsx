import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env";
import { settingsOf } from "../config";
import { emailHash } from "../lib/email-address";
import { MessagePage } from "../lib/layout";
import { suppress } from "./suppressions-store";
import { maskEmail, readUnsubscribeToken } from "./unsubscribe-link";

export const unsubscribeRoutes = new Hono<AppEnv>();

function badLink(c: Context<AppEnv>, status: 400 | 403) {
  return c.html(
    <MessagePage title="Unsubscribe link not valid" heading="This unsubscribe link isn't valid">
      <p>
        {status === 400
          ? "Part of the link is missing. Please use the whole link from the email."
          : "We couldn't confirm that this link came from one of our emails."}
      </p>
      <p>You can also reply to any of our emails and ask us to stop the surveys.</p>
    </MessagePage>,
    status,
  );
}

/** GET only asks: link scanners open every link, and must not unsubscribe anyone. */
unsubscribeRoutes.get("/unsubscribe", async (c) => {
  const token = await readUnsubscribeToken(c.req.query("e"), c.req.query("sig"), settingsOf(c.env).linkSecret);
  if (!token.ok) return badLink(c, token.status);
  const action = `/unsubscribe?${new URLSearchParams({ e: c.req.query("e")!, sig: c.req.query("sig")! })}`;
  return c.html(
    <MessagePage title="Unsubscribe from survey emails" heading="Stop survey emails?">
      <p>
        We'll stop sending satisfaction surveys to <strong>{maskEmail(token.email)}</strong>. You'll still get replies
        to your support tickets.
      </p>
      <form method="post" action={action}>
        <button type="submit">Unsubscribe</button>
      </form>
    </MessagePage>,
  );
});

/** The confirm button's POST and the RFC 8058 one-click POST from mail providers (cross-site, by design). */
unsubscribeRoutes.post(
  "/unsubscribe",
  bodyLimit({ maxSize: 4096, onError: (c) => c.text("Request too large", 413) }),
  async (c) => {
    const token = await readUnsubscribeToken(c.req.query("e"), c.req.query("sig"), settingsOf(c.env).linkSecret);
    if (!token.ok) return badLink(c, token.status);
    const body = await c.req.text().catch(() => "");
    const source = body.includes("List-Unsubscribe=One-Click") ? "one-click" : "unsubscribe page";
    await suppress(c.env.DB, await emailHash(token.email), source, Date.now());
    return c.html(
      <MessagePage title="Unsubscribed" heading="You're unsubscribed">
        <p>We won't send any more satisfaction surveys to {maskEmail(token.email)}.</p>
      </MessagePage>,
    );
  },
);
