import { startFake, type FakeServer } from "./fake-server";

/**
 * Slack incoming webhooks: `POST /services/T…/B…/…` with a JSON `{text}` answers 200 `ok`;
 * a malformed body `400 invalid_payload`, as Slack does.
 */
export function startFakeSlack(port = 0): Promise<FakeServer> {
  return startFake(
    "slack",
    (req) => {
      if (req.method !== "POST" || !/^(\/t\/[\w-]+)?\/services\/T\w+\/B\w+\/\w+$/.test(req.path)) return undefined;
      const body = req.body as { text?: unknown };
      if (
        !req.headers["content-type"]?.includes("application/json") ||
        typeof body !== "object" ||
        typeof body?.text !== "string"
      ) {
        return { status: 400, body: "invalid_payload" };
      }
      return { status: 200, body: "ok" };
    },
    port,
  );
}
