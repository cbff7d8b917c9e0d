// Compile-time only (nothing imports it): the bindings `wrangler types` finds in wrangler.toml
// (worker-configuration.d.ts, `npm run types`) are the ones Env declares, and every [vars] or secret
// name it finds is a setting of src/settings.ts, so Env and wrangler.toml cannot drift apart unnoticed.
// The worker tests' tsconfig leaves it out: they add a test-only binding to the generated type.
import type { Env } from "./env";
import type { SettingName } from "./settings";

type Bindings<E> = Exclude<keyof E, SettingName>;
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Within<A, B> = [A] extends [B] ? true : false;

export const BINDINGS_MATCH_WRANGLER_TYPES: SameKeys<Bindings<Env>, Bindings<WranglerEnv>> = true;
export const WRANGLER_NAMES_ARE_SETTINGS: Within<keyof WranglerEnv, keyof Env> = true;
