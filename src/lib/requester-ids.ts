// The PostHog distinct id of a Zendesk requester who has no external id: made from their Zendesk user
// id. The dispatcher sends survey links with it, unsigned links are checked against it, and erasure
// reads the user back from it, so the form is written here once.

const PREFIX = "zendesk-user-";

/** `zendesk-user-<Zendesk user id>`. */
export function zendeskUserDistinctId(userId: number): string {
  return `${PREFIX}${userId}`;
}

/** The Zendesk user such a distinct id names, else null. */
export function zendeskUserOf(distinctId: string | null): number | null {
  const match = distinctId ? /^zendesk-user-(\d{1,15})$/.exec(distinctId) : null;
  return match ? Number(match[1]) : null;
}
