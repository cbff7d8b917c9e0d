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

/** What the Worker sets on its own pages (securityHeaders): the static files must say the same. */
const SAME_AS_PAGES = ["Referrer-Policy", "X-Content-Type-Options", "X-Frame-Options", "Permissions-Policy"];

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
    for (const name of SAME_AS_PAGES) {
      expect(res.headers.get(name), name).toBe(page.headers.get(name));
    }
    expect(res.headers.get("Content-Security-Policy")).toBe(
      "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(res.headers.get("Strict-Transport-Security")).toBe("max-age=63072000; includeSubDomains");
    // Headers.get joins repeated fields with ", ": exactly this value means one Cache-Control.
    expect(res.headers.get("Cache-Control")).toBe(cacheControl);
    await res.arrayBuffer();
  });
});
