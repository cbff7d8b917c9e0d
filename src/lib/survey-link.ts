import * as v from "valibot";
import { isCanonicalBase64Url } from "./base64url";
import { hmacSign, hmacVerify } from "./hmac";

/** What a survey link says about the ticket it is for. Everything here is covered by the signature. */
export interface SurveyLinkFields {
  distinctId: string;
  ticketId: number;
  team: string;
  initialTargetArea?: string | undefined;
  /** Unix seconds after which the link no longer works. */
  exp: number;
  /**
   * A PostHog Support ticket: the link carries PostHog's own `ticket_id` (a uuid) and `ticket_number`,
   * as PostHog's Workflows name them, and `ticketId` is the product's key for it (not in the link).
   */
  posthogTicket?: { uuid: string; number: number } | undefined;
}

export interface ParsedSurveyLink extends SurveyLinkFields {
  sig: string;
  /** 1-5 preselected face; not signed, it only chooses which face starts selected. */
  rating?: number | undefined;
  /**
   * An unsigned link (from a Zendesk automation) that was checked against the ticket in Zendesk:
   * it has no `sig`, its `exp` follows from when the ticket was solved, and its team is the ticket's group.
   */
  unsigned?: boolean;
}

/** The exact bytes that are signed: fixed order, percent-encoded, versioned so the format can change. */
export function canonicalString(fields: SurveyLinkFields): string {
  const ticket: [string, string][] = fields.posthogTicket
    ? [
        ["source", "posthog-support"],
        ["ticket_id", fields.posthogTicket.uuid],
        ["ticket_number", String(fields.posthogTicket.number)],
      ]
    : [["ticketId", String(fields.ticketId)]];
  const pairs: [string, string][] = [["distinct_id", fields.distinctId], ...ticket, ["team", fields.team]];
  if (fields.initialTargetArea !== undefined) pairs.push(["initialTargetArea", fields.initialTargetArea]);
  pairs.push(["exp", String(fields.exp)]);
  return "v1&" + pairs.map(([k, val]) => `${k}=${encodeURIComponent(val)}`).join("&");
}

export function signSurveyLink(fields: SurveyLinkFields, secret: string): Promise<string> {
  return hmacSign(secret, canonicalString(fields));
}

/** Constant-time check (WebCrypto's verify compares in constant time). */
function verifySurveyLink(fields: SurveyLinkFields, sig: string, secret: string): Promise<boolean> {
  return hmacVerify(secret, canonicalString(fields), sig);
}

/** The query string of the link a page was opened with: a signed link's, or an unsigned one's as Zendesk sent it. */
export function pageLinkQuery(link: ParsedSurveyLink): string {
  if (!link.unsigned) return surveyLinkQuery(link, link.sig);
  const q = new URLSearchParams({ distinct_id: link.distinctId, ...ticketParams(link), team: link.team });
  if (link.initialTargetArea !== undefined) q.set("initialTargetArea", link.initialTargetArea);
  return q.toString();
}

/** How a link names its ticket: Zendesk's number as `ticketId`, a PostHog Support ticket as PostHog does. */
function ticketParams(fields: Pick<SurveyLinkFields, "ticketId" | "posthogTicket">): Record<string, string> {
  return fields.posthogTicket
    ? { ticket_id: fields.posthogTicket.uuid, ticket_number: String(fields.posthogTicket.number) }
    : { ticketId: String(fields.ticketId) };
}

/** The query string of a survey link (canonical names; a preselected `rating` last). */
export function surveyLinkQuery(fields: SurveyLinkFields, sig: string, options: { rating?: number } = {}): string {
  const { rating } = options;
  const q = new URLSearchParams({ distinct_id: fields.distinctId, ...ticketParams(fields), team: fields.team });
  if (fields.initialTargetArea !== undefined) q.set("initialTargetArea", fields.initialTargetArea);
  q.set("exp", String(fields.exp));
  q.set("sig", sig);
  if (rating !== undefined) q.set("rating", String(rating));
  return q.toString();
}

/** A signed survey link; `rating` preselects a face (the email's five buttons). */
export async function buildSurveyUrl(
  baseUrl: string,
  fields: SurveyLinkFields,
  secret: string,
  options: { rating?: number } = {},
): Promise<string> {
  const sig = await signSurveyLink(fields, secret);
  return `${baseUrl.replace(/\/+$/, "")}/?${surveyLinkQuery(fields, sig, options)}`;
}

/** Unix seconds `ttlDays` after `now`. */
export function expiryFrom(now: Date, ttlDays: number): number {
  return Math.floor(now.getTime() / 1000) + ttlDays * 86_400;
}

