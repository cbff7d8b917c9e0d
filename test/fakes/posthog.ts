import { startFake, type FakeServer, type RecordedRequest } from "./fake-server";

/**
 * PostHog's capture API as posthog-node uses it: a gzipped `POST /batch/` with
 * `{api_key, batch: [...], sent_at}`. Answers like PostHog's capture service: 200 `{"status":"Ok"}`,
 * 400 for a malformed body, 401 without an api key.
 */
export function startFakePostHog(port = 0): Promise<FakeServer> {
  return startFake(
    "posthog",
    (req: RecordedRequest) => {
      if (req.method !== "POST" || req.path !== "/batch/") return undefined;
      const body = req.body as { api_key?: unknown; batch?: unknown } | string;
      if (typeof body !== "object" || body === null || !Array.isArray(body.batch) || body.batch.length === 0) {
        return {
          status: 400,
          body: { type: "validation_error", code: "invalid_payload", detail: "Malformed request data" },
        };
      }
      if (typeof body.api_key !== "string" || body.api_key === "") {
        return { status: 401, body: { type: "authentication_error", code: "ingest_key_required" } };
      }
      for (const event of body.batch as Record<string, unknown>[]) {
        if (
          typeof event.event !== "string" ||
          typeof event.distinct_id !== "string" ||
          typeof event.uuid !== "string"
        ) {
          return { status: 400, body: { type: "validation_error", code: "invalid_event" } };
        }
      }
      return { status: 200, body: { status: "Ok" } };
    },
    port,
  );
}
