import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { settingsOf } from "../config";
import { Layout } from "../lib/layout";
import { plural } from "../lib/plural";
import { monthlyTally } from "./ledger-store";
import { monthName } from "./report";
import { formatCount } from "../lib/format";
import { ColumnHeads, numberColumn } from "../lib/column-heads";

/**
 * The public hedgehog counter: `/hedgehogs` (a page) and `/hedgehogs.svg` (a badge for a handbook
 * page or a README). No sign-in and no personal data: only the tally's monthly counts and the charity.
 * Shared caches may keep both for five minutes; each isolate keeps the tally for a minute, so a
 * request costs at most one read of hedgehog_tally (a few hundred rows by primary key) and usually none.
 */
export const publicRoutes = new Hono<AppEnv>();

const PUBLIC_CACHE_CONTROL = "public, max-age=300";
const ISOLATE_MEMO_MS = 60_000;

interface Tally {
  total: number;
  months: Array<{ month: string; hedgehogs: number }>;
  /** The page and badge rendered from this tally, by charity and brand (rendering costs more than the read). */
  rendered: Map<string, string>;
}

let memo: { db: D1Database; at: number; tally: Promise<Tally> } | undefined;

/** Forgets the isolate's copy of the tally (tests change the tally and look again at once). */
export function forgetHedgehogCounter(): void {
  memo = undefined;
}

function readTally(db: D1Database, now: number): Promise<Tally> {
  if (memo && memo.db === db && now - memo.at < ISOLATE_MEMO_MS) return memo.tally;
  const tally = monthlyTally(db).then((results) => ({
    total: results.reduce((sum, r) => sum + r.hedgehogs, 0),
    months: results,
    rendered: new Map<string, string>(),
  }));
  memo = { db, at: now, tally };
  // A failed read is not kept: the next request tries again.
  tally.catch(() => {
    if (memo?.tally === tally) memo = undefined;
  });
  return tally;
}

function HedgehogsPage(props: { tally: Tally; charity: string; brand: string }) {
  const { total, months } = props.tally;
  const largest = Math.max(1, ...months.map((m) => m.hedgehogs));
  return (
    <Layout title="Hedgehogs fed by our support answers" style="counter" brand={{ name: props.brand }}>
      <h1>{plural(total, "hedgehog")} fed</h1>
      <p class="big">Every answer to our support survey feeds a hedgehog: we donate to {props.charity} for each one.</p>
      {months.length === 0 ? (
        <p>No hedgehogs fed yet: the first answer feeds the first one.</p>
      ) : (
        <table class="tally">
          <caption>Hedgehogs fed per month</caption>
          <ColumnHeads columns={["Month", numberColumn("Hedgehogs")]} />
          <tbody>
            {[...months].reverse().map((m) => (
              <tr>
                <td>{monthName(m.month)}</td>
                <td class="num">
                  <svg viewBox="0 0 100 8" width="100" height="8" aria-hidden="true" focusable="false">
                    <rect class="tally-bar" width={Math.max(1, Math.round((m.hedgehogs / largest) * 100))} height="8" />
                  </svg>{" "}
                  {formatCount(m.hedgehogs)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="footnote">Counted per month (UTC). No personal data is shown here.</p>
    </Layout>
  );
}

const escapeXml = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[ch]!);

/** A small flat badge: "1,234 hedgehogs fed", about 7 px a character in 11 px Verdana. */
export function hedgehogBadge(total: number): string {
  const label = `🦔 ${plural(total, "hedgehog")} fed`;
  const width = Math.round(label.length * 7 + 14);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${escapeXml(label)}">` +
    `<title>${escapeXml(label)}</title>` +
    `<rect width="${width}" height="20" rx="3" fill="#5b3a1e"/>` +
    `<text x="${width / 2}" y="14" fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">${escapeXml(label)}</text>` +
    `</svg>`
  );
}

/** Renders once per tally and key: month names and numbers go through Intl, which is slow per call. */
function once(tally: Tally, key: string, render: () => string): string {
  let out = tally.rendered.get(key);
  if (out === undefined) {
    out = render();
    tally.rendered.set(key, out);
  }
  return out;
}

publicRoutes.get("/hedgehogs", async (c) => {
  const settings = settingsOf(c.env);
  const tally = await readTally(c.env.DB, Date.now());
  const { charity } = settings.donation;
  const brand = settings.brand.name;
  const html = once(tally, `page|${charity}|${brand}`, () =>
    String(<HedgehogsPage tally={tally} charity={charity} brand={brand} />),
  );
  c.header("cache-control", PUBLIC_CACHE_CONTROL);
  return c.html(html);
});

publicRoutes.get("/hedgehogs.svg", async (c) => {
  const tally = await readTally(c.env.DB, Date.now());
  return c.body(
    once(tally, "badge", () => hedgehogBadge(tally.total)),
    200,
    {
      "content-type": "image/svg+xml; charset=utf-8",
      "cache-control": PUBLIC_CACHE_CONTROL,
      // The badge is embedded in other sites' pages (a handbook, a status page).
      "cross-origin-resource-policy": "cross-origin",
    },
  );
});
