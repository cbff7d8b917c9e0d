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
