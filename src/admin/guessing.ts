// The rules that make guessing ADMIN_TOKEN slow: which client a request comes from, and how long a
// client waits after its wrong tokens. Plain values in and out; guesses-store.ts applies them in D1.
import * as v from "valibot";
import { DAY_MS } from "../lib/time";

/**
 * Wrong tokens a client may give before it has to wait: room for an administrator's typos and a
 * mistyped script or two, while a guesser gets nowhere with five.
 */
export const FREE_FAILURES = 5;
/** The first wait (after the FREE_FAILURES-th wrong token); each further wrong token doubles it. */
export const FIRST_WAIT_MS = 1000;
/**
 * The longest wait: a guesser is held to one try a minute, and an administrator who mistyped many
 * times is never kept out for longer than a minute.
 */
export const MAX_WAIT_MS = 60_000;
/**
 * How long a client's wrong tokens are remembered after its last one (the cron prunes older rows): long
 * enough that a guesser at the longest wait stays there, short enough to keep no address for long.
 */
export const FAILURE_MEMORY_MS = DAY_MS;

/** The wait before a client's next try once it has given `failures` wrong tokens in a row. */
export function waitAfterFailures(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** (failures - FREE_FAILURES));
}

/** waitAfterFailures for 0 failures up to the first count whose wait is the longest (index: failures). */
export const WAITS_BY_FAILURES: number[] = (() => {
  const waits = [0];
  while (waits.at(-1)! < MAX_WAIT_MS) waits.push(waitAfterFailures(waits.length));
  return waits;
})();

/** A Retry-After in whole seconds, rounded up so that a client that waits that long is let through. */
export function retryAfterSeconds(waitUntil: number, now: number): number {
  return Math.max(1, Math.ceil((waitUntil - now) / 1000));
}

/**
 * Requests without a usable CF-Connecting-IP are counted together under this name. Cloudflare's edge
 * sets the header on every request from the internet (a client cannot set it) and so does `wrangler
 * dev`; only a direct call of the Worker, as in tests, comes without it, and sharing one count means
 * a missing header never means unlimited guessing.
 */
export const UNKNOWN_CLIENT = "unknown";

const Ipv4 = v.pipe(v.string(), v.ipv4());
const Ipv6 = v.pipe(v.string(), v.maxLength(64), v.ipv6());
const matches = (schema: typeof Ipv4 | typeof Ipv6, text: string) => v.safeParse(schema, text).success;

/**
 * The client a request is counted as: its IPv4 address, or for IPv6 its /64 network (the least a
 * subscriber is given: counting single addresses would hand one client 2^64 fresh counts).
 */
export function clientOf(connectingIp: string | undefined): string {
  const address = (connectingIp ?? "").trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address)?.[1];
  if (mapped !== undefined && matches(Ipv4, mapped)) return mapped;
  if (matches(Ipv4, address)) return address;
  if (matches(Ipv6, address)) return ipv6Network64(address);
  return UNKNOWN_CLIENT;
}

/** The first four groups of an IPv6 address, as `2001:db8:0:1::/64`. */
function ipv6Network64(address: string): string {
  const [head = "", tail] = address.split("%")[0]!.split("::");
  const groups = (part: string | undefined) => (part ? part.split(":") : []);
  // A dotted IPv4 at the end stands for two groups.
  const width = (gs: string[]) => gs.reduce((n, g) => n + (g.includes(".") ? 2 : 1), 0);
  const left = groups(head);
  const right = groups(tail);
  const zeros = tail === undefined ? [] : Array<string>(8 - width(left) - width(right)).fill("0");
  const network = [...left, ...zeros, ...right].slice(0, 4).map((g) => parseInt(g, 16).toString(16));
  return `${network.join(":")}::/64`;
}
