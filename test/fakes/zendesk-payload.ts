import type { FakeTicket } from "./types";

/**
 * Tickets, users, groups and metric sets as Zendesk serves them: every field of the spec's
 * TicketObject, UserObject (UserForAdmin), GroupObject and TicketMetricObject and of their examples
 * (Zendesk OpenAPI, test/contracts/zendesk.json), at real sizes. What a test seeds (FakeTicket) is
 * kept as given; everything else is made up from the ticket's id with a seeded generator, so the same
 * ticket always looks the same and a run can be repeated.
 */
export interface PayloadOptions {
  /**
   * `real`: every field at real sizes (a page of 1000 tickets is about 7.5 MB). `lean`: the few
   * fields the product reads, for a test about something else that syncs pages of 1000 tickets: the
   * product reads at most 2,000,000 characters of an answer (src/services/request.ts), which a real
   * page of 1000 tickets exceeds (test/worker/contracts.test.ts).
   */
  payload: "real" | "lean";
  /** Every ticket's description exactly this many bytes (ASCII); null: a seeded 1 to 3 KB message. */
  descriptionBytes: number | null;
  /** The share of tickets whose first message carries a pasted log of about 40 KB (0 to 1). */
  longLogShare: number;
}

export const DEFAULT_PAYLOAD: PayloadOptions = { payload: "real", descriptionBytes: null, longLogShare: 1 / 50 };

/** mulberry32, seeded from a ticket id and what is being drawn, so each draw is independent. */
function random(id: number, salt: string): () => number {
  let seed = id >>> 0;
  for (let i = 0; i < salt.length; i++) seed = Math.imul(seed ^ salt.charCodeAt(i), 2654435761) >>> 0;
  return () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;

const SUBJECTS = [
  "Session replay not recording on Safari",
  "Feature flag evaluates differently on the server",
  "Billing: invoice shows events we did not send",
  "Funnel conversion drops to zero after deploy",
  "Can't invite a teammate to the organization",
  "Events from our Android app arrive hours late",
  "HogQL query times out on a 90-day range",
  "Survey widget does not appear on our docs site",
  "Reverse proxy returns 403 for /decide",
  "Data warehouse sync from Postgres fails with SSL error",
];

const SENTENCES = [
  "Hi team, we started seeing this yesterday afternoon and it has not gone away since.",
  "Our setup is posthog-js loaded through our own reverse proxy on a subdomain, with autocapture on.",
  "I have attached a screenshot of the insight and the exact filters we use, in case it helps.",
  "The numbers in the dashboard do not match what our own database says for the same period.",
  "We are on the Scale plan and this is blocking the weekly report for our leadership team.",
  "I tried clearing the cache, a different browser and an incognito window, with the same result.",
  "Our engineers checked the network tab: the request goes out and gets a 200, but nothing shows up.",
  "Could you tell us whether this is a known issue, and if there is a workaround in the meantime?",
  "This worked fine until we upgraded the SDK to the latest version last week.",
  "We have about 40 million events a month, mostly from the web app and some from the mobile apps.",
  "Please let me know if you need the project id or access to our staging environment.",
  "Thanks a lot, and sorry for the long message, I wanted to give you everything up front.",
  "Merci d’avance — the same happens for our colleagues in the Paris office.",
  "For reference, the distinct ids look like 018f2c9e-7b1a-7c3e-9d55-3f0a2b6c1e42 in both places.",
];

const LOG_LEVELS = ["DEBUG", "INFO", "WARN", "ERROR"] as const;
const LOG_MESSAGES = [
  '[PostHog.js] send "$pageview" {uuid: "01933b5e-8a2f-7d10-b3a4-5c6d7e8f9a0b", event: "$pageview"}',
  '[PostHog.js] Flags loaded {"beta-dashboard":true,"new-onboarding":"variant-b","pricing-v3":false}',
  "fetch https://eu.i.posthog.com/e/?ip=1&_=1731489123456&ver=1.187.2 failed: net::ERR_BLOCKED_BY_CLIENT",
  "Uncaught (in promise) TypeError: Cannot read properties of undefined (reading 'persistence')",
  "at PostHogPersistence.register (posthog-js/dist/module.js:1:48213) at PostHog.capture (module.js:1:90211)",
  "[rrweb] Skipping mutation of node 1842: the node was removed before the mutation was processed",
  "worker: batch of 50 events flushed in 312 ms (queue length 0, retries 0, gzip true)",
  "WARN retry 3/10 for /batch/ after 429 Too Many Requests, waiting 4000 ms",
];

/** About `bytes` of log lines as a customer pastes them into their first message. */
function pastedLog(id: number, bytes: number): string {
  const r = random(id, "log");
  const start = Date.UTC(2026, 10, 3, 9, 0, 0);
  const lines: string[] = ["", "Here is the console output from the affected page:", "", "```"];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = `${new Date(start + i * 137).toISOString()} ${pick(r, LOG_LEVELS)} ${pick(r, LOG_MESSAGES)}`;
    lines.push(line);
    size += line.length + 1;
  }
  lines.push("```");
  return lines.join("\n");
}

