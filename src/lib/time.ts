export const DAY_MS = 86_400_000;

/** The UTC calendar month of a time, as 'YYYY-MM'. */
export function utcMonth(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}
