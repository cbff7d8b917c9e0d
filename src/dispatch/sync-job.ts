import { DAY_MS } from "../lib/time";
import { readSyncPosition, recordSyncState, recordUnreadablePage, savePage, type SyncStatus } from "./candidates-store";
import { zendeskCandidates } from "./sources/zendesk";
import { ticketContext, type SupportSettings, type TicketContext } from "./support-context";
import {
  EXPORT_MAX_PER_PAGE,
  EXPORT_PAGE_MAX_BYTES,
  fetchExportPage,
  type ExportPage,
  type ExportPosition,
  type ZendeskAccess,
} from "../services/zendesk";

export interface SyncOptions {
  now: number;
  lookbackDays: number;
  /** The run stops starting new requests after this time (ms since epoch) and resumes next run. */
  deadline: number;
  /** The account's export quota (ZENDESK_EXPORT_REQUESTS_PER_MINUTE): requests are paced to it. */
  requestsPerMinute: number;
  /** ADDRESS_FINGERPRINT_KEY: requesters' addresses are stored with their keyed fingerprint. */
  fingerprintKey: string;
  /** Which ticket fields hold plan and severity, the response targets and the support week's time zone. */
  support?: SupportSettings;
  fetcher: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Called after each quota's worth of pages (before the sync waits for the next minute), so surveys
   * of the tickets read so far go out while the export is still being read.
   */
  onProgress?: () => Promise<void>;
}

export interface SyncReport {
  pages: number;
  tickets: number;
  requests: number;
  malformed: number;
  rateLimited: number;
  /** Pages that could not be read (too large, cut off, not JSON) and were asked for again with fewer tickets. */
  unreadable: number;
  errors: string[];
  endOfStream: boolean;
  /** Why the run stopped before the end of the stream, if it did. */
  stopped?: string;
}

const TRANSIENT_ATTEMPTS = 3;
/**
 * The longest a run waits for its next export slot (the pacing interval, or a short Retry-After).
 * A longer wait (a minute-long Retry-After, a quota used up by another integration) ends the run;
 * the next run resumes from the cursor.
 */
const MAX_SLOT_WAIT_MS = 15_000;

const NO_FIELDS: SupportSettings = {
  planFieldId: undefined,
  severityFieldId: undefined,
  targetHours: {},
  timeZone: "UTC",
};

/** The support context of each ticket on a page: plan, severity, reply times, reopens, assignee. */
function contextsFromPage(page: ExportPage, support: SupportSettings): TicketContext[] {
  return page.tickets.map((t) => {
    const m = page.metrics.get(t.id);
    const assignee = t.assignee_id != null ? page.users.get(t.assignee_id) : undefined;
    return ticketContext(
      {
        id: t.id,
        createdAt: t.created_at,
        updatedAt: t.updated_at,
        assigneeId: t.assignee_id,
        customFields: t.custom_fields,
      },
      m && {
        replyMinutes: m.reply_time_in_minutes?.calendar,
        fullResolutionMinutes: m.full_resolution_time_in_minutes?.calendar,
        reopens: m.reopens,
        replies: m.replies,
      },
      assignee?.name ?? null,
      support,
    );
  });
}

/** The smallest page the sync asks for: one ticket, which must then be readable on its own. */
const MIN_PER_PAGE = 1;

/**
 * The page size after a page read whole: twice as many tickets once a page of twice this size would
 * still be well within the limit (half of it), up to Zendesk's maximum. A stretch of long tickets
 * is read in small pages, and the sync returns to full pages after it.
 */
export function perPageAfter(perPage: number, pageBytes: number): number {
  return pageBytes * 2 <= EXPORT_PAGE_MAX_BYTES / 2 ? Math.min(EXPORT_MAX_PER_PAGE, perPage * 2) : perPage;
}

/** Half as many tickets after a page that could not be read (too large, cut off, not JSON). */
export const perPageAfterUnreadable = (perPage: number) => Math.max(MIN_PER_PAGE, Math.floor(perPage / 2));

/**
 * Reads Zendesk's incremental ticket export from where the last run stopped (the first run starts
 * `lookbackDays` back) until the end of the stream or the run's deadline, at most the account's
 * export quota: every request takes a slot of the account's schedule (shared with every other
 * invocation), and a 429 pushes the schedule past its Retry-After. 5xx and network errors are tried
 * three times, then left for the next run. A 403 means the token's user is not an admin: recorded
 * for /admin/dispatch, and the run stops. A page that cannot be read is recorded with its size and
 * cause and read again with half as many tickets, from the same cursor.
 */
