import { emailHash } from "../lib/email-address";
import { DAY_MS } from "../lib/time";
import { readCursor, savePage, type CandidateInput } from "./candidates-store";
import { fetchExportPage, type ExportPage, type ExportPosition, type ZendeskAccess } from "./zendesk";

export interface SyncOptions {
  now: number;
  lookbackDays: number;
  /** The run stops starting new requests after this time (ms since epoch) and resumes next run. */
  deadline: number;
  fetcher: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

export interface SyncReport {
  pages: number;
  tickets: number;
  requests: number;
  malformed: number;
  rateLimited: number;
  errors: string[];
  endOfStream: boolean;
}

const TRANSIENT_ATTEMPTS = 3;
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Turns a page of the export into candidate rows (pure apart from hashing). */
export async function candidatesFromPage(page: ExportPage): Promise<CandidateInput[]> {
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

/**
 * Reads Zendesk's incremental ticket export from where the last run stopped (the first run starts
 * `lookbackDays` back) until the end of the stream or the run's deadline. 429s wait for Retry-After
 * when that fits before the deadline; 5xx and network errors are retried with back-off, then left
 * for the next run.
 */
export async function syncTickets(db: D1Database, access: ZendeskAccess, options: SyncOptions): Promise<SyncReport> {
  const sleep = options.sleep ?? realSleep;
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

  while (Date.now() < options.deadline) {
    report.requests++;
    const result = await fetchExportPage(access, position, options.fetcher);
    if (!result.ok) {
      if (result.kind === "rate-limited") {
        report.rateLimited++;
        if (Date.now() + result.retryAfterMs >= options.deadline) {
          console.warn(`zendesk sync: rate limited for ${result.retryAfterMs} ms; resuming next run`);
          break;
        }
        await sleep(result.retryAfterMs);
        continue;
      }
      report.errors.push(result.message);
      console.warn(`zendesk sync: ${result.message}`);
      if (result.kind === "permanent" || ++transientFailures >= TRANSIENT_ATTEMPTS) break;
      const backoff = 1000 * 2 ** (transientFailures - 1);
      if (Date.now() + backoff >= options.deadline) break;
      await sleep(backoff);
      continue;
    }
    transientFailures = 0;
    const page = result.value;
    await savePage(db, access.baseUrl, await candidatesFromPage(page), page.afterCursor, Date.now());
    report.pages++;
    report.tickets += page.tickets.length;
    report.malformed += page.malformed;
    if (page.endOfStream || !page.afterCursor) {
      report.endOfStream = true;
      break;
    }
    position = { cursor: page.afterCursor };
  }
  if (report.malformed > 0)
    console.warn(`zendesk sync: left out ${report.malformed} entries that did not match Zendesk's documented shape`);
  return report;
}
