// The customer's first view: cold start beside a no-op Worker, first contentful paint beside the same
// bytes served as a static file, and Lighthouse's mobile performance score.
// Goals: cold start ≤ 1.35× the no-op Worker's; first paint within 10% of the static floor, on
// loopback and with 150 ms of latency; the rating usable at first paint; Lighthouse mobile 100 (median of 5).
import { readFileSync } from "node:fs";
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import { Miniflare } from "miniflare";
import { chromium } from "playwright-core";
import { wranglerVars } from "../scripts/local-env";
import { buildSurveyUrl, expiryFrom } from "../src/lib/survey-link";
import { bundleModules, bundleWorker, machine, migratedState, runtimeOn, table } from "./harness";

const SECRET = "bench-first-view-secret-0123456789";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** What the Worker and the no-op Worker share: the runtime, D1, the queue and the settings. */
function sharedOptions(state: string) {
  return {
    ...runtimeOn(state),
    queueProducers: { DISPATCH: { queueName: "survey-dispatch" } },
    bindings: {
      ...wranglerVars(),
      SURVEY_LINK_SECRET: SECRET,
      ADDRESS_FINGERPRINT_KEY: "bench-address-fingerprint-key-0123456789",
      POSTHOG_API_KEY: "",
      PUBLIC_BASE_URL: "http://127.0.0.1",
    },
  };
}

function productWorker(scriptPath: string, state: string, port = 0) {
  return new Miniflare({
    modules: bundleModules(scriptPath),
    ...sharedOptions(state),
    port,
  } as ConstructorParameters<typeof Miniflare>[0]);
}

const link = (base: string, ticketId: number) =>
  buildSurveyUrl(
    base,
    { distinctId: `first-view-${ticketId}`, ticketId, team: "Product analytics", exp: expiryFrom(new Date(), 30) },
    SECRET,
    { rating: 4 },
  );

/** A Worker with no code of its own; `readsAnswer` makes it read one ticket's row from D1, as the survey page must. */
function bareWorker(state: string, readsAnswer: boolean) {
  const read = readsAnswer
    ? "await env.DB.prepare('SELECT * FROM responses WHERE ticket_id = ?1').bind(1).first();"
    : "";
  return new Miniflare({
    modules: true,
    script: `export default { async fetch(request, env) { ${read} return new Response('ok'); } };`,
    ...sharedOptions(state),
  });
}

/**
 * From `new Miniflare()` to the first response: a fresh workerd and a fresh isolate each time, the
 * Workers alternating so all meet the same machine. The no-op Worker has the same runtime and
 * bindings (D1, the queue, the settings) and no code; a second one also reads one row from D1, the
 * least any page that shows the ticket's earlier answer does.
 */
async function coldStarts(scriptPath: string, state: string) {
  const noop: number[] = [];
  const noopRead: number[] = [];
  const survey: number[] = [];
  const time = async (start: () => Miniflare, url: () => Promise<string>, into: number[]) => {
    const t0 = performance.now();
    const mf = start();
    const res = await mf.dispatchFetch(await url());
    if (res.status !== 200) throw new Error(`cold start answered ${res.status}`);
    await res.text();
    into.push(performance.now() - t0);
    await mf.dispose();
  };
  for (let i = 0; i < Math.max(RUNS, 15); i++) {
    await time(
      () => bareWorker(state, false),
      async () => "http://127.0.0.1/",
      noop,
    );
    await time(
      () => bareWorker(state, true),
      async () => "http://127.0.0.1/",
      noopRead,
    );
    await time(
      () => productWorker(scriptPath, state),
      () => link("http://127.0.0.1", 900 + i),
      survey,
    );
  }
  return { noop: median(noop), noopRead: median(noopRead), survey: median(survey) };
}

/** Serves fixed bytes with nothing but a content type: the floor any page of these bytes can reach. */
function staticServer(
  body: Buffer,
  extraHeaders: Record<string, string> = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", ...extraHeaders });
    res.end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(() => r())) });
    }),
  );
}

