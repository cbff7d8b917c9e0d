import type { MiddlewareHandler } from "hono";

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "script-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

/**
 * Headers for every page the Worker renders. Links carry customer ids, so no referrer leaves the
 * page, and personal pages are never cached.
 */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  const h = c.res.headers;
  if (!h.has("Content-Security-Policy")) h.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  h.set("Referrer-Policy", "no-referrer");
  h.set("X-Content-Type-Options", "nosniff");
  h.set("X-Frame-Options", "DENY");
  h.set("Cross-Origin-Opener-Policy", "same-origin");
  h.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  if (!h.has("Cache-Control")) h.set("Cache-Control", "no-store");
};

/**
 * Whether a POST came from our own pages. Browsers send Sec-Fetch-Site; with
 * `Referrer-Policy: no-referrer` a form post's Origin is the string "null", so Origin is only
 * compared when it names a real origin. Requests from non-browser clients carry neither.
 */
export function isSameOriginPost(headers: Headers, ownOrigins: string[]): boolean {
  const site = headers.get("sec-fetch-site");
  if (site !== null) return site === "same-origin";
  const origin = headers.get("origin");
  if (origin === null) return true;
  return ownOrigins.includes(origin);
}
