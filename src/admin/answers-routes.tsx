import { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../app-env";
import { settingsOf } from "../config";
import { isMonth, monthRange } from "../hedgehogs/report";
import { answeredMonths, answeredTeams, answersPage, ratingDistribution, type AnswerCursor } from "./answers-store";
import { AnswersPage } from "./answers-views";
import { ticketPageSettings } from "../services/ticket-pages";

export const answersRoutes = new Hono<AppEnv>();

const PAGE_SIZE = 50;

/** An empty field (the filter's "All …" choice) means no filter. */
const optionalField = <T extends v.GenericSchema<string, unknown>>(schema: T) =>
  v.optional(v.union([v.literal(""), schema]));

const AnswersQuery = v.object({
  month: optionalField(v.pipe(v.string(), v.check(isMonth, "month must look like 2026-10"))),
  team: optionalField(v.pipe(v.string(), v.maxLength(200, "team is at most 200 characters"))),
  rating: optionalField(v.pipe(v.string(), v.regex(/^[1-5]$/, "rating must be 1 to 5"), v.transform(Number))),
  // `<ms>-<ticket id>` of the last answer on the previous page.
  cursor: optionalField(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,15}-\d{1,16}$/, "cursor is not one this page made"),
      v.transform((s): AnswerCursor => {
        const [at, ticketId] = s.split("-").map(Number);
        return { at: at!, ticketId: ticketId! };
      }),
    ),
  ),
});

const cursorOf = (row: { firstSubmittedAt: number; ticketId: number }) => `${row.firstSubmittedAt}-${row.ticketId}`;

/** Every answer, filtered by month, team and rating, newest first, a page at a time; and the month's ratings. */
answersRoutes.get("/answers", async (c) => {
  const parsed = v.safeParse(AnswersQuery, c.req.query());
  if (!parsed.success) return c.json({ error: parsed.issues[0].message }, 400);
  const q = parsed.output;
  const month = q.month || undefined;
  const range = month ? monthRange(month) : { start: 0, end: Number.MAX_SAFE_INTEGER };
  const filter = { ...range, team: q.team || null, rating: q.rating || null };
  const cursor = q.cursor || null;
  const [rows, counts, teams, months] = await Promise.all([
    answersPage(c.env.DB, filter, cursor, PAGE_SIZE + 1),
    ratingDistribution(c.env.DB, filter),
    answeredTeams(c.env.DB, range.start, range.end),
    answeredMonths(c.env.DB, 36),
  ]);
  const page = rows.slice(0, PAGE_SIZE);
  return c.html(
    <AnswersPage
      filter={{ month, team: filter.team ?? undefined, rating: filter.rating ?? undefined }}
      months={month && !months.includes(month) ? [month, ...months] : months}
      teams={filter.team && !teams.includes(filter.team) ? [filter.team, ...teams] : teams}
      counts={counts}
      rows={page}
      nextCursor={rows.length > PAGE_SIZE ? cursorOf(page[page.length - 1]!) : null}
      isFirstPage={cursor === null}
      ticketPages={ticketPageSettings(settingsOf(c.env))}
    />,
  );
});
