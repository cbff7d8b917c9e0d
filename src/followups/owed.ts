import * as v from "valibot";
import type { Settings } from "../config";
import { sourceOfKey } from "../lib/ticket-keys";

/**
 * The kinds of follow-up a stored answer can owe: the alerts' look at it (a low rating becomes a
 * note and a Slack message; an edit can withdraw an alert still waiting for its day), and its rating
 * written onto the Zendesk ticket.
 */
export const FOLLOWUP_KINDS = ["low-rating-alert", "ticket-rating"] as const;
export type FollowupKind = (typeof FOLLOWUP_KINDS)[number];

/** An answer about to be stored, as the rule needs it. */
export interface OwingAnswer {
  /** The ticket's key (negative for a PostHog Support ticket): which ticket the rating goes onto. */
  ticketId?: number;
  rating: number;
  /** True for an edit of an earlier answer (the form showed one). */
  edit: boolean;
}

/**
 * What an answer owes: a low answer (1 or 2), and any edit (it may replace a low answer whose alert
 * waits), a look by the alerts; every answer, with `ZENDESK_CSAT_FIELD_ID` and `ZENDESK_BASE_URL`
 * set (for a PostHog Support ticket: with PostHog Support among TICKET_SOURCES), its rating on the ticket. Decided on [vars] alone: whether Zendesk's credentials are there is
 * the consumer's to find when it writes, and it records a skip the team can see (a secret may be put
 * after the answer came). Nine in ten answers are first answers rated well: they owe no alert.
 */
export function followupsOwed(answer: OwingAnswer, settings: Settings): FollowupKind[] {
  const kinds: FollowupKind[] = [];
  if (answer.rating <= 2 || answer.edit) kinds.push("low-rating-alert");
  const onPostHogTicket = answer.ticketId !== undefined && sourceOfKey(answer.ticketId) === "posthog-support";
  if (
    onPostHogTicket
      ? settings.ticketSources.includes("posthog-support")
      : settings.csatFieldId !== undefined && settings.zendesk.baseUrl
  )
    kinds.push("ticket-rating");
  return kinds;
}

const positive = v.pipe(v.number(), v.integer(), v.minValue(1));

/** The Queue message that asks for one outbox row to be drained. */
export const FollowupMessageSchema = v.object({
  kind: v.literal("answer-followup"),
  // A ticket's key: negative for a PostHog Support ticket (migrations/0017_posthog_support.sql).
  ticketId: v.pipe(
    v.number(),
    v.integer(),
    v.check((n) => n !== 0, "a ticket key is never 0"),
  ),
  version: positive,
  followup: v.picklist(FOLLOWUP_KINDS),
});

export type FollowupMessage = v.InferOutput<typeof FollowupMessageSchema>;

/** A follow-up's Queue message as its consumer takes it: the outbox row's key and the Queue's handle. */
export interface FollowupDelivery {
  ticketId: number;
  version: number;
  attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

/** What a follow-up's consumer works with. */
export type FollowupDeps = { db: D1Database; settings: Settings; fetcher: typeof fetch };
