import { fromBase64Url } from "../lib/base64url";
import { normalizeEmail } from "../lib/email-address";
import { hmacSign, hmacVerify } from "../lib/hmac";

const ticketMessage = (ticketId: number) => `unsubscribe:v2:ticket:${ticketId}`;
const legacyMessage = (email: string) => `unsubscribe:v1:${normalizeEmail(email)}`;

/**
 * A link that unsubscribes the address a ticket's survey went to. It names the ticket, not the
 * address (anyone the email is forwarded to must not read the address off the link), and is signed,
 * so nobody can unsubscribe someone else.
 */
export async function unsubscribeUrl(baseUrl: string, ticketId: number, secret: string): Promise<string> {
  const q = new URLSearchParams({ t: String(ticketId), sig: await hmacSign(secret, ticketMessage(ticketId)) });
  return `${baseUrl}/unsubscribe?${q}`;
}

export type UnsubscribeToken =
  | { ok: true; ticketId: number }
  /** Links sent before tokens named the ticket carried the address itself; they keep working. */
  | { ok: true; email: string }
  | { ok: false; status: 400 | 403 };

export async function readUnsubscribeToken(
  query: { t?: string | undefined; e?: string | undefined; sig?: string | undefined },
  secret: string,
): Promise<UnsubscribeToken> {
  const { t, e, sig } = query;
  if (!sig || sig.length > 100) return { ok: false, status: 400 };
  if (t !== undefined) {
    if (!/^-?[1-9]\d{0,15}$/.test(t) || Number(t) > Number.MAX_SAFE_INTEGER) return { ok: false, status: 400 };
    const ticketId = Number(t);
    return (await hmacVerify(secret, ticketMessage(ticketId), sig))
      ? { ok: true, ticketId }
      : { ok: false, status: 403 };
  }
  if (!e || e.length > 400) return { ok: false, status: 400 };
  const bytes = fromBase64Url(e);
  if (!bytes) return { ok: false, status: 400 };
  let email: string;
  try {
    email = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return { ok: false, status: 400 };
  }
  if (!(await hmacVerify(secret, legacyMessage(email), sig))) return { ok: false, status: 403 };
  return { ok: true, email };
}

/** j•••@example.com: enough for a person to recognise their address, not enough to read it off a screen. */
export function maskEmail(email: string): string {
  const [local = "", domain = ""] = email.split("@");
  return `${local.slice(0, 1)}•••@${domain}`;
}
