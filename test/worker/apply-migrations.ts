import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, expect } from "vitest";
import { d1LimitViolations } from "./d1-limits";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

// Every statement the product ran through the test env stayed within D1's limits.
afterEach(() => {
  expect(d1LimitViolations, "statements over Cloudflare D1's limits").toEqual([]);
});
