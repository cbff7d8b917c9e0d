import { balanceWords, type Ledger, type LedgerPeriod } from "../hedgehogs/ledger";
import { formatMoney, monthName } from "../hedgehogs/report";
import { formatTime, ScrollTable } from "./views";
import { AdminPage } from "./views";
import { formatCount } from "../lib/format";
import { plural } from "../lib/plural";
import { ColumnHeads, numberColumn } from "../lib/column-heads";

export interface DonationFormValues {
  paid_on?: string;
  amount?: string;
  currency?: string;
  from_month?: string;
  to_month?: string;
  reference?: string;
  corrects?: string;
}

type Money = (minor: number) => string;
type DonationsPageProps = Parameters<typeof DonationsPage>[0];
type LedgerEntry = Ledger["entries"][number];

/** The hedgehog ledger: what the tally owes, what was paid, the balance; and the form that records a payment. */
export function DonationsPage(props: {
  ledger: Ledger;
  /** The ledger's rows as DONATION_PERIOD pays the donation: months, or quarters. */
  periods: { period: "month" | "quarter"; rows: LedgerPeriod[] };
  charity: string;
  costMinor: number;
  formId: string;
  values: DonationFormValues;
  error?: string;
  notice?: string;
}) {
  const money: Money = (minor) => formatMoney(minor, props.ledger.currency);
  return (
    <AdminPage title="Hedgehog ledger" current="/admin/donations">
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : null}
      {props.notice ? <p role="status">{props.notice}</p> : null}
      <LedgerSummary ledger={props.ledger} charity={props.charity} costMinor={props.costMinor} money={money} />
      <h2>Record a donation</h2>
      <DonationForm formId={props.formId} values={props.values} currency={props.ledger.currency} />
      <p>
        {props.periods.period === "quarter"
          ? "The donation is paid by the quarter: a quarter's payment covers its three months (January to March is 2026-01 to 2026-03). "
          : ""}
        Entries are never edited: to fix one, record the right values with "Corrects entry #" set to its number (an
        amount of 0 cancels it). The corrected entry stays listed, struck through.
      </p>
      <h2>{PERIOD_WORDS[props.periods.period].heading}</h2>
      <PeriodsTable periods={props.periods} money={money} />
      <h2>Entries</h2>
      <EntriesTable entries={props.ledger.entries} />
    </AdminPage>
  );
}

/** Fed, owed, paid and the balance to date, and what was paid in other currencies. */
function LedgerSummary(props: { ledger: Ledger; charity: string; costMinor: number; money: Money }) {
  const { ledger: l, money } = props;
  return (
    <>
      <p class="big">
        {plural(l.hedgehogs, "hedgehog")} fed: {money(l.owedMinor)} owed to {props.charity} ({money(props.costMinor)}{" "}
        each), {money(l.paidMinor)} paid, {balanceWords(l.balanceMinor, money)}.
      </p>
      {l.otherCurrencies.length > 0 ? (
        <p>
          Also paid, in other currencies (listed, not converted, so not counted against the balance):{" "}
          {l.otherCurrencies.map((o) => formatMoney(o.amountMinor, o.currency)).join(", ")}.
        </p>
      ) : null}
    </>
  );
}

/** The form that records a donation, or a correction of an earlier entry. */
function DonationForm(props: { formId: string; values: DonationFormValues; currency: string }) {
  const f = props.values;
  return (
    <form method="post" action="/admin/donations" class="filters donation-form">
      <input type="hidden" name="form_id" value={props.formId} />
      <label>
        Paid on <input type="date" name="paid_on" value={f.paid_on ?? ""} required />
      </label>
      <label>
        Amount <input name="amount" inputmode="decimal" value={f.amount ?? ""} placeholder="60.00" size={10} required />
      </label>
      <label>
        Currency{" "}
        <input
          name="currency"
          value={f.currency ?? props.currency}
          pattern="[A-Za-z]{3}"
          maxlength={3}
          size={4}
          required
        />
      </label>
      <label>
        From month <input type="month" name="from_month" value={f.from_month ?? ""} required />
      </label>
      <label>
        To month <input type="month" name="to_month" value={f.to_month ?? ""} required />
      </label>
      <label>
        Reference or receipt link <input name="reference" value={f.reference ?? ""} maxlength={500} />
      </label>
      <label>
        Corrects entry #{" "}
        <input name="corrects" value={f.corrects ?? ""} inputmode="numeric" size={6} placeholder="(none)" />
      </label>
      <button type="submit">Record</button>
    </form>
  );
}

