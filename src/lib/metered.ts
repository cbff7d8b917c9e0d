const encoder = new TextEncoder();

/**
 * Counts what one invocation costs: outbound requests and D1 queries (with the rows D1 says it read
 * and wrote). Jobs record it in job_runs, so the admin page and the benchmark can show it.
 */
export class Meter {
  fetches = 0;
  queueCalls = 0;
  d1Queries = 0;
  rowsRead = 0;
  rowsWritten = 0;
  /** The largest statement seen, against D1's limits (100 bound parameters, 100 KB of SQL, 2,000,000-byte strings). */
  largest = { sqlBytes: 0, params: 0, stringBytes: 0 };

  private measure(sql: string, values: unknown[]): void {
    const bytes = (v: unknown) =>
      typeof v === "string"
        ? encoder.encode(v).length
        : v instanceof ArrayBuffer
          ? v.byteLength
          : ArrayBuffer.isView(v)
            ? v.byteLength
            : 0;
    this.largest.sqlBytes = Math.max(this.largest.sqlBytes, encoder.encode(sql).length);
    this.largest.params = Math.max(this.largest.params, values.length);
    for (const v of values) this.largest.stringBytes = Math.max(this.largest.stringBytes, bytes(v));
  }

  /** Everything that left the isolate: Cloudflare's subrequest limit counts no more than this. */
  get subrequests(): number {
    return this.fetches + this.queueCalls + this.d1Queries;
  }

  fetch: typeof fetch = (input, init) => {
    this.fetches++;
    return fetch(input, init);
  };

  private count(meta: { rows_read?: number; rows_written?: number } | undefined): void {
    this.d1Queries++;
    this.rowsRead += meta?.rows_read ?? 0;
    this.rowsWritten += meta?.rows_written ?? 0;
  }

  /** The same database, counting every query. */
  db(db: D1Database): D1Database {
    const unwrap = new WeakMap<object, D1PreparedStatement>();
    const wrap = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement => {
      const proxy = {
        bind: (...values: unknown[]) => {
          this.measure(sql, values);
          return wrap(stmt.bind(...values), sql);
        },
        all: async <T>() => {
          const result = await stmt.all<T>();
          this.count(result.meta);
          return result;
        },
        run: async <T>() => {
          const result = await stmt.run<T>();
          this.count(result.meta);
          return result;
        },
        first: async <T>(column?: string) => {
          const result = await stmt.all<Record<string, unknown>>();
          this.count(result.meta);
          const row = result.results[0] ?? null;
          return (column === undefined ? row : (row?.[column] ?? null)) as T | null;
        },
        raw: async <T>(options?: { columnNames?: boolean }) => {
          this.count(undefined);
          return stmt.raw<T>(options as { columnNames: true });
        },
      } as unknown as D1PreparedStatement;
      unwrap.set(proxy, stmt);
      return proxy;
    };
    return {
      prepare: (sql: string) => wrap(db.prepare(sql), sql),
      batch: async <T>(statements: D1PreparedStatement[]) => {
        const results = await db.batch<T>(statements.map((s) => unwrap.get(s) ?? s));
        for (const r of results) this.count(r.meta);
        return results;
      },
      exec: (sql: string) => db.exec(sql),
      dump: () => db.dump(),
      withSession: (c?: string) => db.withSession(c),
    } as unknown as D1Database;
  }

  /** The same queue, counting every call. */
  queue<T>(queue: Queue<T>): Queue<T> {
    return {
      send: (body: T, options?: QueueSendOptions) => {
        this.queueCalls++;
        return queue.send(body, options);
      },
      sendBatch: (messages: Iterable<MessageSendRequest<T>>, options?: QueueSendBatchOptions) => {
        this.queueCalls++;
        return queue.sendBatch(messages, options);
      },
    } as Queue<T>;
  }

  snapshot() {
    return {
      subrequests: this.subrequests,
      fetches: this.fetches,
      queueCalls: this.queueCalls,
      d1Queries: this.d1Queries,
      rowsRead: this.rowsRead,
      rowsWritten: this.rowsWritten,
      largestStatement: { ...this.largest },
    };
  }
}
