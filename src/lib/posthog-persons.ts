import * as v from "valibot";

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
  let response: Response;
  try {
    response = await fetcher(`${target.appHost}/api/projects/${target.projectId}/persons/bulk_delete/`, {
      method: "POST",
      headers: { authorization: `Bearer ${target.personalApiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ distinct_ids: distinctIds.slice(0, 1000), delete_events: true }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    return `PostHog could not be reached (${String(err)}); ask again later`;
  }
  const body = await response.json().catch(() => undefined);
  if (!response.ok) return `PostHog answered ${response.status}; ask again later`;
  const parsed = v.safeParse(BulkDeleteAnswer, body);
  const found = parsed.success ? parsed.output.persons_found : undefined;
  return `PostHog deletion requested${found !== undefined ? ` (${found} found)` : ""}; its events go in PostHog's next weekly deletion run`;
}
