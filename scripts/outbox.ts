// `npm run outbox [-- --id N] [--limit N] [--persist-to DIR]`: prints the emails the local mail
// provider kept (MAIL_PROVIDER=outbox) in the local D1 that `npm run dev` uses.
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { OFFLINE_ENV } from "./local-env";

const { values } = parseArgs({
  options: { id: { type: "string" }, limit: { type: "string" }, "persist-to": { type: "string" } },
});
const id = values.id === undefined ? undefined : Number(values.id);
const limit = Number(values.limit ?? 20);
if ((id !== undefined && !Number.isInteger(id)) || !Number.isInteger(limit)) {
  console.error("outbox: --id and --limit take whole numbers");
  process.exit(2);
}
const sql =
  id !== undefined
    ? `SELECT id, to_address, from_address, subject, headers, text, created_at FROM outbox WHERE id = ${id}`
    : `SELECT id, to_address, subject, created_at FROM outbox ORDER BY id DESC LIMIT ${limit}`;
const persist = values["persist-to"] ? ["--persist-to", values["persist-to"]] : [];
// The local database may predate the newest migration (or not exist yet): bring it up to date first.
const migrate = spawnSync("node_modules/.bin/wrangler", ["d1", "migrations", "apply", "DB", "--local", ...persist], {
  env: { ...process.env, ...OFFLINE_ENV, CI: "true" },
  encoding: "utf8",
});
if (migrate.status !== 0) {
  console.error(migrate.stderr || migrate.stdout);
  process.exit(migrate.status ?? 1);
}
const args = ["d1", "execute", "DB", "--local", "--json", "--command", sql, ...persist];
const result = spawnSync("node_modules/.bin/wrangler", args, {
  env: { ...process.env, ...OFFLINE_ENV },
  encoding: "utf8",
});
if (result.status !== 0) {
  console.error(result.stderr || result.stdout);
  process.exit(result.status ?? 1);
}
const rows =
  (JSON.parse(result.stdout) as Array<{ results: Array<Record<string, string | number>> }>)[0]?.results ?? [];
if (rows.length === 0) {
  console.log(id !== undefined ? `No message ${id} in the outbox.` : "The outbox is empty.");
} else if (id !== undefined) {
  const m = rows[0]!;
  console.log(`From: ${m.from_address}\nTo: ${m.to_address}\nSubject: ${m.subject}`);
  for (const [k, v] of Object.entries(JSON.parse(String(m.headers)) as Record<string, string>))
    console.log(`${k}: ${v}`);
  console.log(`Date: ${new Date(Number(m.created_at)).toISOString()}\n\n${m.text}`);
} else {
  for (const m of rows)
    console.log(`#${m.id}  ${new Date(Number(m.created_at)).toISOString()}  ${m.to_address}  ${m.subject}`);
  console.log(`\nRead one with: npm run outbox -- --id N   (or open /admin/outbox)`);
}
