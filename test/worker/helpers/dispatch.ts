// A Zendesk and Resend account of a test's own, tickets to seed in it, and what the dispatcher recorded.
import { env } from "cloudflare:workers";
import { expect, inject } from "vitest";
import type { Env } from "../../../src/env";
import { addressKeys, type AddressKeys } from "../../../src/lib/email-address";
import type { FakeTicket, RecordedRequest, SentEmail, ZendeskStats } from "../../fakes/types";
import { controlZendesk } from "../../fakes/zendesk-control";
import { EVERY_TEN_MINUTES } from "../../../src/scheduled";
import { BASE, call, recordingQueue, runCron, testEnv } from "./worker";

let accountCounter = 0;
/** A Zendesk and Resend account of this test's own on the loopback fakes, and an env that uses them. */
export async function dispatchAccount(overrides: Partial<Env> = {}) {
  const name = `acct${Date.now().toString(36)}${accountCounter++}${Math.floor(Math.random() * 1e6)}`;
  const zendeskUrl = inject("zendeskUrl");
  const resendUrl = inject("resendUrl");
  const { queue, queued: sent } = recordingQueue();
  // Tests that are not about Zendesk's export quota run on an account whose quota is raised (as the
  // High Volume add-on raises it, only more), so a test can run the cron several times in a row; the
  // quota tests set Zendesk's documented 10 a minute on both sides.
  const exportPerMinute = overrides.ZENDESK_EXPORT_REQUESTS_PER_MINUTE ?? "600";
  await controlZendesk(zendeskUrl, name, "config", { exportPerMinute: Number(exportPerMinute) });
  const accountEnv = testEnv({
    ZENDESK_BASE_URL: `${zendeskUrl}/t/${name}`,
    ZENDESK_EXPORT_REQUESTS_PER_MINUTE: exportPerMinute,
    MAIL_PROVIDER: "resend",
    RESEND_BASE_URL: `${resendUrl}/t/${name}`,
    INTERNAL_DOMAINS: "posthog.com",
    SLACK_WEBHOOK_URLS: JSON.stringify({
      "Product analytics": `${inject("slackUrl")}/t/${name}/services/T001/B001/analytics`,
      "*": `${inject("slackUrl")}/t/${name}/services/T001/B002/general`,
    }),
    DONATION_REPORT_TO: "donor@example.org",
    // On, the Monday digest would post to these webhooks on whichever weekday the tests run; its tests turn it on.
    WEEKLY_DIGEST: "off",
    ...overrides,
  });
  /** Erases a person's data as an administrator does at /admin/erase (200 expected). */
  async function erase(person: { email?: string; distinct_id?: string }): Promise<void> {
    const response = await call(
      new Request(`${BASE}/admin/erase`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${accountEnv.ADMIN_TOKEN}`,
          "content-type": "application/json",
          origin: BASE,
          "sec-fetch-site": "same-origin",
        },
        body: JSON.stringify(person),
      }),
      { ...accountEnv, DISPATCH: queue } as Env,
    );
    expect(response.status).toBe(200);
  }
  return {
    name,
    /** The env with a queue that keeps what the cron queues, to hand to the consumer ourselves. */
    env: { ...accountEnv, DISPATCH: queue } as Env,
    /** The env with the real DISPATCH queue (its consumer runs with the default settings: outbox mail). */
    realQueueEnv: accountEnv,
    queued: sent,
    seed: (tickets: FakeTicket[]) => controlZendesk(zendeskUrl, name, "tickets", tickets),
    configure: (config: Record<string, unknown>) => controlZendesk(zendeskUrl, name, "config", config),
    async resendSent(): Promise<SentEmail[]> {
      return (await fetch(`${resendUrl}/__fake/resend/${name}/sent`)).json();
    },
    /** Erases a person's data by email, as an administrator does at /admin/erase (200 expected). */
    eraseByEmail: (email: string) => erase({ email }),
    /** Erases a person's data by PostHog distinct id, as an administrator does at /admin/erase (200 expected). */
    eraseByDistinctId: (distinctId: string) => erase({ distinct_id: distinctId }),
    /** The fake's counts for this account: export requests, 429s, each export page's size. */
    async zendeskStats(): Promise<ZendeskStats> {
      return (await fetch(`${zendeskUrl}/__fake/zendesk/${name}/stats`)).json();
    },
    async zendeskRequests(): Promise<RecordedRequest[]> {
      const all: RecordedRequest[] = await (await fetch(`${zendeskUrl}/__fake/requests`)).json();
      return all.filter((r) => r.path.startsWith(`/t/${name}/`));
    },
    async slackRequests(): Promise<RecordedRequest[]> {
      const all: RecordedRequest[] = await (await fetch(`${inject("slackUrl")}/__fake/requests`)).json();
      return all.filter((r) => r.path.startsWith(`/t/${name}/`));
    },
    async zendeskNotes(): Promise<Array<{ ticketId: number; body: string; public: boolean }>> {
      const notes: Array<{ ticketId: number; body: string; public: boolean }> = await (
        await fetch(`${zendeskUrl}/__fake/zendesk/${name}/notes`)
      ).json();
      return notes.map(({ ticketId, body, public: isPublic }) => ({ ticketId, body, public: isPublic }));
    },
    async resendRequests(): Promise<RecordedRequest[]> {
      const all: RecordedRequest[] = await (await fetch(`${resendUrl}/__fake/requests`)).json();
      return all.filter((r) => r.path.startsWith(`/t/${name}/`));
    },
  };
}

export type DispatchAccount = Awaited<ReturnType<typeof dispatchAccount>>;

/**
 * Tickets as the product learns them in production: seeded in a Zendesk account of their own and read
 * by the every-ten-minutes cron's sync (which also dispatches any that are due).
 */
export async function syncedTickets(tickets: FakeTicket[], overrides: Partial<Env> = {}): Promise<DispatchAccount> {
  const account = await dispatchAccount(overrides);
  await account.seed(tickets);
  await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
  return account;
}

export function daysAgo(days: number, from = Date.now()): string {
  return new Date(from - days * 86_400_000).toISOString();
}

let nextZendeskId = 500_000 + Math.floor(Math.random() * 100_000) * 100;
/** A solved ticket with a fresh id and requester; `overrides` changes any part. */
export function solvedTicket(solvedDaysAgo: number, overrides: Partial<FakeTicket> = {}): FakeTicket {
  const id = nextZendeskId++;
  return {
    id,
    status: "solved",
    solved_at: daysAgo(solvedDaysAgo),
    updated_at: daysAgo(solvedDaysAgo),
    tags: [],
    requester: {
      id: id * 7,
      name: `Customer ${id}`,
      email: `customer${id}@example.org`,
      role: "end-user",
      external_id: `ph-${id}`,
    },
    group: { id: 42, name: "Product analytics" },
    ...overrides,
  };
}

export async function sendRow(ticketId: number) {
  return env.DB.prepare("SELECT * FROM survey_sends WHERE ticket_id = ?").bind(ticketId).first<Record<string, any>>();
}

/** An address as the product stores it under the tests' ADDRESS_FINGERPRINT_KEY: fingerprint and older bare hash. */
export function addressOf(email: string): Promise<AddressKeys> {
  return addressKeys(env.ADDRESS_FINGERPRINT_KEY!, email);
}

/** The keyed fingerprint the suppression list knows an address by. */
export async function fingerprintOf(email: string): Promise<string> {
  return (await addressOf(email)).fingerprint;
}
