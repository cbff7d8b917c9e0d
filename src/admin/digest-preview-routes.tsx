import { Hono, type Context } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../app-env";
import { settingsOf, type Settings } from "../config";
import { EMAIL_HTML_CSP } from "../lib/http";
import { forTeam } from "../lib/teams";
import { isKnownTimeZone } from "../settings";
import { digestSlackText, digestTitle, type WeeklyDigest } from "../hedgehogs/digest";
import { renderDigestEmail } from "../hedgehogs/digest-email";
import { channelsOwed, digestSources } from "../hedgehogs/digest-job";
import { computeWeekDigests, findDigest, type StoredDigest } from "../hedgehogs/digest-store";
import { isWeek, lastFullWeek, weekRange } from "../hedgehogs/digest-week";
import { EmailParts, MetaList, PreviewFilters } from "./email-preview-views";
import { AdminPage, formatTime } from "./views";

/**
 * A team's Monday digest for any full week, as the cron sends it: the stored one once the week's
 * digests are stored, else computed afresh. Nothing is stored or sent.
 */
export const digestPreviewRoutes = new Hono<AppEnv>();

const TEAM_REQUIRED = "team is required: the team whose digest to show, e.g. ?team=Product%20analytics";

const PreviewQuery = v.object({
  team: v.pipe(
    v.optional(v.string(), ""),
    v.trim(),
    v.minLength(1, TEAM_REQUIRED),
    v.maxLength(200, "team must be at most 200 characters"),
  ),
  week: v.optional(v.pipe(v.string(), v.trim(), v.check(isWeek, "week must be an ISO week from 1970 on, such as 2026-W48"))),
});

type Preview = { digest: WeeklyDigest; stored: StoredDigest | null; week: string };

/** The digest asked for, or the reason it cannot be shown (a 400 for the person who asked). */
async function previewOf(c: Context<AppEnv>, settings: Settings): Promise<Preview | { error: string }> {
  const parsed = v.safeParse(PreviewQuery, c.req.query());
  if (!parsed.success) return { error: parsed.issues[0].message };
  const zone = settings.support.timeZone;
  if (!isKnownTimeZone(zone)) return { error: `SUPPORT_TIMEZONE ${zone} is not a time zone this runtime knows` };
  const now = Date.now();
  const week = parsed.output.week ?? lastFullWeek(now, zone);
  if (weekRange(week, zone).end > now)
    return { error: `the week ${week} has not ended yet; the last full week is ${lastFullWeek(now, zone)}` };
  const team = parsed.output.team;
  const stored = await findDigest(c.env.DB, week, team);
  if (stored) return { digest: stored.digest, stored, week };
  const digests = await computeWeekDigests(c.env.DB, week, digestSources(settings));
  const digest = digests.find((d) => d.team === team);
  if (digest) return { digest, stored: null, week };
  const known = digests.map((d) => d.team);
  return {
    error: `no team called "${team}" in ${week}: ${known.length > 0 ? `the teams that week are ${known.join(", ")}` : "no team had answers, surveys or its own settings that week"}`,
  };
}

function whereTo(digest: WeeklyDigest, stored: StoredDigest | null, settings: Settings) {
  const owed = channelsOwed(digest, settings);
  const own = Object.hasOwn(settings.slackWebhooks, digest.team);
  const state = (s: { status: string; detail: string | null }) => `${s.status}${s.detail ? `: ${s.detail}` : ""}`;
  return {
    slack: stored
      ? state(stored.slack)
      : owed.slack.status === "pending"
        ? `would post to ${own ? "the team's own webhook" : 'the default ("*") webhook'}`
        : `nothing: ${owed.slack.detail}`,
    email: stored
      ? state(stored.email)
      : owed.email.status === "pending"
        ? `would email ${forTeam(digest.team, settings.digest.emails)}`
        : `nothing: ${owed.email.detail}`,
  };
}

function PreviewPage(props: Preview & { settings: Settings }) {
  const { digest, stored, week } = props;
  const email = renderDigestEmail(digest);
  const to = whereTo(digest, stored, props.settings);
  const query = `team=${encodeURIComponent(digest.team)}&week=${week}`;
  return (
    <AdminPage title={`Monday digest: ${digestTitle(digest)} (preview)`} current="/admin">
      <p class="notice" role="status">
        {stored
          ? `A preview: nothing is sent from here. This digest was stored ${formatTime(stored.createdAt)}; its sending stands as below.`
          : "A preview: nothing is stored or sent. The cron stores and sends it from Monday 09:00 after the week."}
      </p>
      <PreviewFilters action="/admin/digest/preview">
        <label>
          Team
          <input type="text" name="team" value={digest.team} required />
        </label>
        <label>
          Week
          <input type="week" name="week" value={week} required />
        </label>
      </PreviewFilters>
      <MetaList
        entries={[
          ["Slack", to.slack],
          ["Email", to.email],
          ["Subject", email.subject],
        ]}
      />
      <h2>Slack message</h2>
      <pre class="email-text">{digestSlackText(digest)}</pre>
      <EmailParts heading="Email: plain text part" htmlHref={`/admin/digest/preview.html?${query}`} text={email.text} />
    </AdminPage>
  );
}

digestPreviewRoutes.get("/digest/preview", async (c) => {
  const settings = settingsOf(c.env);
  const preview = await previewOf(c, settings);
  if ("error" in preview) return c.json({ error: preview.error }, 400);
  return c.html(<PreviewPage {...preview} settings={settings} />);
});

/** The email's own HTML, sandboxed like the outbox's: no scripts, inline styles as mail clients allow. */
digestPreviewRoutes.get("/digest/preview.html", async (c) => {
  const preview = await previewOf(c, settingsOf(c.env));
  if ("error" in preview) return c.json({ error: preview.error }, 400);
  return c.html(renderDigestEmail(preview.digest).html, 200, { "Content-Security-Policy": EMAIL_HTML_CSP });
});
