import type { Settings } from "../config";
import { done, failed, type Outcome } from "../services/outcome";
import { findTicket, postHogSupportAccess, replaceTicketTags } from "../services/posthog-support";
import { postHogTicketOf } from "./alerts-store";

type Deps = { db: D1Database; settings: Settings; fetcher: typeof fetch };

/** How many times a write whose tag list changed under it is tried again at once. */
const CONFLICT_ATTEMPTS = 3;
const MAX_WAIT_MS = 20_000;

/** The ticket's tags with this rating's `csat_<rating>` in place of any other `csat_*` tag (pure). */
export function tagsWithRating(tags: string[], rating: number): string[] {
  return [...tags.filter((t) => !/^csat_[1-5]$/.test(t)), `csat_${rating}`];
}

const sameTags = (a: string[], b: string[]) => a.length === b.length && a.every((t, i) => t === b[i]);

/**
 * Writes the rating onto a PostHog Support ticket as a `csat_<rating>` tag. PATCH replaces the whole
 * tag list (TaggedItemSerializerMixin) and takes no precondition, so the list is read, changed, and
 * read again just before writing: if an agent changed it in between, the write starts over from the
 * new list, so a list that went stale while the product worked is never written back. (With no
 * conditional write in the API, a tag added in the one request's time between the last read and the
 * write can still be replaced; the window is as small as the API allows.) Afterwards the ticket is
 * read once more to confirm the tag is there. Tickets are read through the list endpoint (the single
 * GET would mark them read).
 */
export async function tagPostHogTicket(ticketKey: number, rating: number, deps: Deps): Promise<Outcome<null>> {
  const access = postHogSupportAccess(deps.settings.posthog);
  if (!access)
    return failed("PostHog Support is not configured (POSTHOG_PERSONAL_API_KEY, POSTHOG_PROJECT_ID)", {
      code: "unconfigured",
    });
  const ref = await postHogTicketOf(deps.db, ticketKey);
  if (!ref) return failed("the product never saw this PostHog Support ticket", { code: "unknown" });
  const call = { db: deps.db, fetcher: deps.fetcher, maxWaitMs: MAX_WAIT_MS };
  const read = async () => {
    const found = await findTicket(access, ref, call);
    if (found.kind !== "done") return found;
    return found.value
      ? done(found.value.tags)
      : failed("the ticket is no longer in PostHog Support", { code: "closed" });
  };
  let before = await read();
  for (let attempt = 0; attempt < CONFLICT_ATTEMPTS; attempt++) {
    if (before.kind !== "done") return before;
    const wanted = tagsWithRating(before.value, rating);
    const check = await read();
    if (check.kind !== "done") return check;
    if (!sameTags(check.value, before.value)) {
      before = check; // changed under us: start again from what is there now
      continue;
    }
    if (!sameTags(wanted, before.value)) {
      const written = await replaceTicketTags(access, ref.uuid, wanted, call);
      if (written.kind !== "done") return written;
    }
    const after = await read();
    if (after.kind !== "done") return after;
    if (after.value.includes(`csat_${rating}`)) return done(null);
    before = after;
  }
  return {
    kind: "retry",
    afterMs: 60_000,
    reason: "the ticket's tags kept changing while the rating was written",
    maybeDone: false,
  };
}
