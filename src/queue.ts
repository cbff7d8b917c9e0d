import * as v from "valibot";
import type { Env } from "./env";
import { QueueMessageSchema, type QueueMessage } from "./queue-message";

/** Validates each message; malformed ones are acked (retrying cannot fix them) and logged. */
export async function consumeQueue(batch: MessageBatch<QueueMessage>, _env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = v.safeParse(QueueMessageSchema, message.body);
    if (!parsed.success) {
      console.error(`queue: dropping malformed message ${message.id}: ${parsed.issues[0].message}`);
      message.ack();
      continue;
    }
    console.warn(`queue: no consumer for ${parsed.output.kind} yet; acking ${message.id}`);
    message.ack();
  }
}
