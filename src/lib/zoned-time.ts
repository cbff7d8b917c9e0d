/** Wall-clock time in an IANA time zone, through Intl (its zone data loads on the first call). */

const partsFormats = new Map<string, Intl.DateTimeFormat>();
function partsFormat(timeZone: string): Intl.DateTimeFormat {
  let f = partsFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      weekday: "short",
    });
    partsFormats.set(timeZone, f);
  }
  return f;
}

/** The wall-clock date, time and weekday of an instant in a time zone. */
export function wallClock(ms: number, timeZone: string) {
  const p: Record<string, string> = {};
  for (const part of partsFormat(timeZone).formatToParts(ms)) p[part.type] = part.value;
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
    second: Number(p.second),
    weekday: p.weekday!,
  };
}

/** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - (ms - (ms % 1000));
}

/**
 * The first instant of a local calendar day. Where midnight does not exist (a DST jump at 00:00)
 * it is the first instant that does, which the second pass finds.
 */
export function startOfLocalDay(year: number, month: number, day: number, timeZone: string): number {
  return localInstant(year, month, day, 0, timeZone);
}

/** The instant a local clock shows `hour`:00 on a calendar day (the first that does, across a DST jump). */
export function localInstant(year: number, month: number, day: number, hour: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour);
  let guess = wall - offsetAt(wall, timeZone);
  guess = wall - offsetAt(guess, timeZone);
  return guess;
}
