import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerByFormPost } from "./answer-post";
import { openBrowser, screenshot, seriousA11yViolations } from "./browser";
import { startWranglerDev, type DevServer } from "./wrangler-dev";

const SECRET = "browser-test-secret-0123456789";
const ADMIN_TOKEN = "browser-admin-token-0123456789abcdefghij";
let dev: DevServer;

/** Answers the survey as a browser's form post would. */
const answer = (ticketId: number, team: string, rating: number, comment: string) =>
  answerByFormPost(dev.url, SECRET, { ticketId, team, rating, comment });

beforeAll(async () => {
  dev = await startWranglerDev({ SURVEY_LINK_SECRET: SECRET, ADMIN_TOKEN, POSTHOG_API_KEY: "" });
  await answer(101, "Product analytics", 5, "Lovely");
  await answer(102, "Product analytics", 4, "");
  await answer(103, "Billing", 1, "Took <b>ages</b>");
  await answer(104, "Billing", 3, "ok");
});

afterAll(async () => {
  await dev?.stop();
});

describe("the team's admin area in a browser", () => {
  it("signs in, shows the report with its charts, and downloads the CSV", async () => {
    const browser = await openBrowser({ width: 1100 });
    try {
      const page = await browser.context.newPage();
      await page.goto(`${dev.url}/admin`);
      await page.getByLabel("Admin token").fill("wrong");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("That token is not right.").waitFor();
      await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: /^Report: / }).waitFor();

      const main = await page.locator("main").innerText();
      expect(main).toContain("4 hedgehogs fed so far");
      expect(main).toMatch(/Product analytics\s+2\s+100\.0%\s+4\.50/);
      expect(main).toMatch(/Billing\s+2\s+0\.0%\s+2\.00/);
      expect(await page.getByRole("img", { name: "Hedgehogs fed per month" }).isVisible()).toBe(true);
      expect(await page.getByRole("img", { name: /CSAT .* by team and month/ }).isVisible()).toBe(true);
      await screenshot(page, "admin-report");

      const downloading = page.waitForEvent("download");
      await page.getByRole("button", { name: "Download CSV" }).click();
      const download = await downloading;
      expect(download.suggestedFilename()).toMatch(/^responses-\d{4}-\d{2}-01-to-\d{4}-\d{2}-\d{2}\.csv$/);
      const csv = readFileSync((await download.path())!, "utf8");
      expect(csv.split("\r\n")[0]).toBe(
        "ticket_id,team,rating,comment,distinct_id,initial_target_area,first_submitted_at,updated_at,ticket_source",
      );
      expect(csv).toContain("103,Billing,1,Took <b>ages</b>,c-103");

      await page.getByRole("link", { name: "Low ratings" }).click();
      await page.getByRole("heading", { name: "Recent low ratings" }).waitFor();
      expect(await page.locator("main").innerText()).toContain("Took <b>ages</b>");
      await screenshot(page, "admin-low-ratings");
    } finally {
      await browser.close();
    }
  });

  it("has no serious or critical axe violations on the report, and reads on a phone", async () => {
    // A wrong token from another client, so that the report page lists it in its table.
    const wrong = await fetch(`${dev.url}/admin/outbox`, {
      headers: { authorization: "Bearer not-the-token", "cf-connecting-ip": "192.0.2.50" },
    });
    expect(wrong.status).toBe(401);
    const browser = await openBrowser({ width: 390, bypassCSP: true });
    try {
      const page = await browser.context.newPage();
      await page.goto(`${dev.url}/admin/sign-in`);
      await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: /^Report: / }).waitFor();
      await page.getByRole("region", { name: "Wrong admin tokens" }).getByText("192.0.2.50").waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
      const widths = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
      }));
      expect(widths.scroll).toBeLessThanOrEqual(widths.client);
      await screenshot(page, "admin-report-phone");
    } finally {
      await browser.close();
    }
  });

  for (const width of [390, 1280]) {
    it(`reads at ${width} px: no page scrolls sideways, wide tables scroll in a marked frame, chart labels are 12 px or more`, async () => {
      const browser = await openBrowser({ width });
      try {
        const page = await browser.context.newPage();
        await page.goto(`${dev.url}/admin/sign-in`);
        await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.getByRole("heading", { name: /^Report: / }).waitFor();
        for (const path of [
          "/admin",
          "/admin/answers",
          "/admin/low-ratings",
          "/admin/dispatch",
          "/admin/outbox",
          "/admin/erase",
          "/admin/report/preview",
        ]) {
          await page.goto(`${dev.url}${path}`);
          const layout = await page.evaluate(() => {
            // display: none leaves an element no boxes.
            const visible = (el: Element) => el.getClientRects().length > 0;
            const charts = [...document.querySelectorAll("svg.chart")].filter(visible) as SVGSVGElement[];
            const labelSizes = charts.flatMap((svg) => {
              const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
              return [...svg.querySelectorAll("text")].map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
            });
            const unframed = [...document.querySelectorAll("table")].filter((table) => {
              const parent = table.parentElement!;
              return table.scrollWidth > parent.clientWidth + 1 && !table.closest(".table-scroll");
            }).length;
            return {
              scroll: document.documentElement.scrollWidth,
              client: document.documentElement.clientWidth,
              charts: charts.length,
              smallestLabel: Math.min(...labelSizes),
              unframed,
            };
          });
          expect(layout.scroll, path).toBeLessThanOrEqual(layout.client);
          expect(layout.unframed, path).toBe(0);
          if (path === "/admin") {
            expect(layout.charts).toBe(2);
            expect(layout.smallestLabel).toBeGreaterThanOrEqual(12);
          }
        }
        await page.goto(`${dev.url}/admin`);
        await screenshot(page, `admin-report-${width}`);
        await page.goto(`${dev.url}/admin/answers`);
        await screenshot(page, `admin-answers-${width}`);
      } finally {
        await browser.close();
      }
    });
  }
});
