/** Seconds before a queue message is tried again: the provider's Retry-After, else 1, 2, 4 … minutes up to an hour. */
export function retryDelaySeconds(attempts: number, retryAfter?: number): number {
  if (retryAfter !== undefined && retryAfter > 0) return Math.min(Math.ceil(retryAfter), 12 * 3600);
  return Math.min(60 * 2 ** Math.max(0, attempts - 1), 3600);
}
