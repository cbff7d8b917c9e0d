// A PostHog project of a test's own on the PostHog fake's Support API, its tickets, and a Workflow
// that posts webhooks signed as PostHog signs them (Standard Webhooks).
import { inject } from "vitest";
import type { Env } from "../../../src/env";
import type { FakeSupportTicket, PacingStats, RecordedRequest } from "../../fakes/types";
import { dispatchAccount } from "./dispatch";
import { BASE, call } from "./worker";

/** A Standard Webhooks secret: `whsec_` and the base64 of the key's bytes. */
export const WEBHOOK_SECRET = `whsec_${btoa("hedgehog-csat test webhook key 32b")}`;

const DAY = 86_400_000;
export const daysAgoIso = (days: number, from = Date.now()) => new Date(from - days * DAY).toISOString();

let nextNumber = 1000 + Math.floor(Math.random() * 1000);
/** A resolved PostHog Support ticket on the email channel, last updated `updatedDaysAgo` days ago. */
export function resolvedTicket(updatedDaysAgo: number, overrides: Partial<FakeSupportTicket> = {}): FakeSupportTicket {
  const number = nextNumber++;
  const id = crypto.randomUUID();
  return {
    id,
    ticket_number: number,
    status: "resolved",
    channel_source: "email",
    distinct_id: `person-${number}`,
    email_from: `customer${number}@example.org`,
    email_subject: "Help with my dashboard",
    priority: "medium",
    tags: [],
    created_at: daysAgoIso(updatedDaysAgo + 1),
    updated_at: daysAgoIso(updatedDaysAgo),
    person: {
      id: crypto.randomUUID(),
      name: `Customer ${number}`,
      distinct_ids: [`person-${number}`],
      properties: { email: `customer${number}@example.org` },
      created_at: daysAgoIso(100),
      is_identified: true,
    },
    ...overrides,
  };
}

/** PostHog's `$conversation_ticket_status_changed` event for a ticket (events.py capture_ticket_status_changed). */
export function statusChangedEvent(
  t: FakeSupportTicket,
  change: { from?: string; to?: string; at?: string } = {},
): Record<string, unknown> {
  const email = String(t.email_from ?? "");
  return {
    uuid: crypto.randomUUID(),
    event: "$conversation_ticket_status_changed",
    distinct_id: "agent-42",
    timestamp: change.at ?? new Date().toISOString(),
    elements_chain: "",
    url: `${inject("posthogUrl")}/project/1/events`,
    properties: {
      ticket_id: t.id,
      ticket_number: t.ticket_number,
      channel_source: t.channel_source,
      channel_detail: null,
      status: change.to ?? "resolved",
      priority: t.priority ?? null,
      old_status: change.from ?? "open",
      new_status: change.to ?? "resolved",
      actor_type: "user",
      actor_id: 42,
      actor_email: "agent@posthog.com",
      customer_name: "",
      customer_email: email,
      customer_distinct_id: String(t.distinct_id ?? ""),
    },
  };
}

/** The signature a Standard Webhooks sender puts on `<id>.<timestamp>.<body>` (written here on its own, from the spec). */
async function sign(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const raw = Uint8Array.from(atob(secret.replace(/^whsec_/, "")), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`)),
  );
  return `v1,${btoa(String.fromCharCode(...mac))}`;
}

export interface Delivery {
  body?: string;
  id?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  secret?: string;
  signature?: string | null;
}

/** Posts a Workflow's webhook step to the hook: PostHog's default body, signed unless told otherwise. */
export async function deliverWebhook(env: Env, event: Record<string, unknown>, d: Delivery = {}): Promise<Response> {
  const body = d.body ?? JSON.stringify({ event, person: { id: crypto.randomUUID(), properties: {} } });
  const id = d.id ?? `msg_${crypto.randomUUID()}`;
  const timestamp = d.timestamp ?? Math.floor(Date.now() / 1000);
  const signature =
    d.signature === undefined ? await sign(d.secret ?? WEBHOOK_SECRET, id, timestamp, body) : d.signature;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
  };
  if (signature !== null) headers["webhook-signature"] = signature;
  return call(new Request(`${BASE}/hooks/posthog-support`, { method: "POST", headers, body }), env);
}

/** A Resend account and a PostHog project of this test's own, with PostHog Support as the ticket source. */
export async function supportAccount(overrides: Partial<Env> = {}) {
  const projectId = String(10_000 + Math.floor(Math.random() * 1e9));
  const posthogUrl = inject("posthogUrl");
  const account = await dispatchAccount({
    TICKET_SOURCES: "posthog-support",
    POSTHOG_APP_HOST: posthogUrl,
    POSTHOG_PROJECT_ID: projectId,
    POSTHOG_PERSONAL_API_KEY: "phx_support_key",
    POSTHOG_SUPPORT_WEBHOOK_SECRET: WEBHOOK_SECRET,
    ...overrides,
  });
  const control = (what: string, body?: unknown) =>
    fetch(`${posthogUrl}/__fake/posthog-support/${projectId}/${what}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((r) => r.json());
  return {
    ...account,
    projectId,
    seedSupport: (tickets: FakeSupportTicket[]) => control("tickets", tickets),
    supportTickets: () => control("tickets") as Promise<FakeSupportTicket[]>,
    configureSupport: (config: { perMinute?: number; perHour?: number }) => control("config", config),
    supportStats: () => control("stats") as Promise<PacingStats>,
    async supportRequests(): Promise<RecordedRequest[]> {
      const all: RecordedRequest[] = await (await fetch(`${posthogUrl}/__fake/requests`)).json();
      return all.filter((r) => r.path.startsWith(`/api/projects/${projectId}/conversations/`));
    },
  };
}
