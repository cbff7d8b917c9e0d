import { plural } from "../lib/plural";
import type { ErasureCounts, Person } from "./erasure-store";
import { AdminPage } from "./views";

/** "a•••@example.org": enough for the team to see whom they erased, without writing the address out. */
export function maskEmail(address: string): string {
  const email = address.toLowerCase();
  const at = email.lastIndexOf("@");
  const local = email.slice(0, at);
  return `${local.slice(0, 1)}${"•".repeat(Math.min(3, Math.max(1, local.length - 1)))}${email.slice(at)}`;
}

/** The person as the pages name them: the masked address, or the distinct id. */
export function personName(who: Person): string {
  if (who.email && who.distinctId) return `${maskEmail(who.email)} (distinct id ${who.distinctId})`;
  return who.email ? maskEmail(who.email) : `distinct id ${who.distinctId}`;
}

/** What an erasure changes, in plain words, as a list of clauses. */
function changes(counts: ErasureCounts): string[] {
  return [
    `${plural(counts.responses, "answer")} without ${counts.responses === 1 ? "its" : "their"} comment and distinct id (the ${counts.responses === 1 ? "rating stays" : "ratings stay"}, anonymous)`,
    `the name and address removed from ${plural(counts.candidates, "ticket")}`,
    `${plural(counts.outboxMessages, "outbox email")} deleted`,
    `${plural(counts.suppressedAddresses, "address", { plural: "addresses" })} sent no more surveys`,
  ];
}

export function erasedSentence(who: Person, counts: ErasureCounts): string {
  return `Erased the data of ${personName(who)}: ${changes(counts).join("; ")}.`;
}

function Explainer() {
  return (
    <p>
      Erase a person's personal data: the comments and distinct id of their answers, their name and address on tickets,
      and emails kept in the outbox. Ratings and counts stay, anonymous; their address gets no more surveys.
    </p>
  );
}

export function DataRightsPage(props: { result?: string | undefined; error?: string | undefined }) {
  return (
    <AdminPage title="Data rights" current="/admin/erase">
      <Explainer />
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : null}
      {props.result ? (
        <p class="notice" role="status">
          {props.result}
        </p>
      ) : null}
      <form method="post" action="/admin/erase" class="sign-in">
        <label for="email">Email address</label>
        <input id="email" name="email" type="email" autocomplete="off" />
        <label for="distinct_id">or PostHog distinct id</label>
        <input id="distinct_id" name="distinct_id" type="text" autocomplete="off" />
        <button type="submit">Show what would be erased</button>
      </form>
    </AdminPage>
  );
}

/** The second step: what erasing this person changes, and one button to do it. */
export function ConfirmErasurePage(props: { who: Person; counts: ErasureCounts }) {
  return (
    <AdminPage title="Erase this person's data?" current="/admin/erase">
      <p>
        For <strong>{personName(props.who)}</strong> this erases, for good:
      </p>
      <ul>
        {changes(props.counts).map((clause) => (
          <li>{clause}</li>
        ))}
      </ul>
      <form method="post" action="/admin/erase" class="confirm">
        {props.who.email ? <input type="hidden" name="email" value={props.who.email} /> : null}
        {props.who.distinctId ? <input type="hidden" name="distinct_id" value={props.who.distinctId} /> : null}
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit" class="danger">
          Erase for good
        </button>{" "}
        <a href="/admin/erase">Cancel</a>
      </form>
    </AdminPage>
  );
}
