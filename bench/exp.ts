import { httpClient, load, startMiniflare } from "./harness";
for (const persist of [true, false]) {
  const { mf, dispose } = await startMiniflare(
    { SURVEY_LINK_SECRET: "x".repeat(20), POSTHOG_API_KEY: "" },
    persist ? {} : { d1Persist: false },
  );
  const send = httpClient(await mf.ready, 16);
  const o = { requests: 3000, concurrency: 16, expectStatus: 200 };
  await load("w", () => send("/select1"), o);
  console.log(
    persist ? "persisted" : "memory",
    "healthz",
    (await load("h", () => send("/healthz"), o)).rps.toFixed(0),
    "select1",
    (await load("s", () => send("/select1"), o)).rps.toFixed(0),
    "batch2",
    (await load("s", () => send("/batch2"), o)).rps.toFixed(0),
  );
  await dispose();
}
