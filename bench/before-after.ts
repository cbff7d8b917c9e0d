// Before and after a change (a restructuring must show no regression): an earlier
// checkout's Worker and this one's, each bundled by wrangler as deployed and served by Miniflare with
// its own D1 migrated from its own migrations/, measured in the same interleaved rounds.
// `BENCH_BEFORE=<folder with the earlier checkout> npm run bench -- before-after` (bench/README.md
// says how the figures there were made).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Miniflare, NoOpLog } from "miniflare";
import { OFFLINE_ENV, wranglerVars } from "../scripts/local-env";
import { buildSurveyUrl, expiryFrom } from "../src/lib/survey-link";
import {
  OUT_DIR,
  answerBodies,
  bundleModules,
  answerPost,
  httpClient,
  load,
  machine,
  table,
  type LoadResult,
} from "./harness";

const SECRET = "bench-survey-link-secret-0123456789";
const BASE = "http://127.0.0.1:8787";
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const WRANGLER = path.resolve("node_modules/.bin/wrangler");

/** A checkout's Worker (its wrangler.toml), bundled and migrated by wrangler run in that folder. */
async function startCheckout(folder: string, outdir: string) {
  const run = (args: string[]) => {
    const result = spawnSync(WRANGLER, args, {
      cwd: folder,
      env: { ...process.env, ...OFFLINE_ENV, CI: "true" },
      encoding: "utf8",
    });
    if (result.status !== 0)
      throw new Error(`wrangler ${args[0]} in ${folder} failed:\n${result.stdout}\n${result.stderr}`);
  };
  run(["deploy", "--dry-run", "--outdir", outdir]);
  const state = mkdtempSync(path.join(tmpdir(), "hedgehog-before-after-"));
  run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", state]);
  const mf = new Miniflare({
    modules: bundleModules(path.join(outdir, "index.js")),
    compatibilityDate: "2026-04-20",
    d1Databases: { DB: "00000000-0000-0000-0000-000000000000" },
    d1Persist: path.join(state, "v3", "d1"),
    // A producer and no consumer: the rounds measure what a request costs. With consumers, one
    // Worker's queued follow-ups (its low answers' alerts) were worked off during the other Worker's
    // next rounds, on the same two cores, and its /healthz measured the other's backlog.
    queueProducers: { DISPATCH: { queueName: "survey-dispatch" } },
    log: new NoOpLog(), // the earlier checkout logged every job's summary
    bindings: {
      ...wranglerVars(path.join(folder, "wrangler.toml")),
      SURVEY_LINK_SECRET: SECRET,
      ADDRESS_FINGERPRINT_KEY: "bench-address-fingerprint-key-0123456789",
      POSTHOG_API_KEY: "",
      PUBLIC_BASE_URL: BASE,
    },
  });
  const send = httpClient(await mf.ready, CONCURRENCY);
  return {
    send,
    async dispose() {
      await mf.dispose();
      rmSync(state, { recursive: true, force: true });
      rmSync(outdir, { recursive: true, force: true });
    },
  };
}

export async function benchBeforeAfter(): Promise<string> {
  const before = process.env.BENCH_BEFORE;
  if (!before) return "Set BENCH_BEFORE to a folder holding the earlier checkout (bench/README.md).";
  const workers = {
    // Bundles under bench/.out: workerd reads modules from below its working folder only.
    before: await startCheckout(path.resolve(before), path.join(OUT_DIR, "before-after", "before")),
    after: await startCheckout(process.cwd(), path.join(OUT_DIR, "before-after", "after")),
  };
  try {
    const exp = expiryFrom(new Date(), 30);
    const link = (ticketId: number) =>
      buildSurveyUrl(BASE, { distinctId: `bench-${ticketId}`, ticketId, team: "Product analytics", exp }, SECRET);
    const total = REQUESTS * (ROUNDS + 1);
    const getPaths = await Promise.all(
      Array.from({ length: total }, async (_, i) => (await link(100_000 + i)).slice(BASE.length)),
    );
    const postBodies = await answerBodies(link, total);
    const lowBodies = await answerBodies(link, total, { firstTicket: 5_000_000, ratings: [1, 2] });
    const routes = (["before", "after"] as const).flatMap((which) => {
      const send = workers[which].send;
      const postAnswer = (body: string) => send("/", answerPost(body));
      return [
        { which, name: "GET /healthz", status: 200, send: (_: number) => send("/healthz") },
        { which, name: "GET / (signed link)", status: 200, send: (i: number) => send(getPaths[i]!) },
        { which, name: "POST / (new answer)", status: 303, send: (i: number) => postAnswer(postBodies[i]!) },
        { which, name: "POST / (low answer)", status: 303, send: (i: number) => postAnswer(lowBodies[i]!) },
      ];
    });
    const rounds: LoadResult[][] = routes.map(() => []);
    for (let round = 0; round <= ROUNDS; round++) {
      for (const [r, route] of routes.entries()) {
        const offset = round * REQUESTS;
        const result = await load(route.name, (i) => route.send(offset + i), {
          requests: REQUESTS,
          concurrency: CONCURRENCY,
          expectStatus: route.status,
        });
        if (round > 0) rounds[r]!.push(result); // round 0 warms up every route
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const half = routes.length / 2;
    const rows = routes.slice(0, half).map((route, r) => {
      const b = rounds[r]!;
      const a = rounds[r + half]!;
      const errors = [...a, ...b].reduce((n, x) => n + x.errors, 0);
      return [
        route.name,
        median(b.map((x) => x.rps)).toFixed(0),
        median(a.map((x) => x.rps)).toFixed(0),
        `${(median(a.map((x, k) => x.rps / b[k]!.rps)) * 100).toFixed(0)}%`,
        errors,
      ];
    });
    return [
      `Before and after (machine: ${machine()}; concurrency ${CONCURRENCY}; ${ROUNDS} rounds of ${REQUESTS} requests per route after a warm-up round, both Workers' rounds interleaved; the Worker of each checkout (wrangler.toml), its own migrations, no PostHog key)`,
      "",
      table(["route", "before req/s", "after req/s", "after / before (median of rounds)", "errors"], rows),
    ].join("\n");
  } finally {
    await workers.before.dispose();
    await workers.after.dispose();
  }
}
