import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { settingsOf } from "../config";
import { readSyncStates } from "../dispatch/candidates-store";
import { readPollStates } from "../dispatch/posthog-support-store";
import { DAY_MS } from "../lib/time";
import { dispatchStatus, recentJobRuns, waitingTickets } from "./dispatch-status-store";
import { DispatchPage } from "./views";

/** What the dispatcher did and what waits: sends by status, job runs, the Zendesk sync. */
export const dispatchRoutes = new Hono<AppEnv>();

dispatchRoutes.get("/dispatch", async (c) => {
  const days = 30;
  const now = Date.now();
  const delayDays = settingsOf(c.env).dispatch.delayDays;
  const [status, runs, sync, waiting, poll] = await Promise.all([
    dispatchStatus(c.env.DB, now - days * DAY_MS),
    recentJobRuns(c.env.DB, 20),
    readSyncStates(c.env.DB),
    waitingTickets(c.env.DB, now, delayDays * DAY_MS),
    readPollStates(c.env.DB),
  ]);
  return c.html(
    <DispatchPage
      status={status}
      runs={runs}
      days={days}
      sync={sync}
      poll={poll}
      now={now}
      waiting={waiting}
      delayDays={delayDays}
    />,
  );
});
