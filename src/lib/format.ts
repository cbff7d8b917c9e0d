/**
 * A whole number with thousands separators ("1,234"), as en-GB writes it, without Intl: the first
 * Intl call of an isolate loads locale data, which the survey page's cold start must not wait for
 * (bench/first-view.ts).
 */
export function formatCount(n: number): string {
  const sign = n < 0 ? "-" : "";
  return sign + String(Math.trunc(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** "24 November 2026" (UTC), as en-GB writes a date, without Intl (see formatCount). */
export function formatDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}
