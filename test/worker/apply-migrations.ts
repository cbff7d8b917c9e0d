import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, expect } from "vitest";
import { d1LimitViolations } from "./d1-limits";
import { CONTRACT_PROBE_PREFIX, fake } from "./helpers/fakes";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

// After every test: each statement the product ran stayed within D1's limits, no loopback fake
// received a request its service would not expect, and every request the product sent and every
// answer a fake gave is one the vendor's own API description allows (one check, for every fake and
// every test file).
afterEach(async () => {
  expect(d1LimitViolations, "statements over Cloudflare D1's limits").toEqual([]);
  for (const name of ["posthogUrl", "zendeskUrl", "resendUrl", "slackUrl"] as const) {
    const unexpected = await fake(name).unexpected();
    expect(unexpected, `requests the ${name.replace("Url", "")} fake did not expect`).toEqual([]);
    const violations = (await fake(name).contractViolations()).filter((v) => !v.path.startsWith(CONTRACT_PROBE_PREFIX));
    expect(violations, `traffic of the ${name.replace("Url", "")} fake off the vendor's API description`).toEqual([]);
  }
});
