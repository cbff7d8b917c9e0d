// The Worker's memory while a job runs, read from workerd's V8 inspector (Miniflare's `inspectorPort`):
// `Runtime.getHeapUsage` samples the isolate's JavaScript heap, which is what Cloudflare's 128 MB
// per-isolate limit counts (with ArrayBuffers, which the stream reader holds only a chunk of at a time).
// The inspector answers between the Worker's tasks; the sync awaits every chunk of a page, so
// samples fall throughout it.
import WebSocket from "ws";

export interface HeapWatch {
  /**
   * The largest heap seen since start (bytes): `peakBytes` the most in use at a sample, `committedBytes`
   * the most V8 had reserved for the heap, which grows to hold the peak between samples and shrinks
   * only later, so it bounds what the job held even when few samples fall inside it.
   */
  stop(): Promise<{ peakBytes: number; committedBytes: number; baselineBytes: number; samples: number }>;
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
  type Usage = { usedSize: number; totalSize: number };
  const waiting = new Map<number, (usage: Usage) => void>();
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: Partial<Usage> };
    if (message.id !== undefined)
      waiting.get(message.id)?.({ usedSize: message.result?.usedSize ?? 0, totalSize: message.result?.totalSize ?? 0 });
  });
  const heapUsage = () =>
    new Promise<Usage>((resolve) => {
      const id = nextId++;
      waiting.set(id, (usage) => {
        waiting.delete(id);
        resolve(usage);
      });
      socket.send(JSON.stringify({ id, method: "Runtime.getHeapUsage" }));
    });
  const baseline = await heapUsage();
  let peakBytes = baseline.usedSize;
  let committedBytes = baseline.totalSize;
  let samples = 1;
  let running = true;
  const sample = async () => {
    const usage = await heapUsage();
    peakBytes = Math.max(peakBytes, usage.usedSize);
    committedBytes = Math.max(committedBytes, usage.totalSize);
    samples++;
  };
  const loop = (async () => {
    while (running) {
      await sample();
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await sample(); // once more after the job, while the heap it grew is still reserved
      socket.close();
      return { peakBytes, committedBytes, baselineBytes: baseline.usedSize, samples };
    },
  };
}
