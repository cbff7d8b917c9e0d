import type { Context, Env, MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { PAGE_STYLES } from "./page-style";

/** `'sha256-…'` of an inline script or style, for the Content-Security-Policy. */
export async function cspHash(source: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(source));
  let binary = "";
  for (const byte of new Uint8Array(digest)) binary += String.fromCharCode(byte);
  return `'sha256-${btoa(binary)}'`;
}

/** The hashes of every inline stylesheet (one per kind of customer page), computed once per isolate. */
let pageStyleHashes: Promise<string> | undefined;

/**
 * The pages' policy: nothing but our own origin, and the inline stylesheets and scripts named by
 * their hashes (never 'unsafe-inline'). `imageOrigins` adds where a configured logo lives.
 */
export async function contentSecurityPolicy(options: { scriptHashes?: string[]; imageOrigins?: string[] } = {}) {
  pageStyleHashes ??= Promise.all(Object.values(PAGE_STYLES).map(cspHash)).then((hashes) => hashes.join(" "));
  return [
    "default-src 'none'",
    `style-src 'self' ${await pageStyleHashes}`,
    `script-src 'self'${(options.scriptHashes ?? []).map((h) => ` ${h}`).join("")}`,
    `img-src 'self' data:${(options.imageOrigins ?? []).map((o) => ` ${o}`).join("")}`,
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

/** The policy of pages that set none of their own, built once per isolate. */
let defaultPolicy: Promise<string> | undefined;

/** The headers every answer carries, through hono's secureHeaders; a header a handler set itself is kept. */
const fixedHeaders = secureHeaders({
  // Links carry customer ids, so no referrer leaves for another site, while our own form posts still
  // carry their Origin (with `no-referrer` browsers send `Origin: null`, and a browser without
  // Sec-Fetch-Site could not be told from a cross-site post).
  referrerPolicy: "same-origin",
  xFrameOptions: "DENY",
  // Cross-Origin-Opener-Policy made Chromium switch renderer process on a fresh tab (a slower first
  // paint, measured in bench/), and the customer pages open no windows and are never framed
  // (frame-ancestors 'none'). The admin area sets `same-origin` itself.
  crossOriginOpenerPolicy: false,
  // Browsers ignore HSTS over plain http (RFC 6797 section 8.1), so local runs are unaffected.
  strictTransportSecurity: "max-age=63072000; includeSubDomains",
  permissionsPolicy: { camera: [], microphone: [], geolocation: [] },
  // Headers only browsers long out of use read (OWASP HTTP Headers Cheat Sheet): X-XSS-Protection
  // (the filter it switches is gone from every current browser), X-Download-Options (Internet
  // Explorer 8), X-Permitted-Cross-Domain-Policies (Flash and Acrobat), X-DNS-Prefetch-Control (the
  // pages link to no other host). Each costs a header write on every answer.
  xXssProtection: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xDnsPrefetchControl: false,
  overwrite: false,
});

/**
 * Headers for every page the Worker renders: hono's secure headers, the default Content-Security-Policy
 * for pages that set none of their own, and Cache-Control where a route set none: customer pages are
 * `private, no-cache` (never in a shared cache, always revalidated, still allowed in the back/forward
 * cache); the admin area is `no-store`. The static files in public/ never reach the Worker:
 * public/_headers gives them the same headers (test/node/static-headers.test.ts holds them equal).
 */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await fixedHeaders(c, next);
  const h = c.res.headers;
  const path = c.req.path;
  const admin = path === "/admin" || path.startsWith("/admin/");
  defaultPolicy ??= contentSecurityPolicy();
  if (!h.has("Content-Security-Policy")) h.set("Content-Security-Policy", await defaultPolicy);
  if (admin && !h.has("Cross-Origin-Opener-Policy")) h.set("Cross-Origin-Opener-Policy", "same-origin");
  if (!h.has("Cache-Control")) h.set("Cache-Control", admin ? "no-store" : "private, no-cache");
};

/**
 * Posts only from our own pages (hono's csrf): browsers send Sec-Fetch-Site, which must be
 * same-origin; those that do not (Safari before 16.4, older Firefox) still send Origin on a POST,
 * which must then be ours: the origin the request came to, or the public one links are built with
 * (`null`, sent from sandboxed or privacy-stripped contexts, is not). A refused post gets
 * `onRefused`'s answer instead of hono's bare 403.
 */
export function sameOriginPosts<E extends Env>(options: {
  publicBaseUrl: (c: Context<E>) => string;
  onRefused: (c: Context<E>) => Response | Promise<Response>;
}): MiddlewareHandler<E> {
  const guard = csrf({
    secFetchSite: "same-origin",
    origin: (origin, c) =>
      origin === new URL(c.req.url).origin || origin === new URL(options.publicBaseUrl(c as Context<E>)).origin,
  });
  return async (c, next) => {
    let passed = false;
    try {
      await guard(c, async () => {
        passed = true;
        await next();
      });
    } catch (err) {
      // Only the guard's own refusal: an error further down goes to the app's error handler.
      if (!passed && err instanceof HTTPException && err.status === 403) return options.onRefused(c);
      throw err;
    }
  };
}

/** For an email's own HTML shown in the admin area: sandboxed, no scripts, inline styles as mail clients allow. */
export const EMAIL_HTML_CSP =
  "sandbox allow-popups allow-top-navigation-by-user-activation; default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/**
 * A form body's fields as strings, through hono's parseBody (the parsed form is cached, so a validator
 * reading the same body parses nothing again). A field given twice counts as not given, as it does
 * for the validator (where it becomes an array no schema here accepts): no page of ours repeats a
 * field, so a repeat is a forgery, never a choice between values. File parts are dropped, and a body
 * that cannot be read has no fields, so each route's own rules name what is missing.
 */
export async function formFields(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody({ all: true }).catch(() => ({}));
  return Object.fromEntries(
    Object.entries(body).filter((field): field is [string, string] => typeof field[1] === "string"),
  );
}
