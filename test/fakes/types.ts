/** What a loopback fake records and can be told to answer; no node imports, so worker tests can use it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  rawBody: string;
  body: unknown;
  at: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /**
   * Not sent: for a 429/503 with Retry-After, the rate-limit scope it closes until then (see
   * RetryAfterWatch in fake-server.ts). Default: the request's endpoint scope.
   */
  limitScope?: string;
  /**
   * Not sent: write only this many bytes of the body (after headers that give the whole body's
   * Content-Length), then close the connection, as a connection lost mid-answer does.
   */
  cutAfterBytes?: number;
}

export interface ScriptedReply extends Reply {
  method?: string;
  path: string;
  /** Only requests whose (decompressed) body contains this text; keeps parallel tests apart. */
  bodyIncludes?: string;
  /** How many matching requests get this reply (default 1). */
  times?: number;
  /**
   * The request takes effect (the fake handles it as usual) and this reply goes back instead of the
   * fake's: a response lost after the service did the work, as a timeout or a 5xx can be.
   */
  applyFirst?: boolean;
  /**
   * A 200 the vendor would never send (a malformed page, to test how the product copes): not checked
   * against the vendor's API description.
   */
  offContract?: boolean;
  /**
   * No answer at all: the fake closes the connection (after handling the request, with
   * `applyFirst`), as a connection lost on the way back does.
   */
  dropConnection?: boolean;
}

/** What a fake saw that the vendor's own API description does not allow (test/fakes/contracts.ts). */
export interface ContractViolation {
  service: string;
  operation: string;
  /** `request`: what the product sent; `answer`: what the fake (or a test's scripted reply) answered. */
  direction: "request" | "answer";
  method: string;
  path: string;
  status: number;
  errors: string[];
}

export type Route = (req: RecordedRequest) => Reply | undefined | Promise<Reply | undefined>;

/** A ticket as the fake Zendesk serves it (the test's view: requester and group inline). */
export interface FakeTicket {
  id: number;
  status: string;
  updated_at: string;
  solved_at?: string | null;
  tags?: string[];
  requester: { id: number; name: string; email: string | null; role?: string; external_id?: string | null };
  group?: { id: number; name: string } | null;
  /** Support context; the fake serves Zendesk's defaults when absent. */
  created_at?: string;
  assignee?: { id: number; name: string } | null;
  metrics?: {
    reply_minutes?: number | null;
    full_resolution_minutes?: number | null;
    reopens?: number;
    replies?: number;
  };
  /** Custom ticket field values (`custom_fields` on the ticket); updates through the API change them. */
  custom_fields?: Array<{ id: number; value: unknown }>;
}

/** An email the fake Resend accepted. */
export interface SentEmail {
  id: string;
  account: string;
  from: string;
  to: string[];
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  idempotencyKey: string;
}

/** `GET /__fake/zendesk/<account>/stats`. */
export interface ZendeskStats {
  /** Export requests that reached the fake (scripted answers included). */
  exportRequests: number;
  /** Of those, answered 429. */
  exportRateLimited: number;
  /** Requests that arrived before the Retry-After of an earlier 429 of their limit had passed. */
  earlyRequests: number;
  updateRequests: number;
  updateRateLimited: number;
  /** The size in bytes of each export page answered 200, in order (the whole body, even when cut off). */
  exportBytes: number[];
}

/** `GET /__fake/resend/<account>/stats`. */
export interface ResendStats {
  requests: number;
  rateLimited: number;
  earlyRequests: number;
  /** The most requests the team sent within any one second (refused ones included). */
  maxInOneSecond: number;
}

/** `GET /__fake/slack/stats?prefix=…` and `GET /__fake/posthog/stats`. */
export interface PacingStats {
  requests: number;
  rateLimited: number;
  earlyRequests: number;
}

/** A PostHog Support ticket as the fake keeps it: every field of TicketSerializer (test/fakes/posthog-support.ts). */
export type FakeSupportTicket = Record<string, unknown> & { id: string; ticket_number: number; updated_at: string };
