// The Worker's memory while a job runs, read from workerd's V8 inspector (Miniflare's `inspectorPort`):
// `Runtime.getHeapUsage` samples the isolate's JavaScript heap, which is what Cloudflare's 128 MB
// per-isolate limit counts (with ArrayBuffers, which the stream reader holds only a chunk of at a time).
// The inspector answers between the Worker's tasks; the sync awaits every chunk of a page, so
// samples fall throughout it.
import WebSocket from "ws";

export interface HeapWatch {
  /** The largest heap seen since start (bytes), and the sample count. */
  stop(): Promise<{ peakBytes: number; baselineBytes: number; samples: number }>;
}

async function inspectorTarget(port: number): Promise<string> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Array<{
    webSocketDebuggerUrl?: string;
    title?: string;
  }>;
  // Miniflare's own entry Worker is listed too; the product is the one that is not Miniflare's.
  const target = targets.find((t) => t.webSocketDebuggerUrl && !t.title?.includes("miniflare")) ?? targets[0];
  if (!target?.webSocketDebuggerUrl) throw new Error(`no inspector target on port ${port}`);
  return target.webSocketDebuggerUrl;
}

export async function watchHeap(port: number, everyMs = 5): Promise<HeapWatch> {
  const socket = new WebSocket(await inspectorTarget(port));
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  let nextId = 1;
  const waiting = new Map<number, (used: number) => void>();
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: { usedSize?: number } };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result?.usedSize ?? 0);
  });
  const usedHeap = () =>
    new Promise<number>((resolve) => {
      const id = nextId++;
      waiting.set(id, (used) => {
        waiting.delete(id);
        resolve(used);
      });
      socket.send(JSON.stringify({ id, method: "Runtime.getHeapUsage" }));
    });
  const baselineBytes = await usedHeap();
  let peakBytes = baselineBytes;
  let samples = 1;
  let running = true;
  const loop = (async () => {
    while (running) {
      peakBytes = Math.max(peakBytes, await usedHeap());
      samples++;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      socket.close();
      return { peakBytes, baselineBytes, samples };
    },
  };
}