const PERIOD_WORDS = {
  month: { heading: "Per month", column: "Month" },
  quarter: { heading: "Per quarter", column: "Quarter" },
} as const;

/** Each month's (or quarter's) hedgehogs, what they owe, what was paid for them and the balance, newest first. */
function PeriodsTable(props: { periods: DonationsPageProps["periods"]; money: Money }) {
  const { money } = props;
  const words = PERIOD_WORDS[props.periods.period];
  return (
    <ScrollTable label={words.heading}>
      <table>
        <ColumnHeads
          columns={[
            words.column,
            numberColumn("Hedgehogs"),
            numberColumn("Owed"),
            numberColumn("Paid"),
            numberColumn("Balance"),
          ]}
        />
        <tbody>
          {props.periods.rows.length === 0 ? (
            <tr>
              <td colspan={5}>No hedgehogs fed yet.</td>
            </tr>
          ) : null}
          {[...props.periods.rows].reverse().map((m) => (
            <tr>
              <td class="nowrap">{monthName(m.period)}</td>
              <td class="num">{formatCount(m.hedgehogs)}</td>
              <td class="num">{money(m.owedMinor)}</td>
              <td class="num">{money(m.paidMinor)}</td>
              <td class="num">{balanceWords(m.balanceMinor, money)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollTable>
  );
}

/** Every donation and correction recorded; a corrected entry is struck through. */
function EntriesTable(props: { entries: LedgerEntry[] }) {
  return (
    <ScrollTable label="Entries">
      <table>
        <ColumnHeads columns={["#", "Paid on", numberColumn("Amount"), "Covers", "Reference", "Recorded", "Note"]} />
        <tbody>
          {props.entries.length === 0 ? (
            <tr>
              <td colspan={7}>No donations recorded yet.</td>
            </tr>
          ) : null}
          {props.entries.map((e) => (
            <EntryRow entry={e} />
          ))}
        </tbody>
      </table>
    </ScrollTable>
  );
}

function EntryRow(props: { entry: LedgerEntry }) {
  const e = props.entry;
  const struck = e.correctedBy !== null;
  const cell = (text: string) => (struck ? <s>{text}</s> : text);
  return (
    <tr>
      <td>{e.id}</td>
      <td class="nowrap">{cell(e.paidOn)}</td>
      <td class="num">{cell(formatMoney(e.amountMinor, e.currency))}</td>
      <td>{cell(e.fromMonth === e.toMonth ? e.fromMonth : `${e.fromMonth} to ${e.toMonth}`)}</td>
      <td class="comment">
        <EntryReference reference={e.reference} />
      </td>
      <td class="nowrap">{formatTime(e.createdAt)}</td>
      <td>
        {struck ? `corrected by #${e.correctedBy}` : ""}
        {e.correctsId !== null ? `${struck ? "; " : ""}corrects #${e.correctsId}` : ""}
      </td>
    </tr>
  );
}

/** A reference that is an https link opens in a new tab; anything else is shown as text. */
function EntryReference(props: { reference: string | null }) {
  const ref = props.reference;
  if (ref && /^https:\/\//.test(ref))
    return (
      <a href={ref} rel="noreferrer noopener" target="_blank">
        {ref}
      </a>
    );
  return <>{ref ?? ""}</>;
}
