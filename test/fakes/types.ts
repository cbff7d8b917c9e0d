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
}

export interface ScriptedReply extends Reply {
  method?: string;
  path: string;
  /** Only requests whose (decompressed) body contains this text; keeps parallel tests apart. */
  bodyIncludes?: string;
  /** How many matching requests get this reply (default 1). */
  times?: number;
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
