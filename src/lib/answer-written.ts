/**
 * True (in SQL) when the ticket's stored answer is the one a given write made: its version, write time,
 * rating and comment are the write's. What an answer owes (an alert, a write-back to the ticket) is
 * written in the answer's own transaction under this condition, so a repeated or conflicting
 * submission, which stores nothing, owes nothing. The arguments are the statement's parameter names
 * (`?1`, `?2`, ...).
 */
export function answerWrittenSql(params: {
  ticketId: string;
  version: string;
  at: string;
  rating: string;
  comment: string;
}): string {
  const { ticketId, version, at, rating, comment } = params;
  return `EXISTS (SELECT 1 FROM responses WHERE ticket_id = ${ticketId} AND version = ${version}
    AND updated_at = ${at} AND rating = ${rating} AND comment IS ${comment})`;
}
