import { ratingLabel } from "../lib/copy";

export interface LowRatingFacts {
  ticketId: number;
  rating: number;
  comment: string | null;
  team: string;
}

/** What marks an alert's note on the ticket, so that an attempt whose outcome is unknown can be looked for. */
export function noteMarker(alert: { ticketId: number; version: number }): string {
  return `hedgehog-csat alert ${alert.ticketId}.${alert.version}`;
}

export function zendeskNote(f: LowRatingFacts, marker: string): string {
  return [
    `CSAT survey answer: ${f.rating}/5 (${ratingLabel(f.rating)})`,
    f.comment ? `Comment: ${f.comment}` : "No comment was left.",
    "",
    `Added by hedgehog-csat (${marker}).`,
  ].join("\n");
}

/** Slack's mrkdwn treats &, < and > as markup; escape them in anything a customer wrote. */
function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function slackMessage(f: LowRatingFacts, ticketUrl: string | null): { text: string } {
  const where = ticketUrl ? `<${ticketUrl}|ticket #${f.ticketId}>` : `ticket #${f.ticketId}`;
  const lines = [
    `:hedgehog: Low CSAT: *${f.rating}/5* (${ratingLabel(f.rating)}) on ${where} for ${slackEscape(f.team)}`,
    f.comment ? `> ${slackEscape(f.comment).replace(/\n/g, "\n> ")}` : "_No comment._",
  ];
  return { text: lines.join("\n") };
}

/** The team's webhook, else the default (`*`), else none. */
export function webhookFor(team: string, webhooks: Record<string, string>): string | undefined {
  // Own keys only: a team called "constructor" or "__proto__" must not find Object's members.
  if (Object.hasOwn(webhooks, team)) return webhooks[team];
  return Object.hasOwn(webhooks, "*") ? webhooks["*"] : undefined;
}
