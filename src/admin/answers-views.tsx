import { monthName } from "../hedgehogs/report";
import { plural } from "../lib/plural";
import { RATING_LABELS } from "../lib/copy";
import type { ListedAnswer } from "./answers-store";
import { AdminPage, formatTime, ScrollTable, TicketLink } from "./views";
import type { TicketPageSettings } from "../services/ticket-pages";
import { formatCount } from "../lib/format";
import { ColumnHeads, numberColumn } from "../lib/column-heads";

export interface AnswersFilterValues {
  month: string | undefined;
  team: string | undefined;
  rating: number | undefined;
}

/** The page's own URL with these filters (and a cursor), for links that keep the filters. */
function answersHref(filter: AnswersFilterValues, page: { cursor?: string } = {}): string {
  const { cursor } = page;
  const query = new URLSearchParams();
  if (filter.month) query.set("month", filter.month);
  if (filter.team) query.set("team", filter.team);
  if (filter.rating) query.set("rating", String(filter.rating));
  if (cursor) query.set("cursor", cursor);
  const text = query.toString();
  return text ? `/admin/answers?${text}` : "/admin/answers";
}

/** One filter: a labelled select whose first option shows everything. */
function FilterSelect(props: {
  label: string;
  name: string;
  all: string;
  options: Array<{ value: string; text: string }>;
  selected: string | undefined;
}) {
  return (
    <label>
      {props.label}
      <select name={props.name}>
        <option value="">{props.all}</option>
        {props.options.map((o) => (
          <option value={o.value} selected={o.value === props.selected}>
            {o.text}
          </option>
        ))}
      </select>
    </label>
  );
}

function Filters(props: { filter: AnswersFilterValues; months: string[]; teams: string[] }) {
  const f = props.filter;
  return (
    <form method="get" action="/admin/answers" class="filters">
      <FilterSelect
        label="Month"
        name="month"
        all="All months"
        options={props.months.map((m) => ({ value: m, text: monthName(m) }))}
        selected={f.month}
      />
      <FilterSelect
        label="Team"
        name="team"
        all="All teams"
        options={props.teams.map((t) => ({ value: t, text: t }))}
        selected={f.team}
      />
      <FilterSelect
        label="Rating"
        name="rating"
        all="All ratings"
        options={[5, 4, 3, 2, 1].map((r) => ({ value: String(r), text: `${r} · ${RATING_LABELS[r - 1]}` }))}
        selected={f.rating === undefined ? undefined : String(f.rating)}
      />
      <button type="submit">Show</button>
    </form>
  );
}

/** How many 1s, 2s … 5s: a row each, its count and share, with a bar (HTML text, so it reads at any width). */
function Distribution(props: { counts: number[]; filter: AnswersFilterValues }) {
  const total = props.counts.reduce((a, b) => a + b, 0);
  const scope = `${props.filter.month ? monthName(props.filter.month) : "all months"}, ${props.filter.team ?? "all teams"}`;
  return (
    <section aria-labelledby="distribution">
      <h2 id="distribution">Ratings ({scope})</h2>
      <p>{plural(total, "answer")}.</p>
      <table class="distribution">
        <ColumnHeads
          columns={[
            "Rating",
            numberColumn("Answers"),
            numberColumn("Share"),
            { heading: <span class="visually-hidden">Bar</span>, class: "bar-cell" },
          ]}
        />
        <tbody>
          {[5, 4, 3, 2, 1].map((r) => {
            const count = props.counts[r - 1]!;
            const share = total > 0 ? count / total : 0;
            return (
              <tr>
                <th scope="row">
                  <a href={answersHref({ ...props.filter, rating: r })}>
                    {r} · {RATING_LABELS[r - 1]}
                  </a>
                </th>
                <td class="num">{formatCount(count)}</td>
                <td class="num">{total > 0 ? `${(share * 100).toFixed(0)}%` : "—"}</td>
                <td class="bar-cell">
                  <svg class="share-bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                    <rect class={`rating-${r}`} width={(share * 100).toFixed(1)} height="10" />
                  </svg>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

function AnswersTable(props: { rows: ListedAnswer[]; ticketPages: TicketPageSettings }) {
  return (
    <ScrollTable label="Answers">
      <table class="answers">
        <ColumnHeads columns={["Answered", "Ticket", "Team", numberColumn("Rating"), "Comment"]} />
        <tbody>
          {props.rows.map((r) => (
            <tr>
              <td class="nowrap">
                {formatTime(r.firstSubmittedAt)}
                {r.updatedAt !== r.firstSubmittedAt ? <span class="detail"> (edited)</span> : null}
              </td>
              <td>
                <TicketLink ticketId={r.ticketId} ticketNumber={r.ticketNumber} pages={props.ticketPages} />
              </td>
              <td>{r.team}</td>
              <td class="num" title={RATING_LABELS[r.rating - 1]}>
                {r.rating}
              </td>
              <td class="comment">{r.comment ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollTable>
  );
}

export function AnswersPage(props: {
  filter: AnswersFilterValues;
  months: string[];
  teams: string[];
  counts: number[];
  rows: ListedAnswer[];
  nextCursor: string | null;
  isFirstPage: boolean;
  ticketPages: TicketPageSettings;
}) {
  return (
    <AdminPage title="Answers" current="/admin/answers">
      <Filters filter={props.filter} months={props.months} teams={props.teams} />
      <Distribution counts={props.counts} filter={props.filter} />
      <h2>Every answer{props.filter.rating ? ` rated ${props.filter.rating}` : ""}, newest first</h2>
      {props.rows.length === 0 ? (
        <p>No answers match.</p>
      ) : (
        <AnswersTable rows={props.rows} ticketPages={props.ticketPages} />
      )}
      <nav class="pager" aria-label="Pages">
        {props.isFirstPage ? null : <a href={answersHref(props.filter)}>Newest answers</a>}
        {props.nextCursor ? <a href={answersHref(props.filter, { cursor: props.nextCursor })}>Older answers</a> : null}
      </nav>
    </AdminPage>
  );
}
