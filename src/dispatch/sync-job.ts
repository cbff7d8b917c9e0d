import { emailHash } from "../lib/email-address";
import { DAY_MS } from "../lib/time";
import { readCursor, recordSyncState, savePage, type Candidate } from "./candidates-store";
import { ticketContext, type SupportSettings, type TicketContext } from "./support-context";
import { fetchExportPage, type ExportPage, type ExportPosition, type ZendeskAccess } from "../services/zendesk";

export interface SyncOptions {
  now: number;
  lookbackDays: number;
  /** The run stops starting new requests after this time (ms since epoch) and resumes next run. */
  deadline: number;
  /** The account's export quota (ZENDESK_EXPORT_REQUESTS_PER_MINUTE): requests are paced to it. */
  requestsPerMinute: number;
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

/** Turns a page of the export into candidate rows (pure apart from hashing). */
async function candidatesFromPage(page: ExportPage): Promise<Candidate[]> {
  return Promise.all(
    page.tickets.map(async (t) => {
      const user = t.requester_id != null ? page.users.get(t.requester_id) : undefined;
      const solvedAt = page.solvedAt.get(t.id) ?? null;
      const email = user?.email ?? null;
      return {
        ticketId: t.id,
        status: t.status,
        solvedAt: solvedAt === null ? null : Date.parse(solvedAt),
        requesterId: t.requester_id ?? null,
        email,
        name: user?.name ?? null,
        externalId: user?.external_id == null ? null : String(user.external_id),
        role: user?.role ?? null,
        emailHash: email ? await emailHash(email) : null,
        groupName: t.group_id != null ? (page.groups.get(t.group_id) ?? null) : null,
        tags: t.tags.map((tag) => tag.toLowerCase()),
        ticketUpdatedAt: Date.parse(t.updated_at),
      };
    }),
  );
}

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

/**
 * Reads Zendesk's incremental ticket export from where the last run stopped (the first run starts
 * `lookbackDays` back) until the end of the stream or the run's deadline, at most the account's
 * export quota: every request takes a slot of the account's schedule (shared with every other
 * invocation), and a 429 pushes the schedule past its Retry-After. 5xx and network errors are tried
 * three times, then left for the next run. A 403 means the token's user is not an admin: recorded
 * for /admin/dispatch, and the run stops.
 */
export async function syncTickets(db: D1Database, access: ZendeskAccess, options: SyncOptions): Promise<SyncReport> {
  const report: SyncReport = {
    pages: 0,
    tickets: 0,
    requests: 0,
    malformed: 0,
    rateLimited: 0,
    errors: [],
    endOfStream: false,
  };
  const cursor = await readCursor(db, access.baseUrl);
  let position: ExportPosition = cursor
    ? { cursor }
    : { startTime: Math.floor((options.now - options.lookbackDays * DAY_MS) / 1000) };
  let transientFailures = 0;

  for (;;) {
    const maxWaitMs = options.deadline - Date.now();
    if (maxWaitMs <= 0) {
      report.stopped = "the run's time for Zendesk was used up; the next run resumes from the cursor";
      break;
    }
    const result = await fetchExportPage(access, position, {
      db,
      fetcher: options.fetcher,
      sleep: options.sleep,
      requestsPerMinute: options.requestsPerMinute,
      maxWaitMs: Math.min(maxWaitMs, MAX_SLOT_WAIT_MS),
      attempt: transientFailures + 1,
    });
    if (result.kind !== "retry" || !result.notSent) report.requests++;
    if (result.kind === "failed") {
      report.errors.push(result.reason);
      report.stopped = result.reason;
      console.warn(`zendesk sync: ${result.reason}`);
      await recordSyncState(
        db,
        access.baseUrl,
        result.code === "forbidden" ? "forbidden" : "error",
        result.reason,
        Date.now(),
      );
      break;
    }
    if (result.kind === "retry") {
      if (result.notSent) {
        report.stopped = `${result.reason}; next request in ${Math.ceil(result.afterMs / 1000)} s, the next run resumes from the cursor`;
        await recordSyncState(db, access.baseUrl, "throttled", report.stopped, Date.now());
        break;
      }
      if (/ 429\b/.test(result.reason)) {
        // The schedule now waits out the Retry-After; the next request's slot comes after it.
        report.rateLimited++;
        await recordSyncState(db, access.baseUrl, "throttled", result.reason, Date.now());
        continue;
      }
      report.errors.push(result.reason);
      console.warn(`zendesk sync: ${result.reason}`);
      if (
        ++transientFailures >= TRANSIENT_ATTEMPTS ||
        Date.now() + 1000 * 2 ** (transientFailures - 1) >= options.deadline
      ) {
        report.stopped = `${result.reason}; the next run tries again`;
        await recordSyncState(db, access.baseUrl, "error", result.reason, Date.now());
        break;
      }
      // Seconds within a run (1, 2 s); a Retry-After, if the service gave one, already holds the schedule.
      await (options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms))))(
        1000 * 2 ** (transientFailures - 1),
      );
      continue;
    }
    transientFailures = 0;
    const page = result.value;
    const newest = page.tickets.reduce((max, t) => Math.max(max, Date.parse(t.updated_at)), 0) || null;
    const endOfStream = page.endOfStream || !page.afterCursor;
    await savePage(
      db,
      access.baseUrl,
      await candidatesFromPage(page),
      contextsFromPage(page, options.support ?? NO_FIELDS),
      {
        afterCursor: page.afterCursor,
        newestChange: newest,
        state: endOfStream ? "up to date" : "reading",
        now: Date.now(),
      },
    );
    report.pages++;
    report.tickets += page.tickets.length;
    report.malformed += page.malformed;
    if (options.onProgress && report.pages % options.requestsPerMinute === 0 && !endOfStream) {
      await options.onProgress().catch((err) => console.error("zendesk sync: progress step failed:", err));
    }
    if (endOfStream) {
      report.endOfStream = true;
      break;
    }
    position = { cursor: page.afterCursor! };
  }
  if (report.malformed > 0)
    console.warn(`zendesk sync: left out ${report.malformed} entries that did not match Zendesk's documented shape`);
  return report;
}
