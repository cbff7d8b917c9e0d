// `npm run demo -- --source posthog-support`: PostHog Support's stand-in (the PostHog fake of the tests),
// seeded with a handful of tickets, and one ticket pushed to the Worker's hook as a Workflow's webhook
// step sends it (signed per Standard Webhooks). Used by demo.ts.
import { startFakePostHog } from "../test/fakes/posthog";
import { supportTicket } from "../test/fakes/posthog-support";
import type { FakeSupportTicket } from "../test/fakes/types";
import { signWebhook } from "../src/lib/standard-webhooks";

const PROJECT = "4242";
const KEY = "phx_support_key";
const WEBHOOK_SECRET = `whsec_${Buffer.from("hedgehog-csat demo webhook key!!").toString("base64")}`;
const DAY_MS = 86_400_000;

/** A resolved ticket, last changed `daysAgo` days ago. */
function resolved(number: number, daysAgo: number, fields: Partial<FakeSupportTicket>): FakeSupportTicket {
  const at = new Date(Date.now() - daysAgo * DAY_MS).toISOString();
  const id = `0193a1c2-0000-7000-8000-${String(number).padStart(12, "0")}`;
  return supportTicket({ id, ticket_number: number, status: "resolved", created_at: at, updated_at: at, ...fields });
}

/** Three surveys to send, one ticket resolved too recently, one from a Slack thread, one spam. */
export const SUPPORT_TICKETS: FakeSupportTicket[] = [
  resolved(311, 2, { channel_source: "email", distinct_id: "ph-ada", email_from: "ada@example.org" }),
  resolved(312, 3, {
    channel_source: "widget",
    distinct_id: "ph-grace",
    anonymous_traits: { name: "Grace Hopper", email: "grace@example.net" },
  }),
  resolved(313, 1.5, {
    channel_source: "email",
    distinct_id: "katherine@example.com",
    email_from: "katherine@example.com",
  }),
  resolved(314, 0.3, { channel_source: "email", distinct_id: "ph-alan", email_from: "alan@example.org" }),
  resolved(315, 2, { channel_source: "slack", distinct_id: "ph-sam", email_from: "sam@example.com" }),
  resolved(316, 2, {
    channel_source: "email",
    distinct_id: "ph-prize",
    email_from: "winner@example.biz",
    tags: ["spam"],
  }),
];

export async function startPostHogSupportDemo() {
  const posthog = await startFakePostHog();
  await fetch(`${posthog.url}/__fake/posthog-support/${PROJECT}/tickets`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(SUPPORT_TICKETS),
  });
  return {
    close: () => posthog.close(),
    vars: {
      TICKET_SOURCES: "posthog-support",
      POSTHOG_APP_HOST: posthog.url,
      POSTHOG_PROJECT_ID: PROJECT,
      POSTHOG_PERSONAL_API_KEY: KEY,
      POSTHOG_SUPPORT_WEBHOOK_SECRET: WEBHOOK_SECRET,
    },
    /** The first ticket's resolution, posted to the hook as PostHog's Workflow webhook step does. */
    async push(base: string): Promise<number> {
      const t = SUPPORT_TICKETS[0]!;
      const event = {
        uuid: crypto.randomUUID(),
        event: "$conversation_ticket_status_changed",
        distinct_id: "agent-1",
        timestamp: t.updated_at,
        properties: {
          ticket_id: t.id,
          ticket_number: t.ticket_number,
          channel_source: t.channel_source,
          priority: t.priority,
          old_status: "open",
          new_status: "resolved",
          customer_name: "Ada Lovelace",
          customer_email: t.email_from,
          customer_distinct_id: t.distinct_id,
        },
      };
      const body = JSON.stringify({ event, person: { properties: {} } });
      const id = `msg_${crypto.randomUUID()}`;
      const timestamp = Math.floor(Date.now() / 1000);
      const res = await fetch(`${base}/hooks/posthog-support`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "webhook-id": id,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": await signWebhook(WEBHOOK_SECRET, id, timestamp, body),
        },
        body,
      });
      return res.status;
    },
  };
}
