import { DAY_MS } from "../lib/time";
import type { SyncReport } from "./sync-job";
import { listTickets, projectName, type PostHogSupportAccess, type PostHogTicket } from "../services/posthog-support";
import { readPollPosition, recordPollState, saveSeenTickets, type SeenTicket } from "./posthog-support-store";
import { postHogSupportTicketOf, refOf } from "./sources/posthog-support";

export interface PollOptions {
  now: number;
  /** ADDRESS_FINGERPRINT_KEY: requesters' addresses are stored with their keyed fingerprint. */
  fingerprintKey: string;
  lookbackDays: number;
  /** The run stops starting new requests after this time (ms since epoch); the next run resumes. */
  deadline: number;
  fetcher: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/** What a run did, in the Zendesk sync's terms (SyncReport), and whether it reached the newest change. */
export type PollReport = Pick<
  SyncReport,
  "pages" | "tickets" | "requests" | "malformed" | "rateLimited" | "errors" | "stopped"
> & {
  upToDate: boolean;
};

/** Tickets a page: the list's default; a small page keeps each request short. */
const PAGE_SIZE = 100;
const TRANSIENT_ATTEMPTS = 3;
/** The longest a run waits for its next request slot; longer (a long Retry-After) ends the run. */
const MAX_SLOT_WAIT_MS = 15_000;

/**
 * A resolved ticket's sighting by the poll: resolved at its `updated_at`. PostHog Support keeps no
 * resolved time, and a resolved ticket's `updated_at` is at or after its resolving, so a ticket last
 * updated two days ago has been resolved for at least two days; the store keeps the earliest time
 * any path saw for one resolution.
 */
function sightingOf(t: PostHogTicket): SeenTicket {
  const updatedAt = Date.parse(t.updated_at);
  const ticket = postHogSupportTicketOf(t, updatedAt);
  return { ref: refOf(t), ticket, seenVersion: updatedAt };
}

interface PollRun {
  from: number;
  offset: number;
  transientFailures: number;
}

/**
 * Lists the project's resolved tickets updated since the last run's position (the first run starts
 * `lookbackDays` back), oldest change first, until none is left or the run's deadline. Each page
 * asks again from the newest `updated_at` stored (`date_from` is inclusive), not from a growing
 * offset: a ticket that changes while the run pages moves to the end of the list, and an offset
 * would then skip the ticket after it. Only when a whole page shares one `updated_at` does the
 * offset move on past it. Every request takes a slot of the team's private-API schedule; a 429 holds
 * the schedule until its Retry-After. The list finds what a webhook never told: a ticket resolved by a
 * Workflow (which emits no event) or whose webhook was lost.
 */
export async function pollPostHogSupport(
  db: D1Database,
  access: PostHogSupportAccess,
  options: PollOptions,
): Promise<PollReport> {
  const report: PollReport = {
    pages: 0,
    tickets: 0,
    requests: 0,
    malformed: 0,
    rateLimited: 0,
    errors: [],
    upToDate: false,
  };
  const project = projectName(access);
  const run: PollRun = {
    from: (await readPollPosition(db, project)) ?? options.now - options.lookbackDays * DAY_MS,
    offset: 0,
    transientFailures: 0,
  };
  while ((await nextPage(db, access, options, run, report)) === "more") {
    /* each step reads and stores, or waits for, one page */
  }
  return report;
}

async function nextPage(
  db: D1Database,
  access: PostHogSupportAccess,
  options: PollOptions,
  run: PollRun,
  report: PollReport,
): Promise<"more" | "stop"> {
  const project = projectName(access);
  const stop = async (reason: string, status: "throttled" | "forbidden" | "error") => {
    report.stopped = reason;
    await recordPollState(db, project, status, reason, Date.now());
    return "stop" as const;
  };
  const maxWaitMs = options.deadline - Date.now();
  if (maxWaitMs <= 0) {
    report.stopped = "the run's time for PostHog Support was used up; the next run resumes from its position";
    return "stop";
  }
  const result = await listTickets(
    access,
    { status: "resolved", updatedFrom: run.from, orderBy: "updated_at", limit: PAGE_SIZE, offset: run.offset },
    {
      db,
      fetcher: options.fetcher,
      sleep: options.sleep,
      maxWaitMs: Math.min(maxWaitMs, MAX_SLOT_WAIT_MS),
      attempt: run.transientFailures + 1,
    },
  );
  if (result.kind !== "retry" || !result.notSent) report.requests++;
  if (result.kind === "failed") {
    report.errors.push(result.reason);
    return stop(result.reason, result.code === "forbidden" || result.code === "unauthorized" ? "forbidden" : "error");
  }
  if (result.kind === "retry") {
    if (result.notSent)
      return stop(
        `${result.reason}; next request in ${Math.ceil(result.afterMs / 1000)} s, the next run resumes`,
        "throttled",
      );
    if (result.status === 429) {
      // The schedule now waits out the Retry-After; the next request's slot comes after it.
      report.rateLimited++;
      await recordPollState(db, project, "throttled", result.reason, Date.now());
      return "more";
    }
    report.errors.push(result.reason);
    const backoffMs = 1000 * 2 ** run.transientFailures;
    if (++run.transientFailures >= TRANSIENT_ATTEMPTS || Date.now() + backoffMs >= options.deadline)
      return stop(`${result.reason}; the next run tries again`, "error");
    await (options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms))))(backoffMs);
    return "more";
  }
  run.transientFailures = 0;
  const page = result.value;
  const newest = page.tickets.reduce((max, t) => Math.max(max, Date.parse(t.updated_at)), run.from);
  await saveSeenTickets(db, page.tickets.map(sightingOf), "poll", {
    now: Date.now(),
    fingerprintKey: options.fingerprintKey,
    position: { project, syncedThrough: newest, state: page.more ? "reading" : "up to date" },
  });
  report.pages++;
  report.tickets += page.tickets.length;
  report.malformed += page.malformed;
  if (!page.more) {
    report.upToDate = true;
    return "stop";
  }
  if (newest > run.from) run = Object.assign(run, { from: newest, offset: 0 });
  else run.offset += PAGE_SIZE;
  return "more";
}
