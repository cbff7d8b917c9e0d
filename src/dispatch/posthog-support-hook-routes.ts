import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import * as v from "valibot";
import type { AppEnv } from "../app-env";
import { settingsOf } from "../config";
import { verifyWebhook } from "../lib/standard-webhooks";
import { deliveryTaken, saveSeenTickets } from "./posthog-support-store";

export const postHogSupportHookRoutes = new Hono<AppEnv>();

/** A Workflow's default webhook body is the event and the person; a person's properties are small. */
const MAX_BODY_BYTES = 256 * 1024;
const STATUS_CHANGED = "$conversation_ticket_status_changed";

const text = v.nullish(v.string());
/**
 * PostHog's default webhook body, `{"event": "{event}", "person": "{person}"}`: the event object
 * (uuid, event, distinct_id, properties, timestamp). The status-changed event's properties
 * (products/conversations/backend/events.py capture_ticket_status_changed): ticket_id, ticket_number,
 * channel_source, status, priority, old_status, new_status, customer_name, customer_email,
 * customer_distinct_id. Its distinct_id is the agent's when an agent changed the status, so the
 * customer is read from the properties.
 */
const WorkflowBody = v.object({
  event: v.looseObject(
    {
      uuid: v.optional(v.string()),
      event: v.string("the body's event has no name"),
      timestamp: v.pipe(
        v.string("the event has no timestamp"),
        v.isoTimestamp("the event's timestamp is not ISO 8601"),
      ),
      properties: v.looseObject({}, "the event has no properties"),
    },
    "the body has no event object (the webhook step's body must be PostHog's default)",
  ),
  person: v.optional(v.unknown()),
});

const StatusChange = v.looseObject({
  new_status: v.string(),
  ticket_id: v.pipe(v.string("the event has no ticket_id"), v.uuid("the event's ticket_id is not a uuid")),
  ticket_number: v.pipe(v.number("the event has no ticket_number"), v.integer()),
  priority: text,
  channel_source: text,
  customer_name: text,
  customer_email: text,
  customer_distinct_id: text,
});

const nonEmpty = (value: string | null | undefined) => (value && value.trim() !== "" ? value.trim() : null);

/**
 * A PostHog Workflow's webhook step on `$conversation_ticket_status_changed`. Verified per Standard
 * Webhooks against POSTHOG_SUPPORT_WEBHOOK_SECRET (401 forged or unsigned, 400 late or malformed); a
 * delivery is taken once by its webhook-id (retries keep it); another event or status is answered 202
 * and ignored. A resolved ticket is recorded resolved at the event's timestamp; it is surveyed once
 * due, after a check through PostHog's list that it is still resolved.
 */
postHogSupportHookRoutes.post(
  "/hooks/posthog-support",
  bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: "the body is larger than 256 KB" }, 413) }),
  async (c) => {
    const settings = settingsOf(c.env);
    const secret = settings.posthogSupport.webhookSecret;
    if (!secret || !settings.ticketSources.includes("posthog-support"))
      return c.json(
        { error: "PostHog Support webhooks are not set up here (POSTHOG_SUPPORT_WEBHOOK_SECRET, TICKET_SOURCES)" },
        404,
      );
    const body = await c.req.text();
    const now = Date.now();
    const check = await verifyWebhook(
      {
        id: c.req.header("webhook-id"),
        timestamp: c.req.header("webhook-timestamp"),
        signature: c.req.header("webhook-signature"),
      },
      body,
      secret,
      now,
    );
    if (!check.ok) return c.json({ error: check.reason }, check.status);
    if (await deliveryTaken(c.env.DB, check.id)) return c.json({ ok: true, duplicate: true }, 200);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return c.json({ error: "the body is not JSON" }, 400);
    }
    const parsed = v.safeParse(WorkflowBody, json);
    if (!parsed.success) return c.json({ error: parsed.issues[0].message }, 400);
    const { event } = parsed.output;
    if (event.event !== STATUS_CHANGED)
      return c.json({ ignored: `event ${event.event} is not ${STATUS_CHANGED}` }, 202);
    const change = v.safeParse(StatusChange, event.properties);
    if (!change.success) return c.json({ error: change.issues[0].message }, 400);
    const p = change.output;
    if (p.new_status !== "resolved") return c.json({ ignored: `status ${p.new_status} is not resolved` }, 202);
    const resolvedAt = Date.parse(event.timestamp);
    const email = nonEmpty(p.customer_email);
    await saveSeenTickets(
      c.env.DB,
      [
        {
          ref: {
            uuid: p.ticket_id.toLowerCase(),
            number: p.ticket_number,
            priority: p.priority ?? null,
            slaDueAt: null,
          },
          ticket: {
            source: "posthog-support",
            status: "resolved",
            solvedAt: resolvedAt,
            tags: [],
            role: "end-user",
            email,
            name: nonEmpty(p.customer_name),
            externalId: nonEmpty(p.customer_distinct_id) ?? email,
            requesterId: null,
            groupName: null,
            channel: p.channel_source ?? null,
          },
          seenVersion: resolvedAt,
        },
      ],
      "webhook",
      { now, fingerprintKey: settings.addressFingerprintKey, delivery: { webhookId: check.id, outcome: `resolved ${p.ticket_id}` } },
    );
    return c.json({ ok: true, ticket: p.ticket_id, resolvedAt: new Date(resolvedAt).toISOString() }, 200);
  },
);
