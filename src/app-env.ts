import type { Env } from "./env";

export type AppEnv = { Bindings: Env };
