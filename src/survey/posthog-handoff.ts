import type { Settings } from "../config";
import type { QueueMessage } from "../queue-message";

export interface HandoffContext {
  settings: Settings;
  db: D1Database;
  queue: Queue<QueueMessage>;
}

/** A first view of a ticket's survey, for `survey shown`. */
export interface SurveyView {
  ticketId: number;
  distinctId: string;
  team: string;
  shownAt: number;
}

/** Where a customer request's PostHog work goes once the customer has been answered (its `waitUntil`). */
export interface PostHogHandoff {
  /** A stored answer, to deliver now (the cron retries whatever this attempt leaves pending). */
  answer(ctx: HandoffContext, ticketId: number, now: number): Promise<unknown>;
  shown(ctx: HandoffContext, view: SurveyView): Promise<unknown>;
}

/**
 * Through the Queue, to the app Worker's consumer (src/queue.ts): what a Worker that serves only the
 * customer pages does (src/survey-worker.ts), so it never bundles the delivery code or posthog-node.
 */
const viaQueue: PostHogHandoff = {
  answer: (ctx, ticketId) => ctx.queue.send({ kind: "posthog-answer", ticketId }),
  shown: (ctx, view) => ctx.queue.send({ kind: "posthog-shown", ...view }),
};

let here: PostHogHandoff | undefined;

/** The app Worker delivers in the request itself (src/app.tsx registers how). */
export function deliverPostHogWith(handoff: PostHogHandoff): void {
  here = handoff;
}

/**
 * A Worker that hands the rest of the app to the app Worker (the survey Worker, by its `APP` service
 * binding) hands its PostHog work on too; the app Worker does it itself.
 */
export function postHogHandoff(env: object): PostHogHandoff {
  return "APP" in env || here === undefined ? viaQueue : here;
}
