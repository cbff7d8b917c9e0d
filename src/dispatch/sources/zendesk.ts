// What a Zendesk ticket is to the dispatcher: the requester (a sideloaded user), the team (its
// group), solved when its status is solved or closed, solved at its metric set's `solved_at`, tags
// lower-cased. Zendesk tickets have no channel rule (the email is the channel).
import { addressKeys, type AddressKeys } from "../../lib/email-address";
import type { ExportPage } from "../../services/zendesk";
import type { Candidate } from "../candidates-store";
import type { SyncedTicket } from "../sends-store";

export const ZENDESK_SOLVED_STATUSES: readonly string[] = ["solved", "closed"];

/** A ticket of an export page (or a `show_many` answer) as the dispatcher keeps it; null when absent. */
export function zendeskTicketOf(page: ExportPage, ticketId: number): SyncedTicket | null {
  const t = page.tickets.find((x) => x.id === ticketId);
  if (!t) return null;
  const user = t.requester_id != null ? page.users.get(t.requester_id) : undefined;
  const solvedAt = page.solvedAt.get(t.id) ?? null;
  return {
    source: "zendesk",
    status: t.status,
    solvedAt: solvedAt === null ? null : Date.parse(solvedAt),
    tags: t.tags.map((tag) => tag.toLowerCase()),
    role: user?.role ?? null,
    email: user?.email ?? null,
    name: user?.name ?? null,
    externalId: user?.external_id == null ? null : String(user.external_id),
    requesterId: t.requester_id ?? null,
    groupName: t.group_id != null ? (page.groups.get(t.group_id) ?? null) : null,
    channel: null,
  };
}

/**
 * Turns a page of the export into candidate rows (pure apart from hashing), with the keys of the
 * page's addresses: the rows an address had before fingerprints were keyed are keyed in the same batch.
 */
export async function zendeskCandidates(
  page: ExportPage,
  fingerprintKey: string,
): Promise<{ candidates: Candidate[]; addresses: AddressKeys[] }> {
  const addresses: AddressKeys[] = [];
  const candidates = await Promise.all(
    page.tickets.map(async (t) => {
      const ticket = zendeskTicketOf(page, t.id)!;
      const keys = ticket.email ? await addressKeys(fingerprintKey, ticket.email) : null;
      if (keys) addresses.push(keys);
      return {
        ticketId: t.id,
        status: ticket.status!,
        solvedAt: ticket.solvedAt,
        requesterId: ticket.requesterId,
        email: ticket.email,
        name: ticket.name,
        externalId: ticket.externalId,
        role: ticket.role,
        addressFingerprint: keys?.fingerprint ?? null,
        groupName: ticket.groupName,
        tags: ticket.tags,
        ticketUpdatedAt: Date.parse(t.updated_at),
      };
    }),
  );
  return { candidates, addresses };
}