export async function syncTickets(db: D1Database, access: ZendeskAccess, options: SyncOptions): Promise<SyncReport> {
  const report: SyncReport = {
    pages: 0,
    tickets: 0,
    requests: 0,
    malformed: 0,
    rateLimited: 0,
    unreadable: 0,
    errors: [],
    endOfStream: false,
  };
  const start = await readSyncPosition(db, access.baseUrl);
  const run: SyncRun = {
    position: start.cursor
      ? { cursor: start.cursor }
      : { startTime: Math.floor((options.now - options.lookbackDays * DAY_MS) / 1000) },
    perPage: start.perPage ?? EXPORT_MAX_PER_PAGE,
    transientFailures: 0,
  };
  while ((await nextPage(db, access, options, run, report)) === "more") {
    /* each step reads, stores or waits for one page */
  }
  if (report.malformed > 0)
    console.warn(`zendesk sync: left out ${report.malformed} entries that did not match Zendesk's documented shape`);
  return report;
}

interface SyncRun {
  position: ExportPosition;
  perPage: number;
  transientFailures: number;
}

/** One request of the sync and what follows from its answer: "more" to go on, "stop" to end the run. */
async function nextPage(
  db: D1Database,
  access: ZendeskAccess,
  options: SyncOptions,
  run: SyncRun,
  report: SyncReport,
): Promise<"more" | "stop"> {
  const stop = async (reason: string, status: SyncStatus) => {
    report.stopped = reason;
    await recordSyncState(db, access.baseUrl, status, reason, Date.now());
    return "stop" as const;
  };
  const maxWaitMs = options.deadline - Date.now();
  if (maxWaitMs <= 0) {
    report.stopped = "the run's time for Zendesk was used up; the next run resumes from the cursor";
    return "stop";
  }
  const result = await fetchExportPage(access, run.position, {
    db,
    fetcher: options.fetcher,
    sleep: options.sleep,
    requestsPerMinute: options.requestsPerMinute,
    maxWaitMs: Math.min(maxWaitMs, MAX_SLOT_WAIT_MS),
    attempt: run.transientFailures + 1,
    perPage: run.perPage,
  });
  if (result.kind !== "retry" || !result.notSent) report.requests++;

  if (result.kind === "failed" && result.code === "unreadable") {
    report.unreadable++;
    report.errors.push(result.reason);
    console.warn(`zendesk sync: ${result.reason}`);
    if (run.perPage === MIN_PER_PAGE)
      return stop(`${result.reason}; even one ticket a page could not be read, the next run tries again`, "error");
    run.perPage = perPageAfterUnreadable(run.perPage);
    await recordUnreadablePage(db, access.baseUrl, {
      detail: `${result.reason}; reading ${run.perPage} tickets a page from the same position`,
      perPage: run.perPage,
      now: Date.now(),
    });
    return "more";
  }
  if (result.kind === "failed") {
    report.errors.push(result.reason);
    console.warn(`zendesk sync: ${result.reason}`);
    return stop(result.reason, result.code === "forbidden" ? "forbidden" : "error");
  }
  if (result.kind === "retry") {
    if (result.notSent)
      return stop(
        `${result.reason}; next request in ${Math.ceil(result.afterMs / 1000)} s, the next run resumes from the cursor`,
        "throttled",
      );
    if (result.status === 429) {
      // The schedule now waits out the Retry-After; the next request's slot comes after it.
      report.rateLimited++;
      await recordSyncState(db, access.baseUrl, "throttled", result.reason, Date.now());
      return "more";
    }
    report.errors.push(result.reason);
    console.warn(`zendesk sync: ${result.reason}`);
    const backoffMs = 1000 * 2 ** run.transientFailures;
    if (++run.transientFailures >= TRANSIENT_ATTEMPTS || Date.now() + backoffMs >= options.deadline)
      return stop(`${result.reason}; the next run tries again`, "error");
    // Seconds within a run (1, 2 s); a Retry-After, if the service gave one, already holds the schedule.
    await (options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms))))(backoffMs);
    return "more";
  }
  run.transientFailures = 0;
  return storePage(db, access, options, run, report, result.value);
}

/** Stores a page read whole with the cursor after it, and moves the run on. */
async function storePage(
  db: D1Database,
  access: ZendeskAccess,
  options: SyncOptions,
  run: SyncRun,
  report: SyncReport,
  page: ExportPage,
): Promise<"more" | "stop"> {
  const newest = page.tickets.reduce((max, t) => Math.max(max, Date.parse(t.updated_at)), 0) || null;
  const endOfStream = page.endOfStream || !page.afterCursor;
  run.perPage = perPageAfter(run.perPage, page.bytes);
  await savePage(
    db,
    access.baseUrl,
    await zendeskCandidates(page, options.fingerprintKey),
    contextsFromPage(page, options.support ?? NO_FIELDS),
    {
      afterCursor: page.afterCursor,
      newestChange: newest,
      state: endOfStream ? "up to date" : "reading",
      now: Date.now(),
      perPage: run.perPage,
    },
  );
  report.pages++;
  report.tickets += page.tickets.length;
  report.malformed += page.malformed;
  if (endOfStream) {
    report.endOfStream = true;
    return "stop";
  }
  if (options.onProgress && report.pages % options.requestsPerMinute === 0)
    await options.onProgress().catch((err) => console.error("zendesk sync: progress step failed:", err));
  run.position = { cursor: page.afterCursor! };
  return "more";
}
