import * as v from "valibot";
import { hmacSign } from "./hmac";
import { sha256Hex } from "./ids";

export function normalizeEmail(address: string): string {
  return address.trim().toLowerCase();
}

/**
 * The key of an address in throttling, the suppression list and erasure: base64url(HMAC-SHA256 under
 * ADDRESS_FINGERPRINT_KEY). Without the key, a copy of the database cannot tell whether a given address
 * is in it; the address itself need not be kept.
 */
export function addressFingerprint(key: string, address: string): Promise<string> {
  return hmacSign(key, `address:${normalizeEmail(address)}`);
}

/**
 * The unkeyed hash rows carried before fingerprints were keyed (hex SHA-256 of `email:<address>`). Anyone
 * can compute it, so it is never written: it only recognises those older rows, to replace them.
 */
export function legacyEmailHash(address: string): Promise<string> {
  return sha256Hex(`email:${normalizeEmail(address)}`);
}

/** An address as the stores recognise it: its fingerprint, and the unkeyed hash older rows may carry. */
export interface AddressKeys {
  fingerprint: string;
  legacyHash: string;
}

export async function addressKeys(key: string, address: string): Promise<AddressKeys> {
  const [fingerprint, legacyHash] = await Promise.all([addressFingerprint(key, address), legacyEmailHash(address)]);
  return { fingerprint, legacyHash };
}

export function emailDomain(address: string): string {
  return normalizeEmail(address).split("@").pop() ?? "";
}

const EmailSchema = v.pipe(v.string(), v.trim(), v.maxLength(254), v.email());

export function isValidEmail(address: string): boolean {
  return v.is(EmailSchema, address);
}
