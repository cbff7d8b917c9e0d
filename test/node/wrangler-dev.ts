import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { migrateLocal, startWrangler } from "../../scripts/serve";
import type { FakeServer } from "../fakes/fake-server";
import type { FakeTicket } from "../fakes/types";
import { startFakeZendesk } from "../fakes/zendesk";
import { controlZendesk } from "../fakes/zendesk-control";

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
    vars: { PUBLIC_BASE_URL: url, ADDRESS_FINGERPRINT_KEY: "browser-test-address-fingerprint-key-0123", ...vars },
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

/** A ticket solved `daysAgo` days ago (both its times), for a Zendesk stand-in's account. */
export function solvedTicket(daysAgo: number, ticket: Pick<FakeTicket, "id" | "requester" | "group">): FakeTicket {
  const solved = new Date(Date.now() - daysAgo * 86_400_000).toISOString();
  return { status: "solved", solved_at: solved, updated_at: solved, tags: [], ...ticket };
}

/**
 * wrangler dev against a Zendesk stand-in whose account `account` holds `tickets`, with the Zendesk
 * settings pointing there. `stop` stops both and answers the requests the stand-in did not expect.
 */
export async function startWranglerDevWithZendesk(
  account: string,
  tickets: FakeTicket[],
  vars: Record<string, string>,
): Promise<{ dev: DevServer; zendesk: FakeServer; stop(): Promise<FakeServer["unexpected"]> }> {
  const zendesk = await startFakeZendesk();
  try {
    await controlZendesk(zendesk.url, account, "tickets", tickets);
    const dev = await startWranglerDev({
      ZENDESK_BASE_URL: `${zendesk.url}/t/${account}`,
      ZENDESK_EMAIL: "agent@example.com",
      ZENDESK_API_TOKEN: "test-zendesk-token",
      ...vars,
    });
    return {
      dev,
      zendesk,
      async stop() {
        await dev.stop();
        await zendesk.close();
        return zendesk.unexpected;
      },
    };
  } catch (err) {
    await zendesk.close();
    throw err;
  }
}
