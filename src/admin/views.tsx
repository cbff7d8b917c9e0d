import { EXPORT_MAX_PER_PAGE } from "../services/zendesk";
import { ticketPage, type TicketPageSettings } from "../services/ticket-pages";
import type { Child } from "hono/jsx";
import { Layout } from "../lib/layout";
import { EmailParts, MetaList } from "./email-preview-views";
import type { DispatchOutcomeCount, JobRun, WaitingTickets } from "./dispatch-status-store";
import { plural } from "../lib/plural";
import type { OutboxMessage, OutboxSummary } from "./outbox-store";
import type { SyncState } from "../dispatch/candidates-store";
import type { PollState } from "../dispatch/posthog-support-store";
import { formatCount } from "../lib/format";
import { ColumnHeads, numberColumn } from "../lib/column-heads";

export function formatTime(ms: number | null): string {
  return ms === null ? "—" : new Date(ms).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

/**
 * The ticket's number, linked to its page: a Zendesk ticket's in Zendesk when ZENDESK_BASE_URL is set,
 * a PostHog Support ticket's (its `ticket_number`, named "PostHog") in PostHog when POSTHOG_PROJECT_ID is.
 */
export function TicketLink(props: { ticketId: number; ticketNumber: number | null; pages: TicketPageSettings }) {
  const page = ticketPage(props.ticketId, props.ticketNumber, props.pages);
  const name =
    page.source === "zendesk"
      ? `#${page.number}`
      : page.number === null
        ? "PostHog ticket (number not known)"
        : `PostHog #${page.number}`;
  if (!page.url) return <>{name}</>;
  return (
    <a href={page.url} rel="noreferrer" target="_blank">
      {name}
    </a>
  );
}

/** A table wider than the screen scrolls inside this frame (which says so), never the page. */
export function ScrollTable(props: { label: string; children: Child }) {
  return (
    <div class="table-scroll" role="region" aria-label={props.label} tabindex={0}>
      {props.children}
    </div>
  );
}

const NAV = [
  ["/admin", "Report"],
  ["/admin/answers", "Answers"],
  ["/admin/low-ratings", "Low ratings"],
  ["/admin/donations", "Donations"],
  ["/admin/dispatch", "Dispatch"],
  ["/admin/outbox", "Outbox"],
  ["/admin/erase", "Data rights"],
] as const;

export function AdminPage(props: { title: string; current: string; children: Child }) {
  return (
    <Layout title={`${props.title} · hedgehog-csat admin`} wide stylesheet="/admin.css">
      <nav class="admin-nav" aria-label="Admin">
        {NAV.map(([href, label]) => (
          <a href={href} aria-current={props.current === href ? "page" : undefined}>
            {label}
          </a>
        ))}
        <form method="post" action="/admin/sign-out" class="sign-out">
          <button type="submit" class="link">
            Sign out
          </button>
        </form>
      </nav>
      <h1>{props.title}</h1>
      {props.children}
    </Layout>
  );
}

export function SignInPage(props: { error?: string }) {
  return (
    <Layout title="Sign in · hedgehog-csat admin" stylesheet="/admin.css">
      <h1>Team sign-in</h1>
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : null}
      <form method="post" action="/admin/sign-in" class="sign-in">
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>
    </Layout>
  );
}

