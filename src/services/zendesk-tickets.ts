import * as v from "valibot";
import { done, failed, type Outcome } from "./outcome";
import type { PaceRule } from "./pacer";
import { callService, callServiceStreaming, jsonAnswer, type ServiceRequest } from "./request";
import {
  classifyUpdateRefusal,
  generalApiPaceKey,
  exportPageOutcome,
  updatePace,
  type ExportPage,
  type ZendeskAccess,
  type ZendeskDeps,
} from "./zendesk";

/**
 * Zendesk's general API limit: 200 requests a minute on the smallest plan (Team; up to 700 on
 * Enterprise), per account (developer.zendesk.com, "Rate limits"). Single-ticket reads are paced
 * to it, with room left for other integrations. Ticket updates count against the same limit, so a
 * 429 on either holds off both (the export has a limit of its own).
 */
export function apiPace(access: ZendeskAccess): PaceRule {
  return {
    key: generalApiPaceKey(access),
    limit: 100,
    windowMs: 61_000,
    alsoHolds: [updatePace(access).key],
  };
}

/** A read from Zendesk's general API, paced to its limit. */
function apiRead(access: ZendeskAccess, pathAndQuery: string, deps: ZendeskDeps & { maxWaitMs: number }) {
  return {
    service: "Zendesk",
    url: `${access.baseUrl}${pathAndQuery}`,
    headers: { authorization: access.authorization, accept: "application/json" },
    timeoutMs: 10_000,
    fetcher: deps.fetcher,
    pace: { db: deps.db, rule: apiPace(access), maxWaitMs: deps.maxWaitMs, sleep: deps.sleep },
    unspecifiedWaitMs: 60_000,
  } satisfies ServiceRequest;
}

/**
 * Reads tickets by id with the same sideloads the export carries (`show_many` with
 * `include=users,groups,metric_sets`), so they parse exactly like an export page. A ticket Zendesk
 * does not have is simply missing from the answer.
 */
export async function fetchTickets(
  access: ZendeskAccess,
  ticketIds: number[],
  deps: ZendeskDeps & { maxWaitMs: number },
): Promise<Outcome<ExportPage>> {
  const q = new URLSearchParams({ ids: ticketIds.join(","), include: "users,groups,metric_sets" });
  return callServiceStreaming(apiRead(access, `/api/v2/tickets/show_many.json?${q}`, deps), (body, response) =>
    exportPageOutcome(body, response, "Zendesk's tickets answer", { streamEnds: true }),
  );
}

/**
 * Whether the ticket has an internal note containing `marker`, among its newest 100 comments
 * (`GET /api/v2/tickets/{id}/comments.json?sort_order=desc`, developer.zendesk.com "Ticket
 * Comments"): read before posting again a note whose last attempt may have been posted.
 */
export async function hasInternalNote(
  access: ZendeskAccess,
  ticketId: number,
  marker: string,
  deps: ZendeskDeps & { maxWaitMs: number },
): Promise<Outcome<boolean>> {
  const result = await callService(
    apiRead(access, `/api/v2/tickets/${ticketId}/comments.json?sort_order=desc&per_page=100`, deps),
  );
  if (result.kind !== "done") return result;
  const page = jsonAnswer(
    result.value.text,
    v.looseObject({ comments: v.array(v.looseObject({ body: v.string(), public: v.boolean() })) }),
  );
  if (!page) return failed("Zendesk's comments answer did not have the documented shape", { code: "malformed" });
  return done(page.comments.some((c) => !c.public && c.body.includes(marker)));
}

/**
 * Writes a rating onto a ticket: the CSAT ticket field, and a `csat_<rating>` tag in place of any
 * other `csat_*` tag (`additional_tags` / `remove_tags` change the tag list without replacing it;
 * developer.zendesk.com "Tickets", update ticket). A closed ticket fails with code `closed`.
 */
export async function writeTicketRating(
  access: ZendeskAccess,
  ticket: { ticketId: number; rating: number; fieldId: number },
  deps: ZendeskDeps,
): Promise<Outcome<null>> {
  const others = [1, 2, 3, 4, 5].filter((r) => r !== ticket.rating).map((r) => `csat_${r}`);
  const result = await callService({
    service: "Zendesk",
    url: `${access.baseUrl}/api/v2/tickets/${ticket.ticketId}.json`,
    method: "PUT",
    headers: { authorization: access.authorization, accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify({
      ticket: {
        custom_fields: [{ id: ticket.fieldId, value: ticket.rating }],
        additional_tags: [`csat_${ticket.rating}`],
        remove_tags: others,
      },
    }),
    timeoutMs: 30_000,
    fetcher: deps.fetcher,
    pace: { db: deps.db, rule: updatePace(access), maxWaitMs: 20_000, sleep: deps.sleep },
    classify: classifyUpdateRefusal,
  });
  return result.kind === "done" ? done(null) : result;
}
