// A Worker that dies mid-job: the product's own code runs until its first statement matching
// `pattern`, which fails as if the isolate had been killed just before it (once; after that the
// database behaves as ever). Tests reach the states only a crash leaves behind this way, through the
// product's code, instead of writing those states into the tables themselves.

class Statement {
  constructor(
    readonly inner: D1PreparedStatement,
    readonly sql: string,
    private readonly crashIfMatches: (sql: string) => void,
  ) {}
  bind(...values: unknown[]) {
    return new Statement(this.inner.bind(...values), this.sql, this.crashIfMatches);
  }
  first(...args: unknown[]) {
    this.crashIfMatches(this.sql);
    return (this.inner.first as (...a: unknown[]) => Promise<unknown>).apply(this.inner, args);
  }
  run() {
    this.crashIfMatches(this.sql);
    return this.inner.run();
  }
  all() {
    this.crashIfMatches(this.sql);
    return this.inner.all();
  }
  raw(...args: unknown[]) {
    this.crashIfMatches(this.sql);
    return (this.inner.raw as (...a: unknown[]) => Promise<unknown>).apply(this.inner, args);
  }
}

/** `db`, but the first statement matching `pattern` (alone or in a batch) fails instead of running. */
export function crashBefore(db: D1Database, pattern: RegExp): { db: D1Database; crashed(): boolean } {
  let crashed = false;
  const crashIfMatches = (sql: string) => {
    if (crashed || !pattern.test(sql)) return;
    crashed = true;
    throw new Error(`simulated crash before: ${sql.trim().slice(0, 60)}`);
  };
  const wrapped = {
    prepare: (sql: string) => new Statement(db.prepare(sql), sql, crashIfMatches),
    batch: async (list: D1PreparedStatement[]) => {
      const statements = list as unknown as Array<Statement | D1PreparedStatement>;
      for (const s of statements) if (s instanceof Statement) crashIfMatches(s.sql);
      return db.batch(statements.map((s) => (s instanceof Statement ? s.inner : s)));
    },
    exec: (query: string) => db.exec(query),
    dump: () => db.dump(),
    withSession: (constraint?: string) => db.withSession(constraint),
  };
  return { db: wrapped as unknown as D1Database, crashed: () => crashed };
}
