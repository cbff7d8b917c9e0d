// Compile-time only (nothing imports it): the bindings and settings `wrangler types` finds in
// wrangler.toml (worker-configuration.d.ts, `npm run types`) are exactly the names Env declares, so the
// Env type and wrangler.toml cannot drift apart unnoticed. The worker tests' tsconfig leaves it out:
// they add a test-only binding to the generated type.
import type { Env } from "./env";

type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;

export const ENV_MATCHES_WRANGLER_TYPES: SameKeys<Env, WranglerEnv> = true;
