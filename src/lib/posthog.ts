import { PostHog } from "posthog-node";

export interface PostHogTarget {
  apiKey: string;
  host: string;
  fetch?: typeof fetch;
}

export interface CaptureMessage {
  distinctId: string;
  event: string;
  properties: Record<string, unknown>;
  timestamp: Date;
  uuid: string;
}

/** PostHog's batch endpoint takes up to this many events in one request (posthog-node's batch size). */
export const CAPTURE_BATCH_SIZE = 100;

/**
 * Sends up to 100 events to PostHog's capture API through posthog-node, as one gzipped `POST
 * /batch/`, and says whether PostHog accepted them (null) or why not. posthog-node would retry on its
 * own for seconds; we retry from D1 instead, so one quick attempt here.
 */
export async function captureToPostHog(
  target: PostHogTarget,
  messages: CaptureMessage | CaptureMessage[],
): Promise<string | null> {
  const events = Array.isArray(messages) ? messages : [messages];
  if (events.length === 0) return null;
  if (events.length > CAPTURE_BATCH_SIZE) throw new Error(`at most ${CAPTURE_BATCH_SIZE} events per request`);
  const client = new PostHog(target.apiKey, {
    host: target.host,
    // Nothing leaves until flush(): all the events go in one request.
    flushAt: CAPTURE_BATCH_SIZE + 1,
    flushInterval: 0,
    maxBatchSize: CAPTURE_BATCH_SIZE,
    fetchRetryCount: 0,
    requestTimeout: 10_000,
    ...(target.fetch ? { fetch: target.fetch as never } : {}),
  });
  let failure: string | null = null;
  client.on("error", (err: unknown) => {
    failure ??= err instanceof Error ? err.message : String(err);
  });
  for (const e of events) {
    client.capture({
      distinctId: e.distinctId,
      event: e.event,
      properties: e.properties,
      timestamp: e.timestamp,
      uuid: e.uuid,
    });
  }
  try {
    await client.flush();
  } catch (err) {
    failure ??= err instanceof Error ? err.message : String(err);
  }
  await client.shutdown(1_000).catch(() => undefined);
  return failure;
}
