// Standard Webhooks (standardwebhooks.com, spec "Verifying webhooks"): the sender signs
// `<webhook-id>.<webhook-timestamp>.<body>` with HMAC-SHA256 under the secret's bytes (the base64
// after `whsec_`), and sends `webhook-signature: v1,<base64>` (several, space-separated, while a
// secret is rotated). The timestamp (Unix seconds) bounds replays; the id stays the same across
// retries of one message, so a receiver deduplicates on it.

import { fromBase64Url } from "./base64url";

const encoder = new TextEncoder();

/** How far a webhook-timestamp may be from now: the spec's and its libraries' default, five minutes. */
export const TIMESTAMP_TOLERANCE_MS = 5 * 60_000;

export type WebhookCheck =
  { ok: true; id: string; timestamp: number } | { ok: false; status: 400 | 401; reason: string };

/** Standard base64 (with `+`, `/` and padding), as Standard Webhooks writes keys and signatures. */
function standardBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  return fromBase64Url(text.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
}

/** The key bytes of a `whsec_<base64>` secret (a secret without the prefix is taken as base64 too). */
export function secretKeyBytes(secret: string): Uint8Array<ArrayBuffer> | undefined {
  return standardBase64(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret);
}

/**
 * Checks a delivery: 401 when a header is missing or no signature matches (nothing about the
 * timestamp is told to a sender who cannot sign), 400 when a genuine delivery's timestamp is more
 * than five minutes from now (a replay, or a sender's clock far off).
 */
export async function verifyWebhook(
  headers: { id?: string | undefined; timestamp?: string | undefined; signature?: string | undefined },
  body: string,
  secret: string,
  now: number,
): Promise<WebhookCheck> {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature)
    return { ok: false, status: 401, reason: "webhook-id, webhook-timestamp and webhook-signature are required" };
  const keyBytes = secretKeyBytes(secret);
  if (!keyBytes) return { ok: false, status: 401, reason: "the webhook secret is not a whsec_ secret" };
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const signed = encoder.encode(`${id}.${timestamp}.${body}`);
  let matched = false;
  for (const entry of signature.split(" ")) {
    const [version, value] = entry.split(",", 2);
    const mac = version === "v1" && value ? standardBase64(value) : undefined;
    // WebCrypto's verify compares in constant time.
    if (mac && mac.length === 32 && (await crypto.subtle.verify("HMAC", key, mac, signed))) matched = true;
  }
  if (!matched) return { ok: false, status: 401, reason: "the webhook signature does not match" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, status: 400, reason: "webhook-timestamp is not Unix seconds" };
  const at = Number(timestamp) * 1000;
  if (Math.abs(now - at) > TIMESTAMP_TOLERANCE_MS)
    return { ok: false, status: 400, reason: "webhook-timestamp is more than five minutes from now" };
  return { ok: true, id, timestamp: at };
}

/** Signs a delivery as a Standard Webhooks sender does (the tests' Workflow sender and the demo use it). */
export async function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", secretKeyBytes(secret)!, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, encoder.encode(`${id}.${timestampSeconds}.${body}`)),
  );
  let binary = "";
  for (const b of mac) binary += String.fromCharCode(b);
  return `v1,${btoa(binary)}`;
}
