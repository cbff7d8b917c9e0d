import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env";
import { settingsOf } from "../config";
import { addressKeys, normalizeEmail } from "../lib/email-address";
import { MessagePage } from "../lib/layout";
import { suppress, surveyedAddress, type Suppressed, type SurveyedAddress } from "./suppressions-store";
import { maskEmail, readUnsubscribeToken } from "./unsubscribe-link";

export const unsubscribeRoutes = new Hono<AppEnv>();

type LinkFault = { status: 400; problem: string } | { status: 403 | 404 };

function badLink(c: Context<AppEnv>, fault: LinkFault) {
  const why =
    fault.status === 400
      ? `Part of the link is missing or changed: ${fault.problem}. Please use the whole link from the email.`
      : fault.status === 403
        ? "We couldn't confirm that this link came from one of our emails."
        : "We no longer have the survey this link belongs to.";
  return c.html(
    <MessagePage title="Unsubscribe link not valid" heading="This unsubscribe link isn't valid">
      <p>{why}</p>
      <p>You can also reply to any of our emails and ask us to stop the surveys.</p>
    </MessagePage>,
    fault.status,
  );
}

type Who = { ok: true; suppressed: Suppressed; shown: string } | ({ ok: false } & LinkFault);

/**
 * What to suppress for a ticket's survey: the fingerprint its send (else its ticket) records. A row
 * written before fingerprints were keyed carries a bare hash instead: the address it was made from,
 * when still known, is keyed (with its older rows); else the bare hash itself is suppressed.
 */
async function suppressionFor(a: SurveyedAddress, key: string): Promise<Suppressed | null> {
  if (a.sent.fingerprint) return { fingerprint: a.sent.fingerprint };
  const legacyHash = a.sent.legacyHash ?? (a.ticket.fingerprint ? null : a.ticket.legacyHash);
  if (!legacyHash) return a.ticket.fingerprint ? { fingerprint: a.ticket.fingerprint } : null;
  for (const address of [a.sent.to, a.ticket.email]) {
    const keys = address ? await addressKeys(key, address) : null;
    if (keys?.legacyHash === legacyHash) return keys;
  }
  return { legacyHash };
}

/** Whose address the link stands for: by its ticket's survey, or (older links) by the address it carries. */
async function addressOf(c: Context<AppEnv>): Promise<Who> {
  const settings = settingsOf(c.env);
  const token = await readUnsubscribeToken(
    { t: c.req.query("t"), e: c.req.query("e"), sig: c.req.query("sig") },
    settings.linkSecret,
  );
  if (!token.ok) return token;
  if ("email" in token)
    return {
      ok: true,
      suppressed: await addressKeys(settings.addressFingerprintKey, token.email),
      shown: maskEmail(token.email),
    };
  const address = await surveyedAddress(c.env.DB, token.ticketId);
  const suppressed = address && (await suppressionFor(address, settings.addressFingerprintKey));
  if (!address || !suppressed) return { ok: false, status: 404 };
  const email = address.sent.to ?? address.ticket.email;
  return { ok: true, suppressed, shown: email ? maskEmail(normalizeEmail(email)) : "your address" };
}

function sameLink(c: Context<AppEnv>): string {
  const q = new URLSearchParams();
  for (const name of ["t", "e", "sig"]) {
    const value = c.req.query(name);
    if (value !== undefined) q.set(name, value);
  }
  return `/unsubscribe?${q}`;
}

/** GET only asks: link scanners open every link, and must not unsubscribe anyone. */
unsubscribeRoutes.get("/unsubscribe", async (c) => {
  const who = await addressOf(c);
  if (!who.ok) return badLink(c, who);
  return c.html(
    <MessagePage title="Unsubscribe from survey emails" heading="Stop survey emails?">
      <p>
        We'll stop sending satisfaction surveys to <strong>{who.shown}</strong>. You'll still get replies to your
        support tickets.
      </p>
      <form method="post" action={sameLink(c)}>
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
    const who = await addressOf(c);
    if (!who.ok) return badLink(c, who);
    const body = new TextDecoder().decode(await c.req.arrayBuffer().catch(() => new ArrayBuffer(0)));
    const source = body.includes("List-Unsubscribe=One-Click") ? "one-click" : "unsubscribe page";
    await suppress(c.env.DB, who.suppressed, source, Date.now());
    return c.html(
      <MessagePage title="Unsubscribed" heading="You're unsubscribed">
        <p>We won't send any more satisfaction surveys to {who.shown}.</p>
      </MessagePage>,
    );
  },
);
