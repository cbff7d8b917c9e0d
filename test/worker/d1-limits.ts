/**
 * Cloudflare D1's per-statement limits, which Miniflare does not enforce (cloudflare-docs
 * d1/platform/limits): at most 100 bound parameters per query, an SQL statement of at most
 * 100,000 bytes, a string or BLOB of at most 2,000,000 bytes; inside `batch()` they apply to each
 * statement. Runs inside workerd. Like D1, the wrapper refuses when a statement is executed (the
 * promise of first/all/run/raw/batch/exec rejects), not when it is prepared or bound.
 */

export const D1_LIMITS = { boundParameters: 100, sqlBytes: 100_000, valueBytes: 2_000_000 } as const;

export interface D1LimitViolation {
  limit: keyof typeof D1_LIMITS;
  actual: number;
  max: number;
  sql: string;
  message: string;
}

/** Every refusal, kept even when product code catches the error: a test can assert it stays empty. */
export const d1LimitViolations: D1LimitViolation[] = [];

const largest = { sqlBytes: 0, params: 0, stringBytes: 0 };

/** The largest statement text, parameter count and bound string/BLOB seen executed (for benchmarks). */
export function largestD1Statement(): { sqlBytes: number; params: number; stringBytes: number } {
  return { ...largest };
}

/** Forgets violations and maxima (e.g. between benchmark runs). */
export function resetD1Limits(): void {
  d1LimitViolations.length = 0;
  largest.sqlBytes = largest.params = largest.stringBytes = 0;
}

const encoder = new TextEncoder();

function valueBytes(value: unknown): number {
  if (typeof value === "string") return encoder.encode(value).length;
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  return 0;
}

/** Checks one statement; returns the Error to reject with (and records it), or undefined. */
function check(sql: string, params: readonly unknown[]): Error | undefined {
  const sqlBytes = encoder.encode(sql).length;
  const stringBytes = Math.max(0, ...params.map(valueBytes));
  largest.sqlBytes = Math.max(largest.sqlBytes, sqlBytes);
  largest.params = Math.max(largest.params, params.length);
  largest.stringBytes = Math.max(largest.stringBytes, stringBytes);
  const found: Array<[keyof typeof D1_LIMITS, number, string]> = [
    ["boundParameters", params.length, "bound parameters per query"],
    ["sqlBytes", sqlBytes, "bytes of SQL statement"],
    ["valueBytes", stringBytes, "bytes in one bound string or BLOB"],
  ];
  for (const [limit, actual, what] of found) {
    const max = D1_LIMITS[limit];
    if (actual <= max) continue;
    const message = `D1 limit exceeded (d1/platform/limits): ${actual} ${what}, at most ${max}; SQL: ${sql.slice(0, 80)}`;
    d1LimitViolations.push({ limit, actual, max, sql: sql.slice(0, 80), message });
    return new Error(message);
  }
  return undefined;
}

/** Splits `exec()` text into statements at semicolons outside quotes and comments. */
function statements(query: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quote: string | undefined;
  for (let i = 0; i < query.length; i++) {
    const c = query[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"' || c === "`") quote = c;
    else if (c === "-" && query[i + 1] === "-")
      i = query.indexOf("\n", i) === -1 ? query.length : query.indexOf("\n", i);
    else if (c === ";") {
      out.push(query.slice(start, i));
      start = i + 1;
    }
  }
  out.push(query.slice(start));
  return out.filter((s) => s.trim() !== "");
}

/** Decides, just before a statement runs, whether it may: an Error to reject with, or undefined. */
export type StatementGuard = (sql: string, params: readonly unknown[]) => Error | undefined;

/** A prepared statement that asks its guard before it runs (first/run/all/raw, or inside a batch). */
class GuardedStatement {
  constructor(
    readonly inner: D1PreparedStatement,
    readonly sql: string,
    readonly guard: StatementGuard,
    readonly params: readonly unknown[] = [],
  ) {}

  bind(...values: unknown[]): D1PreparedStatement {
    return new GuardedStatement(
      this.inner.bind(...values),
      this.sql,
      this.guard,
      values,
    ) as unknown as D1PreparedStatement;
  }

  private async checked<T>(run: () => Promise<T>): Promise<T> {
    const err = this.guard(this.sql, this.params);
    if (err) throw err;
    return run();
  }

  first(...args: unknown[]) {
    return this.checked(() => (this.inner.first as (...a: unknown[]) => Promise<unknown>).apply(this.inner, args));
  }
  run() {
    return this.checked(() => this.inner.run());
  }
  all() {
    return this.checked(() => this.inner.all());
  }
  raw(...args: unknown[]) {
    return this.checked(() => (this.inner.raw as (...a: unknown[]) => Promise<unknown>).apply(this.inner, args));
  }
}

/** Unwraps guarded statements for the real batch, refusing the whole batch if a guard refuses one. */
function unwrap(list: D1PreparedStatement[]): D1PreparedStatement[] {
  return list.map((s) => {
    if (!(s instanceof GuardedStatement)) return s;
    const err = s.guard(s.sql, s.params);
    if (err) throw err;
    return s.inner;
  });
}

function guardedSession(session: D1DatabaseSession, guard: StatementGuard): D1DatabaseSession {
  return {
    prepare: (query: string) =>
      new GuardedStatement(session.prepare(query), query, guard) as unknown as D1PreparedStatement,
    batch: async <T = unknown>(list: D1PreparedStatement[]) => session.batch<T>(unwrap(list)),
    getBookmark: () => session.getBookmark(),
  } as D1DatabaseSession;
}

/**
 * `db`, every statement of it asking `guard` before it runs (alone, in a batch, in `exec()` text or in a
 * session); a refusal rejects as D1 rejects a statement. Everything else behaves as `db` does.
 */
export function guardD1(db: D1Database, guard: StatementGuard): D1Database {
  return {
    prepare: (query: string) => new GuardedStatement(db.prepare(query), query, guard) as unknown as D1PreparedStatement,
    batch: async <T = unknown>(list: D1PreparedStatement[]) => db.batch<T>(unwrap(list)),
    exec: async (query: string) => {
      for (const s of statements(query)) {
        const err = guard(s.trim(), []);
        if (err) throw err;
      }
      return db.exec(query);
    },
    withSession: (...args: Parameters<D1Database["withSession"]>) => guardedSession(db.withSession(...args), guard),
    dump: () => db.dump(),
  } as D1Database;
}

/** `db` with D1's per-statement limits enforced; everything else behaves as `db` does. */
export function withD1Limits(db: D1Database): D1Database {
  return guardD1(db, check);
}