const LinkFields = {
  distinct_id: v.pipe(
    v.string("the customer id (distinct_id) is missing"),
    v.minLength(1, "the customer id (distinct_id) is empty"),
    v.maxLength(200, "the customer id (distinct_id) is too long"),
  ),
  ticketId: v.pipe(
    v.string("the ticket number (ticketId) is missing"),
    v.minLength(1, "the ticket number (ticketId) is empty"),
    v.regex(/^\d+$/, "the ticket number (ticketId) is not a number"),
    v.regex(/^[1-9]/, "the ticket number (ticketId) must not start with 0"),
    v.transform(Number),
    // Beyond 2^53 two different numbers read as the same one: a signature would cover both.
    v.maxValue(Number.MAX_SAFE_INTEGER, "the ticket number (ticketId) is too large"),
  ),
  team: v.pipe(
    v.string("the team is missing"),
    v.minLength(1, "the team is empty"),
    v.maxLength(100, "the team name is too long"),
  ),
  initialTargetArea: v.optional(
    v.pipe(
      v.string(),
      v.minLength(1, "the target area (initialTargetArea) is empty"),
      v.maxLength(100, "the target area is too long"),
    ),
  ),
  exp: v.pipe(
    v.string("the expiry time (exp) is missing"),
    v.minLength(1, "the expiry time (exp) is empty"),
    v.regex(/^\d{1,12}$/, "the expiry time (exp) is not a valid time"),
    v.regex(/^[1-9]/, "the expiry time (exp) must not start with 0"),
    v.transform(Number),
  ),
  sig: v.pipe(
    v.string("the signature (sig) is missing"),
    v.regex(/^[A-Za-z0-9_-]{43}$/, "the signature (sig) is malformed"),
    // 32 bytes in 43 base64url characters leave 2 spare bits in the last one; only zeros are canonical,
    // so one signature has one spelling.
    v.check(isCanonicalBase64Url, "the signature (sig) is not in its canonical form"),
  ),
  rating: v.optional(
    v.pipe(v.string(), v.regex(/^[1-5]$/, "the preselected rating must be 1 to 5"), v.transform(Number)),
  ),
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A PostHog Support ticket as a link names it: its uuid and number. */
const PostHogTicketFields = {
  ticketUuid: v.pipe(
    v.string(),
    v.regex(UUID, "the ticket id (ticket_id) is neither a number nor a PostHog ticket id"),
  ),
  ticketNumber: v.pipe(
    v.string("the ticket number (ticket_number) is missing"),
    v.regex(/^[1-9]\d{0,15}$/, "the ticket number (ticket_number) is not a number"),
    v.transform(Number),
  ),
};
const PostHogLinkQuerySchema = v.object({ ...LinkFields, ticketId: v.optional(v.string()), ...PostHogTicketFields });
const LinkQuerySchema = v.object(LinkFields);
/** An unsigned link as a Zendesk automation sends it: the same fields, no expiry and no signature. */
const UnsignedQuerySchema = v.object({
  distinct_id: LinkFields.distinct_id,
  ticketId: LinkFields.ticketId,
  team: LinkFields.team,
  initialTargetArea: LinkFields.initialTargetArea,
  rating: LinkFields.rating,
});

export type LinkParseResult = { ok: true; link: ParsedSurveyLink } | { ok: false; problems: string[] };

/**
 * Reads a survey link from query or form fields, accepting the old page's names: `userId` for
 * `distinct_id`, `ticketTeam` for `team`, and `satisfaction` (0-based) for `rating`.
 */
/** The link's fields under their canonical names, from the canonical or the old page's names. */
function linkInput(input: Record<string, string | undefined>) {
  // The first name present wins; a signed field that is present but empty is reported as empty.
  const pick = (...names: string[]) => {
    for (const name of names) {
      const value = input[name];
      if (value !== undefined && value !== "") return value;
    }
    return names.some((name) => input[name] === "") ? "" : undefined;
  };
  let rating = pick("rating") || undefined;
  const satisfaction = pick("satisfaction") || undefined;
  if (rating === undefined && satisfaction !== undefined) {
    rating = /^[0-4]$/.test(satisfaction) ? String(Number(satisfaction) + 1) : "invalid";
  }
  // PostHog's Workflows name the ticket `ticket_id` (a uuid) and `ticket_number`; for a Zendesk ticket
  // both are accepted as other names of `ticketId`.
  const ticketUuid = [input.ticket_id].find((id) => id !== undefined && UUID.test(id));
  return {
    distinct_id: pick("distinct_id", "userId"),
    ticketId: ticketUuid ? undefined : pick("ticketId", "ticket_id", "ticket_number"),
    ticketUuid,
    ticketNumber: ticketUuid ? pick("ticket_number") : undefined,
    team: pick("team", "ticketTeam"),
    initialTargetArea: pick("initialTargetArea"),
    exp: pick("exp"),
    sig: pick("sig"),
    rating,
  };
}

/** True when a link carries neither an expiry nor a signature: it came from a Zendesk automation. */
export function isUnsignedLink(input: Record<string, string | undefined>): boolean {
  const fields = linkInput(input);
  return fields.sig === undefined && fields.exp === undefined;
}

/** An unsigned link's fields; a PostHog Workflow's names a PostHog Support ticket (`ticketId` 0 until looked up). */
export interface UnsignedLinkFields {
  distinctId: string;
  ticketId: number;
  team: string;
  initialTargetArea?: string;
  rating?: number;
  posthogTicket?: { uuid: string; number: number };
}

export type UnsignedLinkParse = { ok: true; fields: UnsignedLinkFields } | { ok: false; problems: string[] };

/** The team of a ticket that names none (no Zendesk group; every PostHog Support ticket). */
export const DEFAULT_TEAM = "Support";

/**
 * An unsigned link from a PostHog Workflow's email (PostHog's handbook: `distinct_id`, `ticket_id`,
 * `ticket_number`): no team (the ticket's team is the product's default).
 */
const UnsignedPostHogQuerySchema = v.object({
  distinct_id: LinkFields.distinct_id,
  ...PostHogTicketFields,
  team: v.optional(LinkFields.team, DEFAULT_TEAM),
  initialTargetArea: LinkFields.initialTargetArea,
  rating: LinkFields.rating,
});

/** The problems valibot found, each message once. */
const problemsOf = (issues: ReadonlyArray<{ message: string }>) => [...new Set(issues.map((i) => i.message))];

/** The ticket a parsed link names: Zendesk's number, or a PostHog ticket (its key is looked up by the caller). */
function ticketOf(o: { ticketId?: number | string | undefined; ticketUuid?: string; ticketNumber?: number }) {
  return o.ticketUuid !== undefined
    ? { ticketId: 0, posthogTicket: { uuid: o.ticketUuid.toLowerCase(), number: o.ticketNumber! } }
    : { ticketId: o.ticketId as number };
}

/** Reads an unsigned link: the ticket, the customer and the team as the automation filled them in. */
export function parseUnsignedLink(input: Record<string, string | undefined>): UnsignedLinkParse {
  const fields = linkInput(input);
  const result =
    fields.ticketUuid !== undefined
      ? v.safeParse(UnsignedPostHogQuerySchema, fields)
      : v.safeParse(UnsignedQuerySchema, fields);
  if (!result.success) return { ok: false, problems: problemsOf(result.issues) };
  const o = result.output;
  return {
    ok: true,
    fields: {
      distinctId: o.distinct_id,
      team: o.team,
      ...ticketOf(o),
      ...(o.initialTargetArea !== undefined ? { initialTargetArea: o.initialTargetArea } : {}),
      ...(o.rating !== undefined ? { rating: o.rating } : {}),
    },
  };
}

export function parseSurveyLink(input: Record<string, string | undefined>): LinkParseResult {
  const fields = linkInput(input);
  const result =
    fields.ticketUuid !== undefined
      ? v.safeParse(PostHogLinkQuerySchema, fields)
      : v.safeParse(LinkQuerySchema, fields);
  if (!result.success) return { ok: false, problems: problemsOf(result.issues) };
  const o = result.output;
  return {
    ok: true,
    link: {
      distinctId: o.distinct_id,
      ...ticketOf(o),
      team: o.team,
      initialTargetArea: o.initialTargetArea,
      exp: o.exp,
      sig: o.sig,
      rating: o.rating,
    },
  };
}

/** What the server would refuse in a link before looking at its signature (for tools that print links). */
export function linkFieldProblems(fields: SurveyLinkFields): string[] {
  const parsed = parseSurveyLink({
    distinct_id: fields.distinctId,
    ...ticketParams(fields),
    team: fields.team,
    initialTargetArea: fields.initialTargetArea,
    exp: String(fields.exp),
    sig: "A".repeat(43),
  });
  return parsed.ok ? [] : parsed.problems;
}

export type LinkCheck = "valid" | "forged" | "expired";

/** Signature first (a forged link learns nothing about expiry), then expiry. */
export async function checkSurveyLink(link: ParsedSurveyLink, secret: string, now: Date): Promise<LinkCheck> {
  if (!(await verifySurveyLink(link, link.sig, secret))) return "forged";
  if (link.exp * 1000 <= now.getTime()) return "expired";
  return "valid";
}