/** First contentful paint in a fresh browser profile, and whether the five faces were there to tap at that moment. */
async function firstPaint(url: string, latencyMs: number): Promise<{ fcp: number; usable: boolean }> {
  const profile = mkdtempSync(path.join(tmpdir(), "hedgehog-fcp-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 390, height: 844 },
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    if (latencyMs > 0) {
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      await cdp.send("Network.emulateNetworkConditions", {
        offline: false,
        latency: latencyMs,
        downloadThroughput: -1,
        uploadThroughput: -1,
      });
    }
    await page.goto(url, { waitUntil: "load" });
    // A string, not a function: the bench runs through tsx, whose helpers do not exist in the page.
    // The faces are plain radios in the HTML, styled by the inline stylesheet: no script or further
    // request stands between the first paint and a tap.
    return (await page.evaluate(`new Promise((resolve) => {
      const radios = document.querySelectorAll('input[name="rating"]').length;
      const external = document.querySelectorAll('link[rel="stylesheet"], script[src]').length;
      const finish = (fcp) => resolve({ fcp, usable: radios === 5 && external === 0 });
      new PerformanceObserver((list) => {
        const paint = list.getEntriesByName("first-contentful-paint")[0];
        if (paint) finish(paint.startTime);
      }).observe({ type: "paint", buffered: true });
      setTimeout(() => finish(Number.NaN), 5000);
    })`)) as { fcp: number; usable: boolean };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

async function lighthouseScores(url: string): Promise<number[]> {
  const scores: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const chrome = await chromeLauncher.launch({
      chromePath: CHROMIUM,
      chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu"],
    });
    try {
      const result = await lighthouse(url, { port: chrome.port, onlyCategories: ["performance"], logLevel: "error" });
      scores.push(Math.round((result?.lhr.categories.performance?.score ?? 0) * 100));
    } finally {
      await chrome.kill();
    }
  }
  return scores;
}

/** The cold-start table: the Worker's median cold start beside the no-op Workers' in the same run. */
async function coldStartTable(scriptPath: string, state: string): Promise<string> {
  const cold = await coldStarts(scriptPath, state);
  const bytes = readFileSync(scriptPath);
  return table(
    ["cold start to first survey page", "ms", "goal", "result"],
    [
      ["no-op Worker", cold.noop.toFixed(0), "", ""],
      ["no-op Worker that reads one D1 row", cold.noopRead.toFixed(0), "", ""],
      [
        "the Worker (wrangler.toml, as deployed)",
        cold.survey.toFixed(0),
        "≤ 1.35 × no-op",
        cold.survey <= cold.noop * 1.35 ? "met" : "MISSED",
      ],
      ["ratio to the no-op Worker", (cold.survey / cold.noop).toFixed(2), "", ""],
      ["ratio to the no-op Worker that reads a row", (cold.survey / cold.noopRead).toFixed(2), "", ""],
      [
        "bundle, raw / gzip (KB)",
        `${(bytes.length / 1024).toFixed(0)} / ${(gzipSync(bytes).length / 1024).toFixed(0)}`,
        "",
        "",
      ],
    ],
  );
}

/** First contentful paint of the survey page beside the same bytes served statically, with and without latency. */
async function firstPaintRows(base: string): Promise<(string | number)[][]> {
  const rows: (string | number)[][] = [];
  for (const latency of [0, 150]) {
    const ours: number[] = [];
    const floor: number[] = [];
    const withCoop: number[] = [];
    let usable = true;
    // At least 9 loads each: a loopback first paint is ~100 ms and one slow moment of a shared
    // machine moves it by 20-40 ms, so 5 loads let a single one decide the median.
    for (let i = 0; i < Math.max(RUNS, 9); i++) {
      const url = await link(base, 1000 + latency * 10 + i);
      const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
      const plain = await staticServer(bytes);
      // The same bytes with the header we dropped from the customer's pages, to show what it costs.
      const coop = await staticServer(bytes, { "cross-origin-opener-policy": "same-origin" });
      try {
        withCoop.push((await firstPaint(coop.url, latency)).fcp);
        // Alternate which goes first, so neither always meets a warmer machine.
        const [a, b] =
          i % 2 === 0
            ? [await firstPaint(url, latency), await firstPaint(plain.url, latency)]
            : [await firstPaint(plain.url, latency), await firstPaint(url, latency)].reverse();
        ours.push(a!.fcp);
        floor.push(b!.fcp);
        usable &&= a!.usable;
      } finally {
        await plain.close();
        await coop.close();
      }
    }
    const ratio = median(ours) / median(floor);
    rows.push([
      latency === 0 ? "loopback" : `${latency} ms latency`,
      median(ours).toFixed(0),
      median(floor).toFixed(0),
      median(withCoop).toFixed(0),
      `${(ratio * 100).toFixed(0)}%`,
      ratio <= 1.1 ? "met" : "MISSED",
      usable ? "yes" : "NO",
    ]);
  }
  return rows;
}

/** `BENCH_ONLY=cold-start` runs only the cold-start table (no browser), to compare builds quickly. */
export async function benchFirstView(): Promise<string> {
  const scriptPath = bundleWorker();
  const state = migratedState();
  const coldRuns = `cold start median of ${Math.max(RUNS, 15)}`;
  if (process.env.BENCH_ONLY === "cold-start") {
    try {
      return [
        `Cold start (machine: ${machine()}; ${coldRuns}; Worker on Miniflare)`,
        "",
        await coldStartTable(scriptPath, state),
      ].join("\n");
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  }
  const mf = productWorker(scriptPath, state);
  try {
    const base = (await mf.ready).toString().replace(/\/$/, "");
    const cold = await coldStartTable(scriptPath, state);
    const rows = await firstPaintRows(base);
    const scores = await lighthouseScores(await link(base, 5000));
    const score = median(scores);
    return [
      `First view (machine: ${machine()}; Debian chromium, fresh profile per load, 390 px; first paint median of ${Math.max(RUNS, 9)} loads, Lighthouse median of ${RUNS} runs, ${coldRuns}; Worker on Miniflare)`,
      "",
      cold,
      "",
      table(
        [
          "first contentful paint",
          "survey ms",
          "static floor ms",
          "floor + COOP same-origin ms",
          "vs floor",
          "goal ≤ 110%",
          "rating usable at first paint",
        ],
        rows,
      ),
      "",
      table(
        ["Lighthouse (mobile preset)", "runs", "median", "goal", "result"],
        [["performance score", scores.join(", "), score, "100", score >= 100 ? "met" : "MISSED"]],
      ),
    ].join("\n");
  } finally {
    await mf.dispose();
    rmSync(state, { recursive: true, force: true });
  }
}
