import type { QueueMessage } from "./queue-message";
import type { SettingName } from "./settings";

/**
 * Bindings and settings, as wrangler.toml declares them. The settings are those of src/settings.ts
 * (each arrives as a string; src/config.ts parses them); `wrangler types` checks the bindings and
 * [vars] against wrangler.toml (see worker-configuration.d.ts, test/node/settings.test.ts, and
 * src/env-check.ts, which fails type-checking when the names here and the generated ones differ).
 */
export type Env = {
  DB: D1Database;
  DISPATCH: Queue<QueueMessage>;
  EMAIL: SendEmail;
} & { [K in SettingName]?: string };
