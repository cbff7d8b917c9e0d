import * as v from "valibot";
import { callService, jsonAnswer } from "./request";

const BulkDeleteAnswer = v.object({
  persons_found: v.optional(v.number()),
  persons_deleted: v.optional(v.number()),
});

/**
 * Asks PostHog to delete people and their events (`POST /api/projects/:id/persons/bulk_delete/`,
 * personal API key with `person:write`, at most 1,000 distinct ids a call). PostHog deletes events
 * in a weekly batch, so this is a request, answered 202.
 */
export async function deletePostHogPersons(
  target: { appHost: string; projectId: string; personalApiKey: string },
  distinctIds: string[],
  fetcher: typeof fetch,
): Promise<string> {
  if (distinctIds.length === 0) return "no PostHog person to delete";
  const result = await callService({
    service: "PostHog",
    url: `${target.appHost}/api/projects/${target.projectId}/persons/bulk_delete/`,
    method: "POST",
    headers: { authorization: `Bearer ${target.personalApiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ distinct_ids: distinctIds.slice(0, 1000), delete_events: true }),
    timeoutMs: 15_000,
    fetcher,
  });
  if (result.kind !== "done") return `${result.reason}; ask again later`;
  const found = jsonAnswer(result.value.text, BulkDeleteAnswer)?.persons_found;
  return `PostHog deletion requested${found !== undefined ? ` (${found} found)` : ""}; its events go in PostHog's next weekly deletion run`;
}
