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

/**
 * Sends events to PostHog's capture API through posthog-node and says whether PostHog accepted
 * them. posthog-node reports failures on its `error` event rather than by throwing, and it would
 * retry on its own for seconds: we retry from D1 instead, so one quick attempt here.
 */
export async function captureToPostHog(target: PostHogTarget, message: CaptureMessage): Promise<string | null> {
  const client = new PostHog(target.apiKey, {
    host: target.host,
    flushAt: 1,
    flushInterval: 0,
    fetchRetryCount: 0,
    requestTimeout: 10_000,
    ...(target.fetch ? { fetch: target.fetch as never } : {}),
  });
  let failure: string | null = null;
  client.on("error", (err: unknown) => {
    failure = err instanceof Error ? err.message : String(err);
  });
  await client.captureImmediate({
    distinctId: message.distinctId,
    event: message.event,
    properties: message.properties,
    timestamp: message.timestamp,
    uuid: message.uuid,
  });
  await client.shutdown(1_000);
  return failure;
}
