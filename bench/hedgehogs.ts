// The public hedgehog counter: `/hedgehogs` and `/hedgehogs.svg` must answer at 80% or more
// of `/healthz`'s requests per second on the same Miniflare server, with a tally of 36 months.
import { httpClient, load, machine, startMiniflare, table, type LoadResult } from "./harness";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

export async function benchHedgehogs(): Promise<string> {
  const { mf, db, dispose } = await startMiniflare({ SURVEY_LINK_SECRET: "bench-survey-link-secret-0123456789" });
  try {
    const months = Array.from({ length: 36 }, (_, i) => {
      const d = new Date(Date.UTC(2024, i, 1));
      return `('${d.toISOString().slice(0, 7)}', ${100 + ((i * 37) % 400)})`;
    });
    await db.prepare(`INSERT INTO hedgehog_tally (month, hedgehogs) VALUES ${months.join(", ")}`).run();
    const http = httpClient(await mf.ready, CONCURRENCY);
    const routes = ["/healthz", "/hedgehogs", "/hedgehogs.svg"];
    const rounds = new Map<string, LoadResult[]>(routes.map((r) => [r, []]));
    for (let round = 0; round <= ROUNDS; round++) {
      // Interleaved rounds, so a noisy neighbour on the VM hits every route alike; round 0 warms up.
      for (const route of routes) {
        const result = await load(route, () => http(route), {
          requests: REQUESTS,
          concurrency: CONCURRENCY,
          expectStatus: 200,
        });
        if (round > 0) rounds.get(route)!.push(result);
      }
    }
    const median = (r: LoadResult[]) => [...r].sort((a, b) => a.rps - b.rps)[Math.floor(r.length / 2)]!;
    const health = median(rounds.get("/healthz")!).rps;
    const rows = routes.map((route) => {
      const m = median(rounds.get(route)!);
      const share = m.rps / health;
      return [
        `GET ${route}`,
        m.rps.toFixed(0),
        `${(share * 100).toFixed(0)}%`,
        route === "/healthz" ? "" : share >= 0.8 ? "≥ 80% met" : "≥ 80% MISSED",
        m.p50.toFixed(2),
        m.p99.toFixed(2),
        m.errors,
      ];
    });
    return [
      `Public hedgehog counter (machine: ${machine()}; concurrency ${CONCURRENCY}; ${ROUNDS} rounds of ${REQUESTS} requests per route after a warm-up round, median round; keep-alive HTTP to Miniflare)`,
      table(["route", "req/s", "vs /healthz", "goal", "p50 ms", "p99 ms", "errors"], rows),
    ].join("\n");
  } finally {
    await dispose();
  }
}
