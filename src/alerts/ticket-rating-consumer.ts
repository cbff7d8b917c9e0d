import type { Settings } from "../config";
import { queueDelaySeconds } from "../services/backoff";
import { writeTicketRating } from "../services/zendesk-tickets";
import { zendeskAccess } from "../services/zendesk";
import { loadWriteback, settleWriteback } from "./ticket-rating-store";

export interface TicketRatingMessage {
  ticketId: number;
  attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

/**
 * Writes each ticket's current rating into the CSAT ticket field with a `csat_<rating>` tag, paced
 * to Zendesk's ticket-update limits. The latest answer is what is written, so a message for an
 * older edit writes nothing twice. A closed ticket (Zendesk's 422, told apart by its body) is
 * recorded as skipped and never retried; 429s and outages wait.
 */
export async function consumeTicketRatings(
  messages: TicketRatingMessage[],
  deps: { db: D1Database; settings: Settings; fetcher: typeof fetch },
): Promise<{ written: number; skipped: number; failed: number; retried: number }> {
  const { db, settings } = deps;
  const report = { written: 0, skipped: 0, failed: 0, retried: 0 };
  const access = zendeskAccess(settings.zendesk);
  for (const m of messages) {
    const writeback = await loadWriteback(db, m.ticketId);
    const now = Date.now();
    if (!writeback || !writeback.answer || writeback.writtenVersion >= writeback.answer.version) {
      m.ack();
      continue;
    }
    if (!access || settings.csatFieldId === undefined) {
      await settleWriteback(
        db,
        m.ticketId,
        { status: "skipped", detail: "Zendesk or ZENDESK_CSAT_FIELD_ID is not set" },
        now,
      );
      report.skipped++;
      m.ack();
      continue;
    }
    const { version, rating } = writeback.answer;
    const outcome = await writeTicketRating(
      access,
      { ticketId: m.ticketId, rating, fieldId: settings.csatFieldId },
      deps,
    );
    if (outcome.kind === "done") {
      await settleWriteback(db, m.ticketId, { status: "done", version }, Date.now());
      report.written++;
      m.ack();
    } else if (outcome.kind === "failed") {
      const closed = outcome.code === "closed";
      await settleWriteback(
        db,
        m.ticketId,
        {
          status: closed ? "skipped" : "failed",
          detail: closed ? `ticket is closed: ${outcome.reason}` : outcome.reason,
        },
        Date.now(),
      );
      report[closed ? "skipped" : "failed"]++;
      m.ack();
    } else {
      await settleWriteback(db, m.ticketId, { status: "pending", detail: outcome.reason }, Date.now());
      report.retried++;
      m.retry({ delaySeconds: queueDelaySeconds(outcome.afterMs) });
    }
  }
  return report;
}
