import * as v from "valibot";
import { sha256Hex } from "./ids";

export function normalizeEmail(address: string): string {
  return address.trim().toLowerCase();
}

/** The key of an address in throttling and the suppression list; the address itself need not be kept. */
export function emailHash(address: string): Promise<string> {
  return sha256Hex(`email:${normalizeEmail(address)}`);
}

export function emailDomain(address: string): string {
  return normalizeEmail(address).split("@").pop() ?? "";
}

const EmailSchema = v.pipe(v.string(), v.trim(), v.maxLength(254), v.email());

export function isValidEmail(address: string): boolean {
  return v.is(EmailSchema, address);
}
