import * as v from "valibot";

/** Everything that travels through the DISPATCH queue. Validated on the way out of the queue. */
export const QueueMessageSchema = v.variant("kind", [
  // Up to 100 claimed tickets: what one provider request can carry.
  v.object({
    kind: v.literal("survey-email"),
    ticketIds: v.pipe(v.array(v.pipe(v.number(), v.integer(), v.minValue(1))), v.minLength(1), v.maxLength(100)),
  }),
  // An answer's rating to write onto its Zendesk ticket (the latest answer is written).
  v.object({
    kind: v.literal("ticket-rating"),
    ticketId: v.pipe(v.number(), v.integer(), v.minValue(1)),
  }),
  // A stored answer's first delivery to PostHog, queued by the request that stored it.
  v.object({
    kind: v.literal("posthog-answer"),
    ticketId: v.pipe(v.number(), v.integer(), v.minValue(1)),
  }),
  // A first view of a ticket's survey, for `survey shown`, queued the same way.
  v.object({
    kind: v.literal("posthog-shown"),
    ticketId: v.pipe(v.number(), v.integer(), v.minValue(1)),
    distinctId: v.pipe(v.string(), v.minLength(1)),
    team: v.string(),
    shownAt: v.pipe(v.number(), v.integer()),
  }),
  v.object({
    kind: v.literal("low-rating"),
    ticketId: v.pipe(v.number(), v.integer(), v.minValue(1)),
    version: v.pipe(v.number(), v.integer(), v.minValue(1)),
  }),
]);

export type QueueMessage = v.InferOutput<typeof QueueMessageSchema>;
