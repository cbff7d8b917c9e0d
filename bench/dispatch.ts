// One dispatch cycle at scale (issue 3): 20,000 tickets solved 4 days ago in a loopback Zendesk,
// synced, selected, queued and emailed through Resend's batch API, all on Miniflare.
// Goals: ≤ 2 Zendesk requests per 1,000 tickets; ≤ 10 Resend requests per 1,000 emails; under
// 1,000 subrequests in any one invocation.
import { startFakeResend } from "../test/fakes/resend";
import { startFakeZendesk } from "../test/fakes/zendesk";
import { machine, startMiniflare, table } from "./harness";

const TICKETS = Number(process.env.BENCH_TICKETS ?? 20_000);

export async function benchDispatch(): Promise<string> {
  const zendesk = await startFakeZendesk();
  const resend = await startFakeResend();
  const solved = new Date(Date.now() - 4 * 86_400_000);
  const tickets = Array.from({ length: TICKETS }, (_, i) => ({
    id: 100_000 + i,
    status: i % 2 === 0 ? "solved" : "closed",
    solved_at: solved.toISOString(),
    updated_at: new Date(solved.getTime() + i * 1000).toISOString(),
    tags: i % 50 === 0 ? ["spam"] : [],
    requester: {
      id: 500_000 + i,
      name: `Customer ${i}`,
      email: `customer${i}@example.org`,
      role: "end-user",
      external_id: `ph-${i}`,
    },
    group: { id: i % 4, name: ["Product analytics", "Billing", "Feature flags", "Surveys"][i % 4]! },
  }));
  for (let i = 0; i < tickets.length; i += 5000) {
    await fetch(`${zendesk.url}/__fake/zendesk/bench/tickets`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(tickets.slice(i, i + 5000)),
    });
  }
  const { mf, db, dispose } = await startMiniflare({
    SURVEY_LINK_SECRET: "bench-survey-link-secret-0123456789",
    POSTHOG_API_KEY: "",
    ZENDESK_BASE_URL: `${zendesk.url}/t/bench`,
    ZENDESK_EMAIL: "agent@example.com",
    ZENDESK_API_TOKEN: "test-zendesk-token",
    MAIL_PROVIDER: "resend",
    RESEND_BASE_URL: `${resend.url}/t/bench`,
    RESEND_API_KEY: "re_test_key",
  });
  try {
    const started = performance.now();
    const worker = await mf.getWorker();
    await worker.scheduled({ cron: "*/10 * * * *", scheduledTime: new Date() });
    const expectedSends = tickets.filter((t) => !t.tags.includes("spam")).length;
    let sent = 0;
    const deadline = Date.now() + 10 * 60_000;
    while (Date.now() < deadline) {
      sent = (await db.prepare("SELECT COUNT(*) AS n FROM survey_sends WHERE status = 'sent'").first<{ n: number }>())!
        .n;
      if (sent >= expectedSends) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const seconds = (performance.now() - started) / 1000;
    const runs = (
      await db.prepare("SELECT job, subrequests, d1_queries, d1_rows_read, summary FROM job_runs").all<{
        job: string;
        subrequests: number;
        d1_queries: number;
        d1_rows_read: number;
        summary: string;
      }>()
    ).results;
    const zendeskRequests = zendesk.requests.filter((r) => r.path.startsWith("/t/bench/")).length;
    const resendRequests = resend.requests.filter((r) => r.path.startsWith("/t/bench/")).length;
    const maxSub = Math.max(...runs.map((r) => r.subrequests));
    const rowsRead = runs.reduce((n, r) => n + r.d1_rows_read, 0);
    const cron = runs.filter((r) => r.job === "every-ten-minutes");
    const consumers = runs.filter((r) => r.job === "survey-emails");
    const per1000 = (n: number, of: number) => ((n / of) * 1000).toFixed(2);
    const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
    const unexpected = zendesk.unexpected.length + resend.unexpected.length;
    return [
      `Dispatch cycle (machine: ${machine()}; ${TICKETS.toLocaleString("en-GB")} tickets solved 4 days ago, 2% tagged spam; Miniflare, Resend batch API, both faked on loopback)`,
      "",
      table(
        ["measure", "value", "goal", "result"],
        [
          ["wall time, cron start to last email recorded", `${seconds.toFixed(1)} s`, "", ""],
          ["emails sent (recorded `sent`)", `${sent} of ${expectedSends}`, "all", verdict(sent === expectedSends)],
          ["Zendesk requests", zendeskRequests, "", ""],
          [
            "Zendesk requests per 1,000 tickets",
            per1000(zendeskRequests, TICKETS),
            "≤ 2",
            verdict((zendeskRequests / TICKETS) * 1000 <= 2),
          ],
          ["Resend requests", resendRequests, "", ""],
          [
            "Resend requests per 1,000 emails",
            per1000(resendRequests, sent),
            "≤ 10",
            verdict((resendRequests / sent) * 1000 <= 10),
          ],
          ["invocations (cron + queue batches)", `${cron.length} + ${consumers.length}`, "", ""],
          ["most subrequests in one invocation (fetch + queue + D1)", maxSub, "< 1,000", verdict(maxSub < 1000)],
          ["D1 queries, cron invocation", cron.map((r) => r.d1_queries).join(", "), "", ""],
          ["D1 rows read per ticket", (rowsRead / TICKETS).toFixed(2), "", ""],
          [
            "… by the cron (sync, select, claim)",
            (cron.reduce((n, r) => n + r.d1_rows_read, 0) / TICKETS).toFixed(2),
            "",
            "",
          ],
          [
            "… by the queue consumer (re-check, send, record)",
            (consumers.reduce((n, r) => n + r.d1_rows_read, 0) / TICKETS).toFixed(2),
            "",
            "",
          ],
          ["requests the fakes did not expect", unexpected, "0", verdict(unexpected === 0)],
        ],
      ),
    ].join("\n");
  } finally {
    await dispose();
    await zendesk.close();
    await resend.close();
  }
}
