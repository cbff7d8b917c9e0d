// The scripts share the Worker's storage modules, written against the global D1Database of the
// workers types; here it is Miniflare's (the same interface, from the importable workers types).
import type {
  D1Database as MiniflareD1Database,
  D1PreparedStatement as MiniflareD1PreparedStatement,
  D1Result as MiniflareD1Result,
} from "@cloudflare/workers-types/experimental";

declare global {
  type D1Database = MiniflareD1Database;
  type D1PreparedStatement = MiniflareD1PreparedStatement;
  type D1Result<T = unknown> = MiniflareD1Result<T>;
}
