import { EMAIL_HTML_CSP } from "../lib/http";
import { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../app-env";
import { settingsOf, type Settings } from "../config";
import { isMonth, monthName, previousMonth } from "../hedgehogs/report";
import { renderReportEmail } from "../hedgehogs/report-email";
import { computeReport } from "../hedgehogs/report-store";
import { EmailParts, MetaList, PreviewFilters } from "./email-preview-views";
import { AdminPage } from "./views";

/**
 * The donor's email for any month, as the monthly job would send it, computed afresh: nothing is
 * stored or sent, so a month can be previewed before, during and after it.
 */
export const reportPreviewRoutes = new Hono<AppEnv>();

const PreviewQuery = v.object({
  month: v.optional(v.pipe(v.string(), v.check(isMonth, "month must look like 2026-10"))),
});

async function previewEmail(db: D1Database, settings: Settings, month: string) {
  return renderReportEmail(await computeReport(db, month, settings.donation, settings.lowRatingReasons));
}

function PreviewPage(props: { month: string; to: string | undefined; subject: string; text: string }) {
  const href = `/admin/report/preview.html?month=${props.month}`;
  return (
    <AdminPage title={`Donor's email: ${monthName(props.month)} (preview)`} current="/admin">
      <p class="notice" role="status">
        A preview: nothing is stored or sent. The monthly job sends this on the 1st of the next month.
      </p>
      <PreviewFilters action="/admin/report/preview">
        <label>
          Month
          <input type="month" name="month" value={props.month} required />
        </label>
      </PreviewFilters>
      <MetaList
        entries={[
          ["To", props.to ?? "no one: DONATION_REPORT_TO is not set"],
          ["Subject", props.subject],
        ]}
      />
      <EmailParts heading="Plain text part" htmlHref={href} text={props.text} />
    </AdminPage>
  );
}

reportPreviewRoutes.get("/report/preview", async (c) => {
  const parsed = v.safeParse(PreviewQuery, c.req.query());
  if (!parsed.success) return c.json({ error: parsed.issues[0].message }, 400);
  const settings = settingsOf(c.env);
  const month = parsed.output.month ?? previousMonth(Date.now());
  const email = await previewEmail(c.env.DB, settings, month);
  return c.html(
    <PreviewPage month={month} to={settings.donation.reportTo} subject={email.subject} text={email.text} />,
  );
});

/** The email's own HTML, sandboxed like the outbox's: no scripts, inline styles as mail clients allow. */
reportPreviewRoutes.get("/report/preview.html", async (c) => {
  const parsed = v.safeParse(PreviewQuery, c.req.query());
  if (!parsed.success) return c.json({ error: parsed.issues[0].message }, 400);
  const month = parsed.output.month ?? previousMonth(Date.now());
  const email = await previewEmail(c.env.DB, settingsOf(c.env), month);
  return c.html(email.html, 200, { "Content-Security-Policy": EMAIL_HTML_CSP });
});
