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
      // The private API's person deletion, as the admin erasure uses it.
      const bulkDelete = /^\/api\/projects\/(\d+)\/persons\/bulk_delete\/$/.exec(req.path);
      if (req.method === "POST" && bulkDelete) {
        if (req.headers.authorization !== "Bearer phx_test_personal_key") {
          return { status: 401, body: { type: "authentication_error", code: "authentication_failed" } };
        }
        const body = req.body as { distinct_ids?: unknown; ids?: unknown };
        if (!Array.isArray(body?.distinct_ids) || body.ids !== undefined || body.distinct_ids.length > 1000) {
          return {
            status: 400,
            body: { type: "validation_error", detail: "Provide distinct_ids or ids, not both, at most 1000." },
          };
        }
        return {
          status: 202,
          body: {
            persons_found: body.distinct_ids.length,
            persons_deleted: body.distinct_ids.length,
            events_queued_for_deletion: true,
            recordings_queued_for_deletion: false,
            deletion_errors: [],
          },
        };
      }
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
