import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    test: {
      // Job summaries and request logs are shown for a failing test only: a clean run stays quiet.
      silent: "passed-only" as const,
      projects: [
        {
          plugins: [
            cloudflareTest({
              main: "./src/index.ts",
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                // A second, empty database: the migration tests bring it to an older schema, write rows as
                // the code of that time wrote them, then apply the newer migrations.
                d1Databases: { MIGRATION_DB: "migration-test" },
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  SURVEY_LINK_SECRET: "test-survey-link-secret-0123456789",
                  ADDRESS_FINGERPRINT_KEY: "test-address-fingerprint-key-0123456789",
                  POSTHOG_API_KEY: "phc_test_key",
                  POSTHOG_SURVEY_ID: "019f37dc-7c9a-0000-d86a-aa8bf46f4917",
                  PUBLIC_BASE_URL: "https://survey.example.test",
                  // Every secret is set here so a developer's .dev.vars never changes what the tests see.
                  ADMIN_TOKEN: "test-admin-token-0123456789abcdefghij",
                  ZENDESK_EMAIL: "agent@example.com",
                  ZENDESK_API_TOKEN: "test-zendesk-token",
                  RESEND_API_KEY: "re_test_key",
                  SLACK_WEBHOOK_URLS: "",
                  POSTHOG_PERSONAL_API_KEY: "",
                  POSTHOG_SUPPORT_WEBHOOK_SECRET: "",
                },
              },
            }),
          ],
          test: {
            name: "workers",
            include: ["test/worker/**/*.test.ts", "test/worker/**/*.test.tsx"],
            setupFiles: ["./test/worker/apply-migrations.ts"],
            globalSetup: ["./test/worker/global-setup.ts"],
          },
        },
        {
          test: {
            name: "node",
            environment: "node",
            include: ["test/node/**/*.test.ts"],
            testTimeout: 90_000,
            hookTimeout: 90_000,
          },
        },
      ],
    },
  };
});
