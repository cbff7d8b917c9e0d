// The local D1 database that `wrangler dev` uses, opened through Miniflare (the same workerd and the
// same SQLite file), so the CLIs answer in well under two seconds instead of starting wrangler twice.
import { readdirSync } from "node:fs";
import path from "node:path";
import type { D1Database } from "@cloudflare/workers-types/experimental";
import { Miniflare } from "miniflare";

/** wrangler.toml's database_id: Miniflare names the SQLite file after it, as wrangler does. */
const DATABASE_ID = "00000000-0000-0000-0000-000000000000";
/** wrangler's own table of applied migrations, so `wrangler d1 migrations apply` agrees with us. */
const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS d1_migrations(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT UNIQUE,
  applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
)`;

/** Where wrangler keeps local state: `--persist-to DIR`, else `.wrangler/state` (both relative to here). */
export function stateDir(persistTo: string | undefined): string {
  return path.resolve(persistTo ?? ".wrangler/state");
}

export interface LocalD1 {
  db: D1Database;
  close(): Promise<void>;
}

export async function openLocalD1(persistTo: string | undefined): Promise<LocalD1> {
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response(null, { status: 404 }); } }",
    d1Databases: { DB: DATABASE_ID },
    d1Persist: path.join(stateDir(persistTo), "v3", "d1"),
  });
  const db = (await mf.getD1Database("DB")) as unknown as D1Database;
  return { db, close: () => mf.dispose() };
}

/**
 * Applies the migrations not yet recorded, each in one batch, as `wrangler d1 migrations apply`
 * does (never asking). Answers the names it applied.
 */
export async function applyMigrations(db: D1Database, dir = "migrations"): Promise<string[]> {
  await db.prepare(MIGRATIONS_TABLE).run();
  const { results } = await db.prepare("SELECT name FROM d1_migrations").all<{ name: string }>();
  const applied = new Set(results.map((r) => r.name));
  const pending = readdirSync(dir)
    .filter((f) => f.endsWith(".sql") && !applied.has(f))
    .sort();
  if (pending.length === 0) return [];
  // Only loaded when something is pending: it splits SQL exactly as wrangler does, but takes a second to load.
  const { readD1Migrations } = await import("@cloudflare/vitest-pool-workers");
  for (const migration of await readD1Migrations(dir)) {
    if (!pending.includes(migration.name)) continue;
    await db.batch([
      ...migration.queries.map((q) => db.prepare(q)),
      db.prepare("INSERT INTO d1_migrations (name) VALUES (?1)").bind(migration.name),
    ]);
  }
  return pending;
}

/** Opens the local database brought up to date, runs `work`, and always closes it. */
export async function withLocalD1<T>(persistTo: string | undefined, work: (db: D1Database) => Promise<T>): Promise<T> {
  const local = await openLocalD1(persistTo);
  try {
    await applyMigrations(local.db);
    return await work(local.db);
  } finally {
    await local.close();
  }
}
