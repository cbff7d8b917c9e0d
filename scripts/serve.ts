// Runs `wrangler dev` for `npm run dev` and `npm run demo`: one port and one state folder for the
// migrations and the server alike, a plain sentence for a taken port, no prompt, our own lines printed
// last, and everything it started stopped on Ctrl-C or SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { OFFLINE_ENV } from "./local-env";
import { applyMigrations, openLocalD1 } from "./local-d1";

export interface ServeArgs {
  port: number;
  persistTo: string | undefined;
  /** Everything else on the command line, handed to wrangler dev as given. */
  rest: string[];
  problems: string[];
}

/** Takes `--port N`, `--port=N`, `--persist-to DIR` and `--persist-to=DIR` out of the arguments; PORT is the fallback. */
export function serveArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ServeArgs {
  const found: Record<string, string> = {};
  const problems: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(port|persist-to)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) {
      rest.push(argv[i]!);
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === "" || value.startsWith("--")) problems.push(`--${m[1]} expects a value`);
    else found[m[1]!] = value;
  }
  const portText = found.port ?? env.PORT ?? "8787";
  const port = Number(portText);
  if (!(/^\d{1,5}$/.test(portText) && port >= 1 && port <= 65535))
    problems.push(`the port must be a number from 1 to 65535, not ${JSON.stringify(portText)}`);
  return { port, persistTo: found["persist-to"], rest, problems };
}

/** True when nothing listens on 127.0.0.1:port. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

export async function requireFreePort(port: number, script: string): Promise<void> {
  if (await portIsFree(port)) return;
  console.error(
    `Port ${port} is already in use (another \`npm run ${script}\`?). Stop it, or pick another port: npm run ${script} -- --port ${port + 1}`,
  );
  process.exit(1);
}

/** Brings the local database in the state folder up to date, as wrangler would, without asking. */
export async function migrateLocal(
  persistTo: string | undefined,
  say: (line: string) => void = console.log,
): Promise<void> {
  const local = await openLocalD1(persistTo);
  try {
    const applied = await applyMigrations(local.db);
    if (applied.length > 0) say(`Applied ${applied.join(", ")} to the local database.`);
  } finally {
    await local.close();
  }
}

export interface Wrangler {
  child: ChildProcess;
  /** Resolves once wrangler says it is ready; rejects if it exits first. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts wrangler dev in a process group of its own (wrangler starts workerd, and both must go when
 * we stop), forwarding its output line by line.
 */
export function startWrangler(options: {
  port: number;
  persistTo: string | undefined;
  vars: Record<string, string>;
  rest: string[];
  logLevel?: string;
  /** Where wrangler's lines go (default: ours, as they come). */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
}): Wrangler {
  const args = [
    "dev",
    "--local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(options.port),
    "--show-interactive-dev-session=false",
    // Enables GET /__scheduled?cron=… (the /cdn-cgi/handler/scheduled route fails when static assets are configured).
    "--test-scheduled",
    ...(options.persistTo ? ["--persist-to", options.persistTo] : []),
    ...(options.logLevel ? ["--log-level", options.logLevel] : []),
    ...Object.entries(options.vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ...options.rest,
  ];
  const child = spawn("node_modules/.bin/wrangler", args, {
    env: { ...process.env, ...OFFLINE_ENV },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const onLine = options.onLine ?? ((line, stream) => process[stream].write(`${line}\n`));
  createInterface({ input: child.stdout! }).on("line", (line) => onLine(line, "stdout"));
  createInterface({ input: child.stderr! }).on("line", (line) => onLine(line, "stderr"));
  const ready = waitUntilServing(child, `http://127.0.0.1:${options.port}/`);
  return { child, ready, stop: () => stopGroup(child) };
}

/** Polls the port (wrangler's "Ready on" line is not printed at quieter log levels) until it answers. */
async function waitUntilServing(child: ChildProcess, url: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error("wrangler dev stopped before it was ready");
    const answered = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      async (res) => (await res.body?.cancel(), true),
      () => false,
    );
    if (answered) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("wrangler dev did not start within 90 s");
}

/** SIGTERM to the whole group, SIGKILL after five seconds if anything is left. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // The group is gone already.
    }
  };
  signalGroup("SIGTERM");
  const timer = setTimeout(() => signalGroup("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
  // workerd may outlive wrangler by a moment: make sure nothing of the group keeps the port.
  signalGroup("SIGKILL");
}

/**
 * Ctrl-C and SIGTERM stop everything started (through `cleanups`, last first); if wrangler ends on
 * its own, so do we, with its exit code.
 */
export function stopTogether(wrangler: Wrangler, cleanups: Array<() => Promise<void>> = []): void {
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await wrangler.stop();
    for (const cleanup of [...cleanups].reverse()) await cleanup().catch(() => undefined);
    process.exit(code);
  };
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    // Miniflare (which applied the migrations) leaves handlers that exit at once; wrangler must stop first.
    process.removeAllListeners(signal);
    process.on(signal, () => void stopAll(code));
  }
  wrangler.child.once("exit", (code) => void stopAll(code ?? 1));
}
