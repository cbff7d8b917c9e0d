import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { OFFLINE_ENV } from "../../scripts/local-env";

export interface DevServer {
  url: string;
  stop(): Promise<void>;
  output(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const WRANGLER = path.resolve("node_modules/.bin/wrangler");

/**
 * Runs the product as `npm run dev` does (wrangler dev on workerd with a local D1), in a fresh
 * state folder, with settings given as `--var NAME:VALUE`.
 */
export async function startWranglerDev(vars: Record<string, string>): Promise<DevServer> {
  const port = await freePort();
  const state = mkdtempSync(path.join(tmpdir(), "hedgehog-dev-"));
  const env = { ...process.env, ...OFFLINE_ENV, CI: "true" };
  const migrate = spawnSync(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], {
    env,
    encoding: "utf8",
  });
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
  const url = `http://127.0.0.1:${port}`;
  const allVars = { PUBLIC_BASE_URL: url, ...vars };
  const args = [
    "dev",
    "--local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--persist-to",
    state,
    "--show-interactive-dev-session=false",
    // Enables GET /__scheduled?cron=… (the /cdn-cgi/handler/scheduled route fails when static assets are configured).
    "--test-scheduled",
    "--log-level",
    "info",
  ];
  for (const [k, v] of Object.entries(allVars)) args.push("--var", `${k}:${v}`);
  const child: ChildProcess = spawn(WRANGLER, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const deadline = Date.now() + 60_000;
  while (!output.includes("Ready on")) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${output}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`wrangler dev did not start in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      rmSync(state, { recursive: true, force: true });
    },
  };
}
