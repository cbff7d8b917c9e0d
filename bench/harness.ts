import { spawnSync } from "node:child_process";
import http from "node:http";
import net from "node:net";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { Log, LogLevel, Miniflare, type MiniflareOptions } from "miniflare";
import { OFFLINE_ENV, wranglerVars } from "../scripts/local-env";

export const OUT_DIR = path.resolve("bench/.out");

/** Bundles the Worker exactly as `wrangler deploy` would, without deploying. Returns the bundle's path. */
export function bundleWorker(): string {
  const outdir = path.join(OUT_DIR, "worker");
  rmSync(outdir, { recursive: true, force: true }); // no module of an earlier bundle is listed with this one
  const result = spawnSync("node_modules/.bin/wrangler", ["deploy", "--dry-run", "--outdir", outdir], {
    env: { ...process.env, ...OFFLINE_ENV },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${result.stdout}\n${result.stderr}`);
  return path.join(outdir, "index.js");
}

/**
 * The modules of a bundle as `wrangler deploy` uploads them: the script, and beside it the stylesheets
 * it imports as text (wrangler.toml's Text rule writes each as a file of its own).
 */
export function bundleModules(scriptPath: string): Array<{ type: "ESModule" | "Text"; path: string }> {
  const dir = path.dirname(scriptPath);
  const texts = readdirSync(dir).filter((name) => name.endsWith(".css"));
  return [
    { type: "ESModule", path: scriptPath },
    ...texts.map((name) => ({ type: "Text" as const, path: path.join(dir, name) })),
  ];
}

/** Applies migrations/ with wrangler itself to the local D1 kept in `state` (new ones only). */
export function migrate(state: string): void {
  const result = spawnSync(
    "node_modules/.bin/wrangler",
    ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state],
    { env: { ...process.env, ...OFFLINE_ENV, CI: "true" }, encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`migrations failed:\n${result.stdout}\n${result.stderr}`);
}

/** A fresh state folder with a local D1 that wrangler itself migrated from migrations/. */
export function migratedState(): string {
  const state = mkdtempSync(path.join(tmpdir(), "hedgehog-bench-"));
  migrate(state);
  return state;
}

/** The runtime and D1 every benchmark's Worker runs on (the D1 a state folder keeps, as wrangler migrated it). */
export function runtimeOn(state: string) {
  return {
    compatibilityDate: "2026-04-20",
    d1Databases: { DB: "00000000-0000-0000-0000-000000000000" },
    d1Persist: path.join(state, "v3", "d1"),
  };
}

/**
 * The Worker on Miniflare (workerd) with a local D1 that wrangler itself migrated from migrations/,
 * in a fresh state folder (or `stateDir`, to reuse a seeded database).
 */
export async function startMiniflare(
  bindings: Record<string, string>,
  extra: Partial<MiniflareOptions> = {},
  stateDir?: string,
) {
  return startWorker(bindings, extra, stateDir);
}

async function startWorker(bindings: Record<string, string>, extra: Partial<MiniflareOptions>, stateDir?: string) {
  const scriptPath = bundleWorker();
  const state = stateDir ?? migratedState();
  if (stateDir) migrate(stateDir); // a kept database gets the migrations added since it was seeded
  const mf = new Miniflare({
    // The bundle wrangler built, listed module by module (as `wrangler deploy` uploads it).
    modules: bundleModules(scriptPath),
    ...runtimeOn(state),
    queueProducers: { DISPATCH: { queueName: "survey-dispatch" } },
    queueConsumers: { "survey-dispatch": { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 10 } }, // as in wrangler.toml
    bindings: { ...wranglerVars(), ADDRESS_FINGERPRINT_KEY: "bench-address-fingerprint-key-0123456789", ...bindings },
    // BENCH_VERBOSE=1 shows the Worker's own log lines.
    ...(process.env.BENCH_VERBOSE ? { log: new Log(LogLevel.INFO) } : {}),
    // BENCH_INSPECTOR=<port> opens workerd's inspector, to profile the Worker under load with DevTools.
    ...(process.env.BENCH_INSPECTOR ? { inspectorPort: Number(process.env.BENCH_INSPECTOR) } : {}),
    ...extra,
  } as MiniflareOptions);
  await mf.ready;
  const db = await mf.getD1Database("DB");
  return {
    mf,
    db,
    state,
    async dispose() {
      await mf.dispose();
      if (!stateDir) rmSync(state, { recursive: true, force: true });
    },
  };
}

export interface LoadResult {
  name: string;
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** Closed-loop load: `concurrency` callers, each sending its next request when the last one ends. */
export async function load(
  name: string,
  send: (i: number) => Promise<{ status: number; arrayBuffer(): Promise<unknown> }>,
  opts: { requests: number; concurrency: number; expectStatus: number },
): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= opts.requests) return;
        const t0 = performance.now();
        const res = await send(i);
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
        if (res.status !== opts.expectStatus) errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  return { name, requests: opts.requests, seconds, rps: opts.requests / seconds, p50: pct(50), p99: pct(99), errors };
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `${os.cpus().length} × ${cpu.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, node ${process.version}`;
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => "| " + r.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + " |";
  return [line(headers), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...cells.slice(1).map(line)].join(
    "\n",
  );
}

/**
 * A light HTTP client for load (node:http with keep-alive): the load generator shares the machine's
 * two cores with workerd, so it should cost as little per request as it can.
 */
export function httpClient(base: URL, concurrency: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  return (path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; arrayBuffer(): Promise<unknown> }>(
      (resolve, reject) => {
        const body = init.body === undefined ? undefined : Buffer.from(init.body);
        const req = http.request(
          {
            host: base.hostname,
            port: base.port,
            path,
            method: init.method ?? "GET",
            agent,
            headers: { ...init.headers, ...(body ? { "content-length": String(body.length) } : {}) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                arrayBuffer: async () => Buffer.concat(chunks),
              }),
            );
            res.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end(body);
      },
    );
}

/** Answers as support teams see them: mostly happy, one in ten low (a low answer also raises an alert). */
export const RATING_MIX = [5, 5, 4, 5, 3, 5, 4, 5, 1, 4];

/** The request a browser sends with the survey's form (same-origin, urlencoded). */
export function answerPost(body: string) {
  return {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" },
    body,
  };
}

/**
 * `count` survey form posts, each answering its own ticket's link (`link(firstTicket + i)`), rated by
 * the mix (or by `ratings`, in turn).
 */
export function answerBodies(
  link: (ticketId: number) => Promise<string>,
  count: number,
  options: { firstTicket?: number; ratings?: readonly number[] } = {},
): Promise<string[]> {
  const { firstTicket = 1_000_000, ratings = RATING_MIX } = options;
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const form = new URL(await link(firstTicket + i)).searchParams;
      form.set("rating", String(ratings[i % ratings.length]));
      form.set("comment", "Benchmark answer");
      return form.toString();
    }),
  );
}

/** A TCP port nothing listens on now, on loopback (for workerd's inspector). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
