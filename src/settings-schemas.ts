// The valibot schemas settings are read with: each takes the string a Worker binding carries (or
// nothing) and gives the typed value, with a default where the setting has one.
import * as v from "valibot";

export const text = (fallback: string) => v.optional(v.pipe(v.string(), v.trim()), fallback);
export const optionalText = v.pipe(
  v.optional(v.string(), ""),
  v.trim(),
  v.transform((s) => (s === "" ? undefined : s)),
);
export const wholeNumber = (fallback: number, min: number, max: number) =>
  v.pipe(
    v.optional(v.string(), String(fallback)),
    v.trim(),
    v.regex(/^\d+$/, "must be a whole number"),
    v.transform(Number),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );
export const list = (fallback: string) =>
  v.pipe(
    v.optional(v.string(), fallback),
    v.transform((s) =>
      s
        .split(",")
        .map((x) => x.trim().toLowerCase())
        .filter((x) => x !== ""),
    ),
  );
export const baseUrl = (fallback: string) =>
  v.pipe(
    v.optional(v.string(), fallback),
    v.trim(),
    v.url("must be an absolute URL such as https://example.com"),
    v.transform((s) => s.replace(/\/+$/, "")),
  );
export const optionalBaseUrl = v.pipe(
  optionalText,
  v.union([
    v.undefined(),
    v.pipe(
      v.string(),
      v.url("must be an absolute URL"),
      v.transform((s) => s.replace(/\/+$/, "")),
    ),
  ]),
);

/** A per-team setting: a JSON object of team name to `value`; empty is `{}`. `*` is the default for teams without their own. */
const byTeam = <S extends v.GenericSchema<string>>(what: string, value: S) =>
  v.pipe(
    optionalText,
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      if (dataset.value === undefined) return {} as unknown;
      try {
        return JSON.parse(dataset.value) as unknown;
      } catch {
        addIssue({ message: `must be a JSON object of team name to ${what}` });
        return NEVER;
      }
    }),
    v.record(v.string(), value),
  );

/** Team name -> Slack incoming webhook. */
export const slackWebhooks = byTeam("webhook URL", v.pipe(v.string(), v.url("each webhook must be a URL")));

/** Team name -> the address its weekly digest is emailed to. */
export const teamAddresses = byTeam(
  "email address",
  v.pipe(v.string(), v.trim(), v.email("each address must be an email address")),
);

/** The handbook's response targets: hours Monday to Friday per plan; `null` means no target (Free: community only). */
const DEFAULT_RESPONSE_TARGET_HOURS = { pay_as_you_go: 72, boost: 48, scale: 24, enterprise: 8, free: null };

/** A plan's name as the product compares it: lower case, anything but letters and digits as `_`. */
export function planKey(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

export const optionalFieldId = v.pipe(
  optionalText,
  v.union([
    v.undefined(),
    v.pipe(v.string(), v.regex(/^\d{1,16}$/, "must be a Zendesk ticket field id (a number)"), v.transform(Number)),
  ]),
);

export const responseTargets = v.pipe(
  v.optional(v.string(), JSON.stringify(DEFAULT_RESPONSE_TARGET_HOURS)),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    if (dataset.value.trim() === "") return DEFAULT_RESPONSE_TARGET_HOURS as unknown;
    let parsed: unknown;
    try {
      parsed = JSON.parse(dataset.value);
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      addIssue({ message: 'must be a JSON object of plan to hours, e.g. {"scale": 24, "free": null}' });
      return NEVER;
    }
    return parsed;
  }),
  v.record(
    v.pipe(v.string(), v.minLength(1, "a plan name must not be empty")),
    v.nullable(
      v.pipe(
        v.number("each target must be a number of hours or null"),
        v.minValue(0, "hours must not be negative"),
        v.maxValue(10_000, "hours must be at most 10,000"),
      ),
    ),
  ),
  v.transform((map) => Object.fromEntries(Object.entries(map).map(([plan, hours]) => [planKey(plan), hours]))),
);

