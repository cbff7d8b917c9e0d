import { fromBase64Url, toBase64Url } from "./base64url";

const encoder = new TextEncoder();
const keyCache = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keyCache.set(secret, key);
  }
  return key;
}

/** base64url(HMAC-SHA256(secret, message)), 43 characters. */
export async function hmacSign(secret: string, message: string): Promise<string> {
  return toBase64Url(await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(message)));
}

/** Constant-time check (WebCrypto's verify compares in constant time). */
export async function hmacVerify(secret: string, message: string, signature: string): Promise<boolean> {
  const mac = fromBase64Url(signature);
  if (!mac || mac.length !== 32) return false;
  return crypto.subtle.verify("HMAC", await hmacKey(secret), mac, encoder.encode(message));
}
