/**
 * The weeks of the Monday digest: ISO weeks ('2026-W48', Monday to Sunday) on the calendar of
 * SUPPORT_TIMEZONE, and when a week's digest is due. Plain values in, plain values out.
 */
import { formatDay } from "../lib/format";
import { localInstant, startOfLocalDay, wallClock } from "../lib/zoned-time";

const DAY_MS = 86_400_000;
const WEEK = /^(\d{4})-W(\d{2})$/;

/** The local hour on Monday from which last week's digest is due. */
export const DIGEST_HOUR = 9;

/** The ISO week of a calendar date (given as a UTC midnight): its year and number. */
function isoWeekOf(dateUtc: number): { year: number; week: number } {
  const date = new Date(dateUtc);
  const weekday = date.getUTCDay() || 7;
  // The Thursday of the same week decides the week's year (ISO 8601).
  const thursday = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 4 - weekday);
  const year = new Date(thursday).getUTCFullYear();
  return { year, week: Math.floor((thursday - Date.UTC(year, 0, 1)) / DAY_MS / 7) + 1 };
}

const weekKey = (w: { year: number; week: number }) =>
  `${String(w.year).padStart(4, "0")}-W${String(w.week).padStart(2, "0")}`;

/** The Monday of an ISO week, as a UTC midnight of that calendar date. */
function mondayOf(year: number, week: number): number {
  const jan4 = new Date(Date.UTC(year, 0, 4));
  return Date.UTC(year, 0, 4 - ((jan4.getUTCDay() || 7) - 1) + (week - 1) * 7);
}

/**
 * Whether a text names an ISO week that exists ('2026-W53' does, '2025-W53' does not), from 1970 on:
 * no answer is older, and Date.UTC reads a year below 100 as 19xx.
 */
export function isWeek(text: string): boolean {
  const m = WEEK.exec(text);
  if (!m) return false;
  const year = Number(m[1]);
  if (year < 1970) return false;
  const week = Number(m[2]);
  return week >= 1 && week <= 53 && weekKey(isoWeekOf(mondayOf(year, week))) === text;
}

function monday(week: string): number {
  const m = WEEK.exec(week);
  if (!m || !isWeek(week)) throw new Error(`not a week: ${week}`);
  return mondayOf(Number(m[1]), Number(m[2]));
}

/** [start, end) of a week in milliseconds: local Monday 00:00 to the next local Monday 00:00. */
export function weekRange(week: string, timeZone: string): { start: number; end: number } {
  const first = new Date(monday(week));
  const next = new Date(first.getTime() + 7 * DAY_MS);
  return {
    start: startOfLocalDay(first.getUTCFullYear(), first.getUTCMonth() + 1, first.getUTCDate(), timeZone),
    end: startOfLocalDay(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone),
  };
}

/** The week before. */
export function previousWeek(week: string): string {
  return weekKey(isoWeekOf(monday(week) - 7 * DAY_MS));
}

/** The week an instant falls in, on the zone's calendar. */
export function weekOf(ms: number, timeZone: string): string {
  const w = wallClock(ms, timeZone);
  return weekKey(isoWeekOf(Date.UTC(w.year, w.month - 1, w.day)));
}

/** The last week that has ended at `ms`: the preview's default. */
export function lastFullWeek(ms: number, timeZone: string): string {
  return previousWeek(weekOf(ms, timeZone));
}

/**
 * The week whose digest is due at `ms`: last week, from Monday 09:00 local until the week ends. Any
 * run in that span sends it, so a Monday without a run is caught up by the next run that week; from
 * the next Monday 09:00 the following week's digest is due instead. Null before 09:00 on a Monday.
 */
export function dueWeek(ms: number, timeZone: string): string | null {
  const current = weekOf(ms, timeZone);
  const first = new Date(monday(current));
  const dueFrom = localInstant(
    first.getUTCFullYear(),
    first.getUTCMonth() + 1,
    first.getUTCDate(),
    DIGEST_HOUR,
    timeZone,
  );
  return ms >= dueFrom ? previousWeek(current) : null;
}

/** "23 November 2026 to 29 November 2026" (the calendar dates, whatever the zone). */
export function weekDays(week: string): string {
  const first = monday(week);
  return `${formatDay(first)} to ${formatDay(first + 6 * DAY_MS)}`;
}