/** The customer's first message: a seeded 1 to 3 KB (plus a pasted log for some), or exactly `descriptionBytes`. */
function description(id: number, options: PayloadOptions): string {
  const r = random(id, "description");
  if (options.descriptionBytes !== null) {
    const unit = "The events stopped arriving after our deploy; logs and screenshots follow. ";
    return unit.repeat(Math.ceil(options.descriptionBytes / unit.length)).slice(0, options.descriptionBytes);
  }
  const target = 1000 + Math.floor(r() * 2000);
  const parts: string[] = [];
  let size = 0;
  while (size < target) {
    const s = pick(r, SENTENCES);
    parts.push(s);
    size += s.length + 1;
  }
  const text = parts.join(r() < 0.5 ? " " : "\n\n");
  return random(id, "has-log")() < options.longLogShare ? text + "\n" + pastedLog(id, 40_000) : text;
}

/**
 * The ticket form's other fields: twenty, as a team's form has them, most of them unset (Zendesk
 * lists every field of the form, an unset one with value null). Ids far from any a test uses.
 */
const FORM_FIELDS: Array<{ id: number; values: unknown[] }> = Array.from({ length: 20 }, (_, i) => ({
  id: 360_012_345_600 + i,
  values: [
    ["question", "bug_report", "feature_request"],
    ["web", "ios", "android", "server"],
    [true, false],
    ["https://app.posthog.com/project/12345/insights/abCdEf12"],
    [1, 2, 3, 5, 8],
    [["eu_cloud"], ["us_cloud"], ["eu_cloud", "self_hosted"]],
  ][i % 6]!,
}));

function formFields(t: FakeTicket): Array<{ id: number; value: unknown }> {
  const r = random(t.id, "fields");
  const byId = new Map<number, unknown>(
    FORM_FIELDS.map((f) => [f.id, r() < 0.2 ? pick(r, f.values) : null] as [number, unknown]),
  );
  for (const f of t.custom_fields ?? []) byId.set(f.id, f.value);
  return [...byId].map(([id, value]) => ({ id, value }));
}

const seconds = (iso: string) => iso.replace(/\.\d{3}Z$/, "Z");
const later = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();

