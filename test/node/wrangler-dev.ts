import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { migrateLocal, startWrangler } from "../../scripts/serve";

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

/**
 * Runs the product as `npm run dev` does (the same launcher: wrangler dev on workerd with a local D1),
 * in a fresh state folder, with settings given as `--var NAME:VALUE`. Its output is kept, not printed,
 * so a passing run stays quiet.
 */
export async function startWranglerDev(vars: Record<string, string>): Promise<DevServer> {
  const port = await freePort();
  const state = mkdtempSync(path.join(tmpdir(), "hedgehog-dev-"));
  await migrateLocal(state, () => undefined);
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const wrangler = startWrangler({
    port,
    persistTo: state,
    vars: { PUBLIC_BASE_URL: url, ...vars },
    rest: [],
    logLevel: "info",
    onLine: (line) => (output += `${line}\n`),
  });
  try {
    await wrangler.ready;
  } catch (err) {
    await wrangler.stop();
    throw new Error(`${(err as Error).message}:\n${output}`);
  }
  return {
    url,
    output: () => output,
    async stop() {
      await wrangler.stop();
      rmSync(state, { recursive: true, force: true });
    },
  };
}
