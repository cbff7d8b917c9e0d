import type { FollowupDelivery, FollowupDeps } from "../followups/owed";
import {
  loadFollowup,
  retryWaitMs,
  settleFollowup,
  type Followup,
  type FollowupOutcome,
} from "../followups/outbox-store";
import { queueDelaySeconds } from "../services/backoff";
import { writeTicketRating } from "../services/zendesk-tickets";
import { zendeskAccess } from "../services/zendesk";
import { sourceOfKey } from "../lib/ticket-keys";
import type { Outcome } from "../services/outcome";
import { currentAnswer } from "./alerts-store";
import { tagPostHogTicket } from "./posthog-ticket-rating";

type Deps = FollowupDeps;

/** Writes one row's rating onto its ticket: what the row comes to. */
async function writeBack(row: Followup, deps: Deps): Promise<FollowupOutcome> {
  const { db, settings } = deps;
  const answer = await currentAnswer(db, row.ticketId);
  if (!answer) return { status: "skipped", detail: "the answer is gone" };
  // Each edit has its own row: the latest answer's row writes the latest rating.
  if (answer.version > row.version) return { status: "skipped", detail: `superseded by version ${answer.version}` };
  if (sourceOfKey(row.ticketId) === "posthog-support")
    return outcomeOf(row, await tagPostHogTicket(row.ticketId, answer.rating, deps));
  const access = zendeskAccess(settings.zendesk);
  if (!access || settings.csatFieldId === undefined)
    return { status: "skipped", detail: "Zendesk or ZENDESK_CSAT_FIELD_ID is not set" };
  const outcome = await writeTicketRating(
    access,
    { ticketId: row.ticketId, rating: answer.rating, fieldId: settings.csatFieldId },
    deps,
  );
  return outcomeOf(row, outcome);
}

/** What a write's outcome comes to for the row. */
function outcomeOf(row: Followup, outcome: Outcome<null>): FollowupOutcome {
  if (outcome.kind === "done") return { status: "done", detail: null };
  if (outcome.kind === "retry")
    return { status: "retry", waitMs: retryWaitMs(row.attempts, outcome.afterMs), detail: outcome.reason };
  if (outcome.code === "closed") return { status: "skipped", detail: `ticket is closed: ${outcome.reason}` };
  return { status: "failed", detail: outcome.reason };
}

/**
 * Drains the outbox's write-back rows: each answer's rating into the ticket's CSAT field with a
 * `csat_<rating>` tag, paced to Zendesk's ticket-update limits. The latest answer is what is
 * written, so a message for an older edit, or one delivered again, writes nothing twice. A closed
 * ticket (Zendesk's 422, told apart by its body) is recorded as skipped and never retried; 429s and
 * outages wait.
 */
export async function consumeTicketRatings(
  messages: FollowupDelivery[],
  deps: Deps,
): Promise<{ written: number; skipped: number; failed: number; retried: number }> {
  const { db } = deps;
  const report = { written: 0, skipped: 0, failed: 0, retried: 0 };
  for (const m of messages) {
    const key = { ticketId: m.ticketId, version: m.version, kind: "ticket-rating" } as const;
    const row = await loadFollowup(db, key);
    if (row?.status !== "pending") {
      m.ack();
      continue;
    }
    const outcome = await writeBack(row, deps);
    await settleFollowup(db, key, outcome, Date.now()).run();
    if (outcome.status === "retry") {
      report.retried++;
      m.retry({ delaySeconds: queueDelaySeconds(outcome.waitMs) });
      continue;
    }
    report[outcome.status === "done" ? "written" : outcome.status === "skipped" ? "skipped" : "failed"]++;
    m.ack();
  }
  return report;
}
