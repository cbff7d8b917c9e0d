import * as v from "valibot";
import { fromBase64Url, isCanonicalBase64Url } from "../lib/base64url";
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
  /** `problem` says, for the person holding the link, what is wrong with it. */
  | { ok: false; status: 400; problem: string }
  | { ok: false; status: 403 };

/** Base64url as our links spell it: one spelling per value (no spare bits set), so each link has one form. */
const canonicalBase64Url = (what: string, maxLength: number) =>
  v.pipe(
    v.string(`the ${what} is missing`),
    v.minLength(1, `the ${what} is empty`),
    v.maxLength(maxLength, `the ${what} is too long`),
    v.regex(/^[A-Za-z0-9_-]*$/, `the ${what} has characters a link of ours never has`),
    v.check(isCanonicalBase64Url, `the ${what} is not spelled the way our emails spell it`),
  );

const SignatureSchema = v.pipe(
  canonicalBase64Url("signature (sig)", 100),
  v.length(43, "the signature (sig) has the wrong length"),
);
const TicketSchema = v.pipe(
  v.string(),
  v.regex(/^-?[1-9]\d{0,15}$/, "the ticket number (t) is not a ticket number"),
  v.transform(Number),
  v.safeInteger("the ticket number (t) is too large"),
);
const AddressSchema = canonicalBase64Url("address (e)", 400);

const firstIssue = (issues: readonly { message: string }[]) => issues[0]!.message;

export async function readUnsubscribeToken(
  query: { t?: string | undefined; e?: string | undefined; sig?: string | undefined },
  secret: string,
): Promise<UnsubscribeToken> {
  const sig = v.safeParse(SignatureSchema, query.sig);
  if (!sig.success) return { ok: false, status: 400, problem: firstIssue(sig.issues) };
  if (query.t !== undefined) {
    const ticket = v.safeParse(TicketSchema, query.t);
    if (!ticket.success) return { ok: false, status: 400, problem: firstIssue(ticket.issues) };
    return (await hmacVerify(secret, ticketMessage(ticket.output), sig.output))
      ? { ok: true, ticketId: ticket.output }
      : { ok: false, status: 403 };
  }
  const encoded = v.safeParse(AddressSchema, query.e);
  if (!encoded.success) {
    return {
      ok: false,
      status: 400,
      problem: query.e === undefined ? "the ticket number (t) is missing" : firstIssue(encoded.issues),
    };
  }
  let email: string;
  try {
    email = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(fromBase64Url(encoded.output));
  } catch {
    return { ok: false, status: 400, problem: "the address (e) is not text" };
  }
  if (!(await hmacVerify(secret, legacyMessage(email), sig.output))) return { ok: false, status: 403 };
  return { ok: true, email };
}

/** j•••@example.com: enough for a person to recognise their address, not enough to read it off a screen. */
export function maskEmail(email: string): string {
  const [local = "", domain = ""] = email.split("@");
  return `${local.slice(0, 1)}•••@${domain}`;
}