/** The ticket as GET /api/v2/tickets/{id}.json and the export serve it (TicketObject). */
export function ticketJson(t: FakeTicket, base: string, options: PayloadOptions) {
  const r = random(t.id, "ticket");
  const created = t.created_at ?? t.updated_at;
  const subject = pick(r, SUBJECTS);
  const fields = formFields(t);
  const organization = r() < 0.7 ? 360_000_500_000 + Math.floor(r() * 1000) : null;
  const ccs = r() < 0.15 ? [t.requester.id + 1] : [];
  return {
    url: `${base}/api/v2/tickets/${t.id}.json`,
    id: t.id,
    external_id: null,
    // Zendesk OpenAPI ViaObject (its example); an emailed ticket names the sender and the support address.
    via: {
      channel: "email",
      source: {
        from: { address: t.requester.email ?? null, name: t.requester.name },
        to: { name: "PostHog Support", address: "support@posthoghelp.zendesk.com" },
        rel: null,
      },
    },
    created_at: created,
    updated_at: t.updated_at,
    generated_timestamp: Math.floor(Date.parse(t.updated_at) / 1000),
    type: pick(r, ["question", "incident", "problem", "task", null] as const),
    subject,
    raw_subject: subject,
    description: description(t.id, options),
    priority: pick(r, ["urgent", "high", "normal", "low", null] as const),
    status: t.status,
    recipient: "support@posthoghelp.zendesk.com",
    requester_id: t.requester.id,
    submitter_id: t.requester.id,
    assignee_id: t.assignee?.id ?? null, // developer.zendesk.com "Tickets"
    organization_id: organization,
    group_id: t.group?.id ?? null,
    collaborator_ids: ccs,
    follower_ids: t.assignee && r() < 0.3 ? [t.assignee.id] : [],
    email_cc_ids: ccs,
    problem_id: null,
    has_incidents: false,
    is_public: true,
    due_at: null,
    tags: t.tags ?? [],
    custom_fields: fields,
    // Zendesk OpenAPI TicketObject example: {score, id, comment}; a ticket never offered one says so.
    satisfaction_rating: { score: "unoffered" },
    sharing_agreement_ids: [],
    custom_status_id: 360_000_900_000 + ["new", "open", "pending", "hold", "solved", "closed"].indexOf(t.status),
    fields,
    followup_ids: [],
    ticket_form_id: 360_000_700_001,
    brand_id: 360_000_800_001,
    allow_channelback: false,
    allow_attachments: true,
    from_messaging_channel: false,
    encoded_id: `${t.id.toString(36).toUpperCase()}-${Math.floor(r() * 46656)
      .toString(36)
      .toUpperCase()}`,
    support_type: "agent",
  };
}

/** A user as Zendesk serves it to an admin (UserForAdmin, with its example's fields). */
function userJson(
  u: { id: number; name: string; email: string | null; role: string; external_id: string | null },
  base: string,
  since: string,
) {
  const r = random(u.id, "user");
  const agent = u.role !== "end-user";
  return {
    id: u.id,
    url: `${base}/api/v2/users/${u.id}.json`,
    name: u.name,
    email: u.email,
    created_at: seconds(later(since, -60 * 24 * (30 + Math.floor(r() * 700)))),
    updated_at: seconds(since),
    time_zone: pick(r, ["London", "Copenhagen", "Eastern Time (US & Canada)", "Pacific Time (US & Canada)"]),
    iana_time_zone: pick(r, ["Europe/London", "Europe/Copenhagen", "America/New_York", "America/Los_Angeles"]),
    phone: null,
    shared_phone_number: null,
    photo: null,
    locale_id: 1,
    locale: "en-US",
    organization_id: agent ? null : 360_000_500_000 + Math.floor(r() * 1000),
    role: u.role,
    verified: true,
    external_id: u.external_id,
    tags: [],
    alias: "",
    active: true,
    shared: false,
    shared_agent: false,
    last_login_at: r() < 0.6 ? seconds(since) : null,
    two_factor_auth_enabled: agent ? true : null,
    signature: agent ? `${u.name}, PostHog Support` : "",
    details: "",
    notes: "",
    role_type: agent ? 0 : null,
    custom_role_id: agent ? 360_000_600_001 : null,
    moderator: agent,
    ticket_restriction: agent ? null : "requested",
    only_private_comments: false,
    restricted_agent: !agent,
    suspended: false,
    default_group_id: agent ? 42 : undefined,
    report_csv: agent,
    user_fields: { plan_tier: null, account_manager: null },
  };
}