/** How far behind the Zendesk sync is, in words. */
function syncLag(syncedThrough: number | null, now: number): string {
  if (syncedThrough === null) return "nothing read yet";
  const minutes = Math.max(0, Math.round((now - syncedThrough) / 60_000));
  if (minutes < 120) return `${plural(minutes, "minute")} behind`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${plural(hours, "hour")} behind`;
  return `${plural(Math.round(hours / 24), "day")} behind`;
}

const SYNC_ADVICE: Record<string, string> = {
  forbidden: "Zendesk refused the export: the API token's user must be a Zendesk admin.",
  throttled: "Zendesk's export limit was reached; the sync waits for it and resumes from where it stopped.",
  error: "The last run could not reach Zendesk; the next run tries again.",
};

function SyncStatus(props: { sync: SyncState[]; now: number }) {
  if (props.sync.length === 0) return <p>Zendesk has not been read yet.</p>;
  return (
    <>
      {props.sync.map((s) => (
        <div class={`sync sync-${(s.status ?? "unknown").replace(/\s+/g, "-")}`}>
          <p>
            <strong>Zendesk sync: {s.status ?? "not run yet"}</strong> ({syncLag(s.syncedThrough, props.now)}; last
            checked {formatTime(s.checkedAt)}; {plural(s.pages, "page")} read)
          </p>
          {s.status && SYNC_ADVICE[s.status] ? <p>{SYNC_ADVICE[s.status]}</p> : null}
          {s.detail ? <p class="detail">{s.detail}</p> : null}
          {s.unreadable ? (
            <p class="detail unreadable">
              Last page that could not be read ({formatTime(s.unreadable.at)}): {s.unreadable.detail}
            </p>
          ) : null}
          {s.perPage !== null && s.perPage < EXPORT_MAX_PER_PAGE ? (
            <p>
              Reading {plural(s.perPage, "ticket")} a page (Zendesk allows {formatCount(EXPORT_MAX_PER_PAGE)}) until the
              pages are small enough again.
            </p>
          ) : null}
        </div>
      ))}
    </>
  );
}

const POLL_ADVICE: Record<string, string> = {
  forbidden:
    "PostHog refused the list: POSTHOG_PERSONAL_API_KEY must be a personal API key with ticket:read and ticket:write.",
  throttled: "PostHog's private API limit was reached; the poll waits for it and resumes from where it stopped.",
  error: "The last run could not read PostHog Support; the next run tries again.",
};

/** Each PostHog project's poll of resolved tickets (TICKET_SOURCES with posthog-support). */
function PollStatus(props: { poll: PollState[]; now: number }) {
  return (
    <>
      {props.poll.map((s) => (
        <div class={`sync sync-${(s.status ?? "unknown").replace(/\s+/g, "-")}`}>
          <p>
            <strong>PostHog Support poll: {s.status ?? "not run yet"}</strong> ({s.project};{" "}
            {syncLag(s.syncedThrough, props.now)}; last checked {formatTime(s.checkedAt)}; {plural(s.pages, "page")}{" "}
            read)
          </p>
          {s.status && POLL_ADVICE[s.status] ? <p>{POLL_ADVICE[s.status]}</p> : null}
          {s.detail ? <p class="detail">{s.detail}</p> : null}
        </div>
      ))}
    </>
  );
}

function Waiting(props: { waiting: WaitingTickets; delayDays: number }) {
  const w = props.waiting;
  if (w.tickets === 0)
    return <p>No solved ticket is waiting out the {plural(props.delayDays, "day")} before its survey.</p>;
  return (
    <p class="waiting">
      <strong>{plural(w.tickets, "ticket")}</strong> solved less than {plural(props.delayDays, "day")} ago{" "}
      {w.tickets === 1 ? "waits" : "wait"} for {w.tickets === 1 ? "its" : "their"} survey; the first is due{" "}
      {formatTime(w.nextDueAt)}. Whether each is emailed or skipped is decided then.
    </p>
  );
}

export function DispatchPage(props: {
  status: DispatchOutcomeCount[];
  runs: JobRun[];
  days: number;
  sync: SyncState[];
  poll: PollState[];
  now: number;
  waiting: WaitingTickets;
  delayDays: number;
}) {
  const totals = new Map<string, number>();
  for (const row of props.status) totals.set(row.status, (totals.get(row.status) ?? 0) + row.tickets);
  return (
    <AdminPage title="Dispatch" current="/admin/dispatch">
      <SyncStatus sync={props.sync} now={props.now} />
      <PollStatus poll={props.poll} now={props.now} />
      <Waiting waiting={props.waiting} delayDays={props.delayDays} />
      <p>Survey decisions of the last {plural(props.days, "day")}.</p>
      <ul class="totals">
        {["sent", "claimed", "sending", "skipped", "failed"].map((s) => (
          <li>
            <strong>{formatCount(totals.get(s) ?? 0)}</strong> {s}
          </li>
        ))}
      </ul>
      <ScrollTable label="Survey decisions">
        <table>
          <ColumnHeads columns={["Status", "Reason", numberColumn("Tickets"), "Latest"]} />
          <tbody>
            {props.status.map((r) => (
              <tr>
                <td>{r.status}</td>
                <td>{r.reason ?? ""}</td>
                <td class="num">{formatCount(r.tickets)}</td>
                <td>{formatTime(r.latest)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollTable>
      <h2>Recent runs</h2>
      <ScrollTable label="Recent runs">
        <table>
          <ColumnHeads columns={["Job", "Started", numberColumn("Seconds"), numberColumn("Subrequests"), "Summary"]} />
          <tbody>
            {props.runs.map((r) => (
              <tr>
                <td>{r.job}</td>
                <td>{formatTime(r.startedAt)}</td>
                <td class="num">{((r.finishedAt - r.startedAt) / 1000).toFixed(1)}</td>
                <td class="num">{r.subrequests}</td>
                <td>
                  <code class="summary">{r.summary}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollTable>
    </AdminPage>
  );
}

export function OutboxPage(props: { messages: OutboxSummary[] }) {
  return (
    <AdminPage title="Outbox" current="/admin/outbox">
      <p>Emails kept by the local mail provider (MAIL_PROVIDER=outbox) instead of being sent. Newest first.</p>
      {props.messages.length === 0 ? <p>No messages yet.</p> : null}
      <ScrollTable label="Outbox">
        <table>
          <ColumnHeads columns={["#", "To", "Subject", "Created"]} />
          <tbody>
            {props.messages.map((m) => (
              <tr>
                <td>{m.id}</td>
                <td>{m.to}</td>
                <td>
                  <a href={`/admin/outbox/${m.id}`}>{m.subject}</a>
                </td>
                <td>{formatTime(m.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollTable>
    </AdminPage>
  );
}

export function OutboxMessagePage(props: { message: OutboxMessage }) {
  const m = props.message;
  return (
    <AdminPage title={m.subject} current="/admin/outbox">
      <MetaList
        entries={[
          ["From", m.from],
          ["To", m.to],
          ["Created", formatTime(m.createdAt)],
          ["Idempotency key", m.idempotencyKey],
          ...Object.entries(m.headers),
        ]}
      />
      <EmailParts heading="Plain text part" htmlHref={`/admin/outbox/${m.id}/html`} text={m.text} />
    </AdminPage>
  );
}
