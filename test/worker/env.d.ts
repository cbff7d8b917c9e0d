import type { D1Migration } from "cloudflare:test";
import type { Env as WorkerEnv } from "../../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      /** An empty database of its own for the migration tests (vitest.config.ts). */
      MIGRATION_DB: D1Database;
    }
  }
}
