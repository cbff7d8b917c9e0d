/**
 * What a call to an outside service came to. Every client in this folder answers with it, so the
 * capability folders handle every service the same way:
 * - `done`: the service accepted the request;
 * - `retry`: a transient failure (rate limit, quota, 5xx, timeout); try again after `afterMs`.
 *   `maybeDone` is true when the request may have taken effect anyway (a timeout, a 5xx, a lost
 *   connection): only an idempotent replay of the very same request is safe then; `notSent` when
 *   no request left at all (the pacing schedule is full, or a Retry-After has not passed);
 * - `failed`: a permanent refusal that retrying cannot fix, with the service's reason.
 * `status` is the HTTP status of the answer that led to a retry or a failure, where there was one.
 */
export type Outcome<T> =
  | { kind: "done"; value: T }
  | { kind: "retry"; afterMs: number; reason: string; maybeDone: boolean; notSent?: boolean; status?: number }
  | { kind: "failed"; reason: string; code?: string; status?: number };

export const done = <T>(value: T): Outcome<T> => ({ kind: "done", value });

type Retry = Extract<Outcome<never>, { kind: "retry" }>;
type Failed = Extract<Outcome<never>, { kind: "failed" }>;

export function retry(afterMs: number, reason: string, maybeDone: boolean): Retry {
  return { kind: "retry", afterMs: Math.max(0, Math.ceil(afterMs)), reason, maybeDone };
}

/** Nothing was sent: the service's schedule has no slot soon enough. */
export function notSent(afterMs: number, reason: string): Retry {
  return { kind: "retry", afterMs: Math.max(0, Math.ceil(afterMs)), reason, maybeDone: false, notSent: true };
}

/** A permanent failure, with the reason, and a code where callers tell such failures apart (a closed ticket). */
export function failed(reason: string, options: { code?: string } = {}): Failed {
  return options.code === undefined ? { kind: "failed", reason } : { kind: "failed", reason, code: options.code };
}
