import * as v from "valibot";

/** Everything that travels through the DISPATCH queue. Validated on the way out of the queue. */
export const QueueMessageSchema = v.variant("kind", [
  v.object({ kind: v.literal("survey-email"), ticketId: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
  v.object({
    kind: v.literal("low-rating"),
    ticketId: v.pipe(v.number(), v.integer(), v.minValue(1)),
    version: v.pipe(v.number(), v.integer(), v.minValue(1)),
  }),
]);

export type QueueMessage = v.InferOutput<typeof QueueMessageSchema>;