const TIME_ZONE_PROBLEM = "must be an IANA time zone such as Europe/London";

/** Whether the runtime knows this IANA time zone (loads Intl's zone data on its first call). */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Why a known-shaped SUPPORT_TIMEZONE is still refused, for SettingsError. */
export const UNKNOWN_TIME_ZONE = `SUPPORT_TIMEZONE: ${TIME_ZONE_PROBLEM}`;

/**
 * The shape of an IANA time zone name (`UTC`, `Europe/London`, `America/Argentina/Buenos_Aires`) or
 * an offset (`+05:30`, which Intl also takes). Whether the runtime knows the zone is checked by
 * `isKnownTimeZone` when the sync runs, not here:
 * the first Intl call loads the time-zone data (about 17 ms), and the survey page's cold start, which
 * never uses the zone, should not pay for it (bench/first-view.ts).
 */
export const timeZone = v.pipe(
  text("UTC"),
  v.regex(/^(?:[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*|[+-]\d{2}(?::?\d{2})?)$/, TIME_ZONE_PROBLEM),
);

/** A PostHog survey question id as the survey schema keeps it. */
export const questionId = (fallback: string) =>
  v.pipe(text(fallback), v.regex(/^[\w-]{1,64}$/, "must be letters, digits, - or _"));

/** One of a few words, with the first as the default. */
export const oneOf = <const W extends readonly [string, ...string[]]>(words: W) =>
  v.optional(
    v.picklist(words, `must be ${words.slice(0, -1).join(", ")}${words.length > 1 ? " or " : ""}${words.at(-1)}`),
    words[0],
  );

/**
 * An optional secret that is used only when it has at least `min` characters: a shorter one counts as
 * unset (what it guards stays off) rather than stopping the Worker, and `shortSecretProblems` (settings.ts) says so at start.
 */
export const optionalLongSecret = (min: number) =>
  v.pipe(
    optionalText,
    v.transform((s) => (s !== undefined && s.length >= min ? s : undefined)),
  );

/** A required secret of at least `min` characters. */
export const requiredSecret = (name: string, min: number) =>
  v.pipe(
    v.string(`is required (set it with \`wrangler secret put ${name}\`)`),
    v.minLength(min, `must be at least ${min} characters`),
  );

/** The reason whose answers the report sets apart: unhappy with the product, not with the support. */
export const NOT_FIXED_YET_REASON = "not_fixed_yet";

const DEFAULT_LOW_RATING_REASONS = {
  slow: "The reply was slow",
  not_solved: "My problem was not solved",
  [NOT_FIXED_YET_REASON]: "A bug or missing feature that was not fixed yet",
  billing: "Billing or account",
  other: "Something else",
};

/**
 * The reasons a low rating may give: a JSON object of stable id to label, in the order shown. Ids are
 * what is stored, so a label can be reworded without splitting its answers.
 */
export const lowRatingReasons = v.pipe(
  v.optional(v.string(), JSON.stringify(DEFAULT_LOW_RATING_REASONS)),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    if (dataset.value.trim() === "") return DEFAULT_LOW_RATING_REASONS as unknown;
    try {
      return JSON.parse(dataset.value) as unknown;
    } catch {
      addIssue({ message: 'must be a JSON object of reason id to label, e.g. {"slow": "The reply was slow"}' });
      return NEVER;
    }
  }),
  v.record(
    v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_]{0,31}$/, "a reason id must be lower-case letters, digits or _")),
    v.pipe(
      v.string("each label must be text"),
      v.trim(),
      v.minLength(1, "a label must not be empty"),
      v.maxLength(80, "a label must be at most 80 characters"),
    ),
  ),
  v.check((map) => Object.keys(map).length <= 10, "at most 10 reasons"),
  v.check(
    (map) => Object.hasOwn(map, NOT_FIXED_YET_REASON),
    `must keep the id ${NOT_FIXED_YET_REASON} (the report shows CSAT with and without its answers)`,
  ),
  v.transform((map) => Object.entries(map).map(([id, label]) => ({ id, label }))),
);
