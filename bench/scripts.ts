// The command-line scripts (they use the product's stores against the local D1 and answer in
// under 2 s). Each runs as a newcomer runs it (`npm run …`) against a local database that already has
// its migrations (a fresh one's first run applies them, once); the median of 5 runs is shown.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { OFFLINE_ENV } from "../scripts/local-env";
import { machine, table } from "./harness";

const RUNS = 5;
const GOAL_MS = 2000;

function timed(args: string[]): number {
  const t0 = performance.now();
  const result = spawnSync("npm", ["run", "--silent", ...args], {
    env: { ...process.env, ...OFFLINE_ENV, SURVEY_LINK_SECRET: "bench-scripts-secret-0123456789" },
    encoding: "utf8",
  });
  const ms = performance.now() - t0;
  if (result.status !== 0) throw new Error(`npm run ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  return ms;
}

export async function benchScripts(): Promise<string> {
  const state = mkdtempSync(path.join(tmpdir(), "hedgehog-bench-scripts-"));
  try {
    const commands: Array<[string, string[]]> = [
      ["npm run report", ["report", "--", "--month", "2026-10", "--persist-to", state]],
      ["npm run report -- --preview", ["report", "--", "--month", "2026-10", "--preview", "--persist-to", state]],
      ["npm run outbox", ["outbox", "--", "--persist-to", state]],
      ["npm run survey-link", ["survey-link", "--", "--ticket", "1", "--distinct-id", "a", "--team", "Billing"]],
    ];
    timed(commands[0]![1]); // the fresh database's migrations, applied once
    const rows = commands.map(([name, args]) => {
      const times = Array.from({ length: RUNS }, () => timed(args)).sort((a, b) => a - b);
      const median = times[Math.floor(RUNS / 2)]!;
      return [
        name,
        median.toFixed(0),
        times[RUNS - 1]!.toFixed(0),
        `≤ ${GOAL_MS}`,
        median <= GOAL_MS ? "met" : "MISSED",
      ];
    });
    return [
      `Scripts (machine: ${machine()}; median and slowest of ${RUNS} runs, from the command to its exit)`,
      "",
      table(["command", "median ms", "slowest ms", "goal ms", "result"], rows),
    ].join("\n");
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}
