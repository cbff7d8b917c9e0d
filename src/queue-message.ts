import * as v from "valibot";
import { FollowupMessageSchema } from "./followups/owed";

/**
 * A ticket's key: a Zendesk ticket's own id (positive), a PostHog Support ticket's key (negative,
 * migrations/0017_posthog_support.sql); never 0.
 */
export const TicketKeySchema = v.pipe(
  v.number(),
  v.integer(),
  v.check((n) => n !== 0, "a ticket key is never 0"),
);

/** Everything that travels through the DISPATCH queue. Validated on the way out of the queue. */
export const QueueMessageSchema = v.variant("kind", [
  // Up to 100 claimed tickets: what one provider request can carry.
  v.object({
    kind: v.literal("survey-email"),
    ticketIds: v.pipe(v.array(TicketKeySchema), v.minLength(1), v.maxLength(100)),
  }),
  // Up to 100 claimed reminders, sent through the same steps as the survey emails.
  v.object({
    kind: v.literal("survey-reminder"),
    ticketIds: v.pipe(v.array(TicketKeySchema), v.minLength(1), v.maxLength(100)),
  }),
  // A stored answer's first delivery to PostHog, queued by the request that stored it.
  v.object({
    kind: v.literal("posthog-answer"),
    ticketId: TicketKeySchema,
  }),
  // A stored first view's first delivery to PostHog as `survey shown`, queued the same way.
  v.object({
    kind: v.literal("posthog-shown"),
    ticketId: TicketKeySchema,
  }),
  // One row of the answers' outbox to drain: a low-rating alert, or a rating to write onto its ticket.
  FollowupMessageSchema,
]);

export type QueueMessage = v.InferOutput<typeof QueueMessageSchema>;
