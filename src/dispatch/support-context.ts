/**
 * The support a ticket got, from one export page: plan and severity (ticket fields), first reply
 * and full resolution time (its metric set), reopens, replies and the assignee; and whether the
 * first reply met the plan's response target, counted in hours Monday to Friday (no weekend support).
 * Pure: plain values in, plain values out.
 */
import { planKey } from "../settings";
import { startOfLocalDay, wallClock } from "../lib/zoned-time";

export interface SupportSettings {
  planFieldId: number | undefined;
  severityFieldId: number | undefined;
  targetHours: Record<string, number | null>;
  timeZone: string;
}

export interface TicketContext {
  ticketId: number;
  plan: string | null;
  severity: string | null;
  createdAt: number | null;
  firstReplyMinutes: number | null;
  firstReplyHours: number | null;
  targetHours: number | null;
  targetMet: boolean | null;
  fullResolutionMinutes: number | null;
  reopens: number | null;
  replies: number | null;
  assigneeId: number | null;
  assigneeName: string | null;
  ticketUpdatedAt: number;
}

const HOUR_MS = 3_600_000;
/** A first reply later than this is counted up to here: the walk below stays short whatever Zendesk says. */
const MAX_SPAN_DAYS = 800;

/**
 * Hours between two instants that fall on Monday to Friday in `timeZone` (UTC by default). A day's
 * length is what the clock really ran: 23 or 25 hours on DST days.
 */
export function weekdayHours(startMs: number, endMs: number, timeZone: string): number {
  if (!(endMs > startMs)) return 0;
  const end = Math.min(endMs, startMs + MAX_SPAN_DAYS * 24 * HOUR_MS);
  let total = 0;
  const first = wallClock(startMs, timeZone);
  let date = new Date(Date.UTC(first.year, first.month - 1, first.day));
  let dayStart = startOfLocalDay(first.year, first.month, first.day, timeZone);
  while (dayStart < end) {
    const next = new Date(date.getTime() + 24 * HOUR_MS);
    const nextStart = startOfLocalDay(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone);
    const weekday = date.getUTCDay(); // the local calendar date's weekday (0 Sunday, 6 Saturday)
    if (weekday !== 0 && weekday !== 6) {
      const overlap = Math.min(end, nextStart) - Math.max(startMs, dayStart);
      if (overlap > 0) total += overlap;
    }
    date = next;
    dayStart = nextStart;
  }
  return total / HOUR_MS;
}

/** A target is met when the first reply took at most the target's hours (exactly the target is met). */
export function targetMet(firstReplyHours: number | null, targetHours: number | null): boolean | null {
  if (firstReplyHours === null || targetHours === null) return null;
  // Hours come from whole minutes: compare in minutes so floating point never misses a boundary.
  return Math.round(firstReplyHours * 60) <= Math.round(targetHours * 60);
}

/** A custom field's value as text: Zendesk sends strings (dropdowns send their tag), numbers, booleans or lists. */
function fieldText(value: unknown): string | null {
  if (typeof value === "string") return value.trim() === "" ? null : value.trim().slice(0, 100);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value) && value.length > 0) return fieldText(value[0]);
  return null;
}

export interface SupportTicket {
  id: number;
  createdAt: string | null | undefined;
  updatedAt: string;
  assigneeId: number | null | undefined;
  customFields: Array<{ id: number; value?: unknown }>;
}

export interface MetricFacts {
  replyMinutes: number | null | undefined;
  fullResolutionMinutes: number | null | undefined;
  reopens: number | null | undefined;
  replies: number | null | undefined;
}

export function ticketContext(
  ticket: SupportTicket,
  metrics: MetricFacts | undefined,
  assigneeName: string | null,
  settings: SupportSettings,
): TicketContext {
  const field = (id: number | undefined) =>
    id === undefined ? null : fieldText(ticket.customFields.find((f) => f.id === id)?.value);
  const rawPlan = field(settings.planFieldId);
  const plan = rawPlan === null ? null : planKey(rawPlan) || null;
  const createdAt = ticket.createdAt ? Date.parse(ticket.createdAt) : null;
  const replyMinutes = metrics?.replyMinutes ?? null;
  const hours =
    createdAt !== null && replyMinutes !== null
      ? weekdayHours(createdAt, createdAt + replyMinutes * 60_000, settings.timeZone)
      : null;
  // An unknown plan has no target; so has a plan whose target is null (Free: community only).
  const targetHours = plan !== null ? (settings.targetHours[plan] ?? null) : null;
  return {
    ticketId: ticket.id,
    plan,
    severity: field(settings.severityFieldId),
    createdAt,
    firstReplyMinutes: replyMinutes,
    firstReplyHours: hours === null ? null : Math.round(hours * 100) / 100,
    targetHours,
    targetMet: targetMet(hours, targetHours),
    fullResolutionMinutes: metrics?.fullResolutionMinutes ?? null,
    reopens: metrics?.reopens ?? null,
    replies: metrics?.replies ?? null,
    assigneeId: ticket.assigneeId ?? null,
    assigneeName,
    ticketUpdatedAt: Date.parse(ticket.updatedAt),
  };
}
