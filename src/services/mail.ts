import type { Outcome } from "./outcome";

export interface OutgoingEmail {
  to: string;
  from: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  /** Unique per email: the same key is never delivered twice by providers that honour it. */
  idempotencyKey: string;
}

/** Each email's outcome: done with the provider's message id, retry (maybe sent already?), or failed. */
export type EmailOutcome = Outcome<string>;

export interface Mailer {
  name: "outbox" | "cloudflare" | "resend";
  /** How many emails one provider request can carry. */
  batchSize: number;
  /**
   * How many fresh emails one queue invocation sends at most (the rest wait for the message's next
   * delivery): a provider called once per email must stay far from the invocation's subrequest limit.
   */
  maxEmailsPerInvocation: number;
  /** Replaying a request with the same key never delivers twice (so an unknown outcome may be replayed). */
  idempotent: boolean;
  /** One outcome per email, in order. `requestKey` identifies this exact request for replays. */
  send(emails: OutgoingEmail[], requestKey: string): Promise<EmailOutcome[]>;
}
