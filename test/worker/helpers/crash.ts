// A Worker that dies mid-job: the product's own code runs until its first statement matching
// `pattern`, which fails as if the isolate had been killed just before it (once; after that the
// database behaves as ever). Tests reach the states only a crash leaves behind this way, through the
// product's code, instead of writing those states into the tables themselves.
import { guardD1 } from "../d1-limits";

/** `db`, but the first statement matching `pattern` (alone or in a batch) fails instead of running. */
export function crashBefore(db: D1Database, pattern: RegExp): { db: D1Database; crashed(): boolean } {
  let crashed = false;
  const guarded = guardD1(db, (sql) => {
    if (crashed || !pattern.test(sql)) return undefined;
    crashed = true;
    return new Error(`simulated crash before: ${sql.trim().slice(0, 60)}`);
  });
  return { db: guarded, crashed: () => crashed };
}

/**
 * `db`, but the first statement matching `pattern` (alone or in a batch) waits until `release()` is
 * called; `reached` resolves when it starts waiting. A test lets another run go in between a job's
 * reads and its write this way, as overlapping invocations do.
 */
export function pauseBefore(
  db: D1Database,
  pattern: RegExp,
): { db: D1Database; reached: Promise<void>; release(): void } {
  let arrive!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((r) => (arrive = r));
  const gate = new Promise<void>((r) => (release = r));
  let paused = false;
  const inner = new WeakMap<object, { sql: string; statement: D1PreparedStatement }>();
  const wait = async (sql: string | undefined) => {
    if (paused || sql === undefined || !pattern.test(sql)) return;
    paused = true;
    arrive();
    await gate;
  };
  const wrap = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const bound = new Proxy(statement, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (typeof value !== "function") return value;
        if (key === "bind") return (...args: unknown[]) => wrap(value.apply(target, args), sql);
        if (["first", "run", "all", "raw"].includes(String(key)))
          return async (...args: unknown[]) => {
            await wait(sql);
            return value.apply(target, args);
          };
        return value.bind(target);
      },
    });
    inner.set(bound, { sql, statement });
    return bound;
  };
  const pausing = new Proxy(db, {
    get(target, key) {
      if (key === "prepare") return (sql: string) => wrap(target.prepare(sql), sql);
      if (key === "batch")
        return async (list: D1PreparedStatement[]) => {
          for (const s of list) await wait(inner.get(s)?.sql);
          return target.batch(list.map((s) => inner.get(s)?.statement ?? s));
        };
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db: pausing, reached, release: () => release() };
}
