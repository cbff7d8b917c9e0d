// The static files (public/, served by Cloudflare's static assets, not the Worker) as a browser gets them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type DevServer } from "./wrangler-dev";

let dev: DevServer;

beforeAll(async () => {
  dev = await startWranglerDev({ SURVEY_LINK_SECRET: "static-headers-secret-0123456789" });
});

afterAll(async () => {
  await dev?.stop();
});

/** Headers that describe a response's own content or transfer, not the site's security policy. */
const ABOUT_THE_CONTENT = new Set([
  "cache-control",
  "content-encoding",
  "content-security-policy",
  "content-type",
  "content-length",
  "transfer-encoding",
  "date",
  "etag",
  "vary",
  "cf-cache-status",
]);

describe("static files", () => {
  it.each([
    ["/favicon.svg", "image/svg+xml", "public, max-age=86400"],
    ["/admin.css", "text/css", "public, max-age=3600"],
  ])("%s carries the pages' security headers and one Cache-Control", async (path, type, cacheControl) => {
    const page = await fetch(`${dev.url}/hedgehogs`);
    expect(page.status).toBe(200);
    const res = await fetch(`${dev.url}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain(type);
    // Every security header the Worker puts on its pages (securityHeaders), with the same value.
    const security = [...page.headers.keys()].filter((name) => !ABOUT_THE_CONTENT.has(name));
    expect(security).toContain("x-content-type-options");
    for (const name of security) expect(res.headers.get(name), name).toBe(page.headers.get(name));
    expect(res.headers.get("Content-Security-Policy")).toBe(
      "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(res.headers.get("Strict-Transport-Security")).toBe("max-age=63072000; includeSubDomains");
    // Headers.get joins repeated fields with ", ": exactly this value means one Cache-Control.
    expect(res.headers.get("Cache-Control")).toBe(cacheControl);
    await res.arrayBuffer();
  });
});
