import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import type { RecordedRequest, Reply, Route, ScriptedReply } from "./types";

export type { RecordedRequest, Reply, Route, ScriptedReply } from "./types";

/**
 * A loopback HTTP server that plays an outside service. Every request is recorded. Tests steer it
 * through `/__fake/*` (script the next answers, read what arrived, reset), and any request that no
 * route expects is answered 404 and listed under `/__fake/unexpected`, which tests assert is empty.
 */
export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  unexpected: RecordedRequest[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  const isJson = reply.body !== undefined && typeof reply.body !== "string";
  const text = reply.body === undefined ? "" : isJson ? JSON.stringify(reply.body) : String(reply.body);
  res.writeHead(reply.status, {
    "content-type": isJson ? "application/json; charset=utf-8" : "text/plain; charset=utf-8",
    ...reply.headers,
  });
  res.end(text);
}

export async function startFake(
  name: string,
  route: Route,
  port = 0,
  control?: (path: string, req: RecordedRequest) => Reply | undefined,
): Promise<FakeServer> {
  const controlRoute = control;
  const requests: RecordedRequest[] = [];
  const unexpected: RecordedRequest[] = [];
  let script: ScriptedReply[] = [];

  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://fake");
      let raw = await readBody(req);
      if (req.headers["content-encoding"] === "gzip") raw = gunzipSync(raw);
      const rawBody = raw.toString("utf8");
      let body: unknown = rawBody;
      if ((req.headers["content-type"] ?? "").includes("json") && rawBody !== "") {
        try {
          body = JSON.parse(rawBody);
        } catch {
          body = rawBody;
        }
      }
      const recorded: RecordedRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, val]) => [k, String(val)])),
        rawBody,
        body,
        at: Date.now(),
      };

      if (url.pathname.startsWith("/__fake/")) {
        const controlPath = url.pathname.slice("/__fake/".length);
        const control = controlPath;
        if (control === "requests") return send(res, { status: 200, body: requests });
        if (control === "unexpected") return send(res, { status: 200, body: unexpected });
        if (control === "reset") {
          requests.length = 0;
          unexpected.length = 0;
          script = [];
          return send(res, { status: 200, body: { ok: true } });
        }
        if (control === "script") {
          script.push(...(body as ScriptedReply[]));
          return send(res, { status: 200, body: { ok: true } });
        }
        const custom = controlRoute?.(controlPath, recorded);
        if (custom) return send(res, custom);
        return send(res, { status: 404, body: { error: `unknown control ${controlPath}` } });
      }

      requests.push(recorded);
      const scripted = script.find(
        (s) =>
          (s.method === undefined || s.method === recorded.method) &&
          recorded.path.startsWith(s.path) &&
          (s.bodyIncludes === undefined || rawBody.includes(s.bodyIncludes)),
      );
      if (scripted) {
        scripted.times = (scripted.times ?? 1) - 1;
        if (scripted.times <= 0) script.splice(script.indexOf(scripted), 1);
        return send(res, scripted);
      }
      const reply = await route(recorded);
      if (reply) return send(res, reply);
      unexpected.push(recorded);
      console.error(`[fake ${name}] unexpected request ${recorded.method} ${recorded.path}`);
      return send(res, {
        status: 404,
        body: { error: `fake ${name}: no route for ${recorded.method} ${recorded.path}` },
      });
    } catch (err) {
      console.error(`[fake ${name}]`, err);
      send(res, { status: 500, body: { error: String(err) } });
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    requests,
    unexpected,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
