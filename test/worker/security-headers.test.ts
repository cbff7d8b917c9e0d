import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE, call } from "./helpers";

const bearer = () => ({ authorization: `Bearer ${env.ADMIN_TOKEN}` });

describe("security headers", () => {
  it("give the admin area its own opener policy and keep it out of every cache", async () => {
    const res = await call(new Request(`${BASE}/admin/outbox`, { headers: bearer() }));
    expect(res.status).toBe(200);
    expect(res.headers.get("cross-origin-opener-policy")).toBe("same-origin");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
  });

  it("give a page without a policy of its own the default one, scripts from our origin only", async () => {
    const res = await call(new Request(`${BASE}/no-such-page`));
    expect(res.status).toBe(404);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toMatch(/^default-src 'none'; style-src 'self' 'sha256-/);
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-powered-by")).toBeNull();
    expect(res.headers.get("strict-transport-security")).toBe("max-age=63072000; includeSubDomains");
    // Headers only retired browsers read are left out (src/lib/http.ts says which and why).
    for (const legacy of ["x-xss-protection", "x-download-options", "x-permitted-cross-domain-policies", "x-dns-prefetch-control"])
      expect(res.headers.get(legacy)).toBeNull();
  });
});
