/**
 * The hedgehog ledger's maths: what the tally promises (hedgehogs × HEDGEHOG_COST) against what was
 * paid. Amounts are integers in the currency's minor units. Plain values in, plain values out.
 */

export interface DonationEntry {
  id: number;
  paidOn: string;
  amountMinor: number;
  currency: string;
  fromMonth: string;
  toMonth: string;
  reference: string | null;
  correctsId: number | null;
  createdAt: number;
}

export interface LedgerMonth {
  month: string;
  hedgehogs: number;
  owedMinor: number;
  /** Payments in the donation currency that cover this month, shared out by what each month owed. */
  paidMinor: number;
  /** Owed minus paid: above zero still to pay, below zero paid ahead. */
  balanceMinor: number;
}

export interface Ledger {
  currency: string;
  hedgehogs: number;
  owedMinor: number;
  paidMinor: number;
  balanceMinor: number;
  /** Payments in other currencies: listed, never converted, so never counted against the balance. */
  otherCurrencies: Array<{ currency: string; amountMinor: number }>;
  months: LedgerMonth[];
  /** Every entry, newest first, with the entry that replaced it (if one did). */
  entries: Array<DonationEntry & { correctedBy: number | null }>;
}

/** Months from `from` to `to`, inclusive ('YYYY-MM'). */
function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5, 7));
  for (let guard = 0; guard < 1200; guard++) {
    const month = `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}`;
    if (month > to) break;
    months.push(month);
    if (++m > 12) {
      m = 1;
      y++;
    }
  }
  return months;
}

/**
 * Shares an amount out over the months it covers, in proportion to what each owed (equally when
 * none owed anything), whole minor units, the remainder to the last month: a payment of exactly
 * what its months owed leaves each of them at zero.
 */
export function allocate(amountMinor: number, months: string[], owed: Map<string, number>): Map<string, number> {
  const weights = months.map((m) => owed.get(m) ?? 0);
  const total = weights.reduce((a, b) => a + b, 0);
  const shares = new Map<string, number>();
  let given = 0;
  months.forEach((m, i) => {
    const share =
      i === months.length - 1
        ? amountMinor - given
        : Math.floor(total > 0 ? (amountMinor * weights[i]!) / total : amountMinor / months.length);
    shares.set(m, share);
    given += share;
  });
  return shares;
}

export function buildLedger(
  tally: Array<{ month: string; hedgehogs: number }>,
  entries: DonationEntry[],
  terms: { hedgehogCostMinor: number; currency: string },
  /** throughMonth: only months up to this one count as owed (the report's month); all payments count. */
  options: { throughMonth?: string } = {},
): Ledger {
  const { throughMonth } = options;
  const counted = tally.filter((t) => throughMonth === undefined || t.month <= throughMonth);
  const owed = new Map(counted.map((t) => [t.month, t.hedgehogs * terms.hedgehogCostMinor]));
  const hedgehogs = new Map(counted.map((t) => [t.month, t.hedgehogs]));
  const correctedBy = new Map<number, number>();
  for (const e of entries) if (e.correctsId !== null) correctedBy.set(e.correctsId, e.id);
  const effective = entries.filter((e) => !correctedBy.has(e.id));
  const paid = new Map<string, number>();
  const other = new Map<string, number>();
  for (const e of effective) {
    if (e.currency !== terms.currency) {
      other.set(e.currency, (other.get(e.currency) ?? 0) + e.amountMinor);
      continue;
    }
    for (const [m, share] of allocate(e.amountMinor, monthsBetween(e.fromMonth, e.toMonth), owed))
      paid.set(m, (paid.get(m) ?? 0) + share);
  }
  const months = [...new Set([...owed.keys(), ...paid.keys()])].sort().map((month) => {
    const o = owed.get(month) ?? 0;
    const p = paid.get(month) ?? 0;
    return { month, hedgehogs: hedgehogs.get(month) ?? 0, owedMinor: o, paidMinor: p, balanceMinor: o - p };
  });
  const sum = (f: (m: LedgerMonth) => number) => months.reduce((a, m) => a + f(m), 0);
  return {
    currency: terms.currency,
    hedgehogs: sum((m) => m.hedgehogs),
    owedMinor: sum((m) => m.owedMinor),
    paidMinor: sum((m) => m.paidMinor),
    balanceMinor: sum((m) => m.balanceMinor),
    otherCurrencies: [...other.entries()].sort().map(([currency, amountMinor]) => ({ currency, amountMinor })),
    months,
    entries: [...entries]
      .sort((a, b) => b.id - a.id)
      .map((e) => ({ ...e, correctedBy: correctedBy.get(e.id) ?? null })),
  };
}

/** A row of the ledger by DONATION_PERIOD: a month ('YYYY-MM') or a quarter ('YYYY-Qn') and its sums. */
export interface LedgerPeriod {
  period: string;
  hedgehogs: number;
  owedMinor: number;
  paidMinor: number;
  balanceMinor: number;
}

/** The quarter a month falls in: '2031-02' → '2031-Q1'. */
export function quarterOf(month: string): string {
  return `${month.slice(0, 4)}-Q${Math.ceil(Number(month.slice(5, 7)) / 3)}`;
}

/**
 * The ledger's months as the donation is paid: each month, or with quarters the sums of each
 * quarter's months (a quarter whose months are paid exactly is settled), oldest first.
 */
export function ledgerPeriods(months: LedgerMonth[], period: "month" | "quarter"): LedgerPeriod[] {
  const rows = new Map<string, LedgerPeriod>();
  for (const m of months) {
    const key = period === "quarter" ? quarterOf(m.month) : m.month;
    const row = rows.get(key) ?? { period: key, hedgehogs: 0, owedMinor: 0, paidMinor: 0, balanceMinor: 0 };
    row.hedgehogs += m.hedgehogs;
    row.owedMinor += m.owedMinor;
    row.paidMinor += m.paidMinor;
    row.balanceMinor += m.balanceMinor;
    rows.set(key, row);
  }
  return [...rows.values()];
}

/** How many digits a currency's minor unit has (GBP 2, JPY 0, KWD 3), from the runtime's ICU data. */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat("en-GB", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** An amount in minor units as a number of major units: 1250 GBP pence → 12.5, 1200 JPY → 1200, 1250 KWD fils → 1.25. */
export function majorUnits(amountMinor: number, currency: string): number {
  const digits = minorDigits(currency);
  return Number((amountMinor / 10 ** digits).toFixed(digits));
}

/** "12.50" in GBP → 1250; "1200" in JPY → 1200. Undefined when the text is not such an amount. */
export function parseAmount(text: string, currency: string): number | undefined {
  const digits = minorDigits(currency);
  const m = /^(\d{1,12})(?:\.(\d+))?$/.exec(text.trim().replace(/,/g, ""));
  if (!m) return undefined;
  const fraction = m[2] ?? "";
  if (fraction.length > digits) return undefined;
  const minor = Number(m[1]) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
  return Number.isSafeInteger(minor) ? minor : undefined;
}

/** "still to pay £12.00", "paid ahead £3.00" or "settled". */
export function balanceWords(balanceMinor: number, format: (minor: number) => string): string {
  if (balanceMinor > 0) return `${format(balanceMinor)} still to pay`;
  if (balanceMinor < 0) return `${format(-balanceMinor)} paid ahead`;
  return "settled";
}