/** Tickets with the users, groups and metric sets sideloaded (`include=users,groups,metric_sets`). */
export function ticketsWithSideloads(tickets: FakeTicket[], base: string, options: PayloadOptions) {
  if (options.payload === "lean") return leanSideloads(tickets, base);
  const users = new Map<number, unknown>();
  const groups = new Map<number, unknown>();
  for (const t of tickets) {
    users.set(
      t.requester.id,
      userJson(
        {
          id: t.requester.id,
          name: t.requester.name,
          email: t.requester.email,
          role: t.requester.role ?? "end-user",
          external_id: t.requester.external_id ?? null,
        },
        base,
        t.updated_at,
      ),
    );
    if (t.group)
      groups.set(t.group.id, {
        url: `${base}/api/v2/groups/${t.group.id}.json`,
        id: t.group.id,
        is_public: true,
        name: t.group.name,
        default: false,
        deleted: false,
        created_at: "2021-03-01T09:00:00Z",
        updated_at: "2026-01-12T14:30:00Z",
      });
    // Sideloading includes every user a ticket names, its assignee (an agent) too.
    if (t.assignee)
      users.set(
        t.assignee.id,
        userJson(
          {
            id: t.assignee.id,
            name: t.assignee.name,
            email: `agent${t.assignee.id}@posthog.com`,
            role: "agent",
            external_id: null,
          },
          base,
          t.updated_at,
        ),
      );
  }
  return {
    tickets: tickets.map((t) => ticketJson(t, base, options)),
    users: [...users.values()],
    groups: [...groups.values()],
    // developer.zendesk.com "Ticket Metrics": durations are {calendar, business} minutes, null until they happen.
    metric_sets: tickets.map((t) => metricSet(t, base)),
  };
}

function metricSet(t: FakeTicket, base: string) {
  const created = t.created_at ?? t.updated_at;
  const reply = t.metrics?.reply_minutes ?? null;
  const full = t.metrics?.full_resolution_minutes ?? null;
  const minutes = (calendar: number | null) => ({ calendar, business: calendar });
  const assigned = t.assignee ? later(created, 5) : null;
  return {
    url: `${base}/api/v2/ticket_metrics/${t.id * 10}.json`,
    id: t.id * 10,
    ticket_id: t.id,
    created_at: created,
    updated_at: t.updated_at,
    group_stations: t.group ? 1 : 0,
    assignee_stations: t.assignee ? 1 : 0,
    reopens: t.metrics?.reopens ?? 0,
    replies: t.metrics?.replies ?? 1,
    assignee_updated_at: assigned,
    requester_updated_at: created,
    status_updated_at: t.solved_at ?? t.updated_at,
    initially_assigned_at: assigned,
    assigned_at: assigned,
    solved_at: t.solved_at ?? null,
    latest_comment_added_at: t.updated_at,
    custom_status_updated_at: t.solved_at ?? t.updated_at,
    reply_time_in_minutes: minutes(reply),
    reply_time_in_seconds: { calendar: reply === null ? null : reply * 60 },
    first_resolution_time_in_minutes: minutes(full),
    full_resolution_time_in_minutes: minutes(full),
    agent_wait_time_in_minutes: minutes(full === null ? null : Math.floor(full / 3)),
    requester_wait_time_in_minutes: minutes(full === null ? null : Math.floor(full / 2)),
    on_hold_time_in_minutes: minutes(0),
  };
}

/** The same tickets with only the fields the product reads (a subset of Zendesk's objects). */
function leanSideloads(tickets: FakeTicket[], base: string) {
  const users = new Map<number, unknown>();
  const groups = new Map<number, unknown>();
  for (const t of tickets) {
    const r = t.requester;
    users.set(r.id, {
      id: r.id,
      name: r.name,
      email: r.email,
      role: r.role ?? "end-user",
      external_id: r.external_id ?? null,
    });
    if (t.group) groups.set(t.group.id, { id: t.group.id, name: t.group.name });
    if (t.assignee)
      users.set(t.assignee.id, {
        id: t.assignee.id,
        name: t.assignee.name,
        email: `agent${t.assignee.id}@posthog.com`,
        role: "agent",
      });
  }
  return {
    tickets: tickets.map((t) => ({
      url: `${base}/api/v2/tickets/${t.id}.json`,
      id: t.id,
      status: t.status,
      requester_id: t.requester.id,
      group_id: t.group?.id ?? null,
      tags: t.tags ?? [],
      custom_fields: t.custom_fields ?? [],
      assignee_id: t.assignee?.id ?? null,
      created_at: t.created_at ?? t.updated_at,
      updated_at: t.updated_at,
    })),
    users: [...users.values()],
    groups: [...groups.values()],
    metric_sets: tickets.map((t) => {
      const { reply_time_in_minutes, full_resolution_time_in_minutes, reopens, replies, solved_at } = metricSet(
        t,
        base,
      );
      return { ticket_id: t.id, solved_at, reply_time_in_minutes, full_resolution_time_in_minutes, reopens, replies };
    }),
  };
}
