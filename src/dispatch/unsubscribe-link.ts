import { fromBase64Url, toBase64Url } from "../lib/base64url";
import { normalizeEmail } from "../lib/email-address";
import { hmacSign, hmacVerify } from "../lib/hmac";

const message = (email: string) => `unsubscribe:v1:${normalizeEmail(email)}`;

/** A link that unsubscribes one address; signed, so nobody can unsubscribe someone else. */
export async function unsubscribeUrl(baseUrl: string, email: string, secret: string): Promise<string> {
  const q = new URLSearchParams({
    e: toBase64Url(new TextEncoder().encode(normalizeEmail(email))),
    sig: await hmacSign(secret, message(email)),
  });
  return `${baseUrl}/unsubscribe?${q}`;
}

export type UnsubscribeToken = { ok: true; email: string } | { ok: false; status: 400 | 403 };

export async function readUnsubscribeToken(
  e: string | undefined,
  sig: string | undefined,
  secret: string,
): Promise<UnsubscribeToken> {
  if (!e || !sig || e.length > 400 || sig.length > 100) return { ok: false, status: 400 };
  const bytes = fromBase64Url(e);
  if (!bytes) return { ok: false, status: 400 };
  let email: string;
  try {
    email = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return { ok: false, status: 400 };
  }
  if (!(await hmacVerify(secret, message(email), sig))) return { ok: false, status: 403 };
  return { ok: true, email };
}

/** j•••@example.com: enough for a person to recognise their address, not enough to read it off a screen. */
export function maskEmail(email: string): string {
  const [local = "", domain = ""] = email.split("@");
  return `${local.slice(0, 1)}•••@${domain}`;
}
