import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderReportEmail } from "../../src/hedgehogs/report-email";
import { renderSurveyEmail } from "../../src/dispatch/email";
import { buildSurveyUrl, expiryFrom } from "../../src/lib/survey-link";
import { openBrowser, screenshot } from "./browser";
import { startWranglerDev, type DevServer } from "./wrangler-dev";

const SECRET = "customer-browser-secret-0123456789";
let dev: DevServer;

beforeAll(async () => {
  dev = await startWranglerDev({ SURVEY_LINK_SECRET: SECRET });
});
afterAll(async () => {
  await dev?.stop();
});

function link(ticketId: number, rating?: number) {
  return buildSurveyUrl(
    dev.url,
    { distinctId: `device-${ticketId}`, ticketId, team: "Product analytics", exp: expiryFrom(new Date(), 30) },
    SECRET,
    { rating },
  );
}

describe("a customer on two devices", () => {
  it("sees on the phone what they wrote on the laptop, and the phone's tap keeps the comment", async () => {
    const laptop = await openBrowser({ width: 1280 });
    const phone = await openBrowser({ width: 390 });
    try {
      const ticket = 7101;
      const a = await laptop.context.newPage();
      await a.goto(await link(ticket));
      await a.locator("label.face-option").nth(1).click(); // Dissatisfied
      await a.getByLabel(/What can we do to increase your rating/).fill("The first reply took two days.");
      await a.getByRole("button", { name: "Submit" }).click();
      await a.getByText(/You just fed hedgehog/).waitFor();

      // Later, on the phone, a tap on the email's happiest face.
      const b = await phone.context.newPage();
      await b.goto(await link(ticket, 5));
      await b.getByText(/You answered on .*: Dissatisfied/).waitFor();
      expect(await b.getByRole("radio", { name: "Very satisfied" }).isChecked()).toBe(true);
      expect(await b.locator("textarea").inputValue()).toBe("The first reply took two days.");
      // The face's name is shown in words on the phone, and the question suits a 5.
      expect(await b.locator(".chosen-5").isVisible()).toBe(true);
      expect(await b.getByText("What did we do well?").isVisible()).toBe(true);
      expect(await b.getByText("What can we do to increase your rating?").isVisible()).toBe(false);
      await screenshot(b, "second-device-edit");
      await b.getByRole("button", { name: "Update my answer" }).click();
      await b.getByText("Your answer was updated").waitFor();
      expect(await b.getByText("The first reply took two days.").isVisible()).toBe(true);
    } finally {
      await laptop.close();
      await phone.close();
    }
  });

  it("a form opened before the other device answered erases nothing: it asks which answer to keep", async () => {
    const laptop = await openBrowser({ width: 1280 });
    const phone = await openBrowser({ width: 390 });
    try {
      const ticket = 7102;
      const b = await phone.context.newPage();
      await b.goto(await link(ticket, 4)); // opened first, left open
      const a = await laptop.context.newPage();
      await a.goto(await link(ticket));
      await a.locator("label.face-option").nth(0).click(); // Very dissatisfied
      await a.getByLabel(/What can we do to increase your rating/).fill("Nobody answered my question.");
      await a.getByRole("button", { name: "Submit" }).click();
      await a.getByText(/You just fed hedgehog/).waitFor();

      await b.getByRole("button", { name: "Submit" }).click();
      await b.getByRole("heading", { name: "You answered this survey before" }).waitFor();
      expect(await b.getByText("Nobody answered my question.").isVisible()).toBe(true);
      await screenshot(b, "second-device-conflict");
      await b.getByRole("link", { name: "Keep my earlier answer" }).click();
      await b.getByText(/hedgehog #/).waitFor();
      expect(await b.getByText("Nobody answered my question.").isVisible()).toBe(true);
      expect(await b.getByText("Very dissatisfied").first().isVisible()).toBe(true);
    } finally {
      await laptop.close();
      await phone.close();
    }
  });
});

describe("the first view", () => {
  it("is one request (favicon aside): the page carries its own style and script", async () => {
    const browser = await openBrowser({ width: 390 });
    try {
      const page = await browser.context.newPage();
      const requested: string[] = [];
      page.on("request", (r) => requested.push(new URL(r.url()).pathname));
      const violations: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") violations.push(m.text());
      });
      await page.goto(await link(7103, 3), { waitUntil: "networkidle" });
      // The script ran (the CSP allowed it by its hash): the beacon reported the view.
      expect(requested.filter((p) => !p.startsWith("/favicon"))).toEqual(["/", "/shown"]);
      expect(violations).toEqual([]);
      expect(await page.locator("#comment-hint").textContent()).toBe("Up to 2,000 characters.");
      await page.locator("textarea").fill("abc");
      expect(await page.locator("#comment-hint").textContent()).toBe("1,997 characters left.");
    } finally {
      await browser.close();
    }
  });
});

const faceUrls = [1, 2, 3, 4, 5].map((r) => `https://survey.example.test/?ticketId=1&sig=x&rating=${r}`);
const surveyEmail = renderSurveyEmail({
  ticketId: 48213,
  requesterName: "Bartholomew Featherstonehaugh-Montgomery",
  team: "Product analytics",
  faceUrls,
  unsubscribeUrl: "https://survey.example.test/unsubscribe?t=48213&sig=abc",
  charity: "Herts Wildlife Trust",
  brand: { name: "PostHog" },
});
const reportEmail = renderReportEmail({
  month: "2026-10",
  hedgehogs: 1234,
  runningHedgehogs: 5678,
  donation: { amountMinor: 617000, currency: "GBP", charity: "Herts Wildlife Trust", costPerHedgehogMinor: 500 },
  surveysEmailed: 4000,
  responses: 1234,
  responseRate: 0.3085,
  csat: 0.91,
  meanRating: 4.5,
  teams: [
    { team: "Product analytics", responses: 800, satisfied: 736, ratingSum: 3680, csat: 0.92, meanRating: 4.6 },
    {
      team: "Customer success and onboarding specialists",
      responses: 434,
      satisfied: 386,
      ratingSum: 1910,
      csat: 0.89,
      meanRating: 4.4,
    },
  ],
});

/**
 * The survey email as Gmail's mobile web client renders it: per caniemail.com it supports neither
 * <style> nor display:none nor opacity (their declarations are dropped), but keeps max-height,
 * overflow, font-size and line-height.
 */
function asGmailMobileWeb(html: string): string {
  return html.replace(/<style>[\s\S]*?<\/style>/g, "").replace(
    /style="([^"]*)"/g,
    (_, css: string) =>
      `style="${css
        .split(";")
        .filter((d) => !/^\s*(display\s*:\s*none|opacity\s*:)/.test(d))
        .join(";")}"`,
  );
}

describe("the survey email in Gmail's mobile web client", () => {
  it("hides the preheader and the names under the faces there too", async () => {
    const browser = await openBrowser({ width: 390 });
    try {
      const page = await browser.context.newPage();
      const html = asGmailMobileWeb(surveyEmail.html);
      expect(html).not.toContain("display:none");
      await page.setContent(html);
      expect(await page.getByText("One tap tells us how we did").isVisible()).toBe(false);
      const labels = page.locator("a[title] .email-wide");
      expect(await labels.count()).toBe(5);
      for (const label of await labels.all()) expect(await label.isVisible()).toBe(false);
      // The two ends of the scale stay named below the faces.
      expect(await page.getByText("Very dissatisfied", { exact: false }).last().isVisible()).toBe(true);
    } finally {
      await browser.close();
    }
  });
});

describe.each([320, 480, 600])("the emails at %i px", (width) => {
  it.each(["light", "dark"] as const)(
    "fit without sideways scrolling, with five equal buttons (%s)",
    async (scheme) => {
      const browser = await openBrowser({ width });
      try {
        const page = await browser.context.newPage();
        await page.emulateMedia({ colorScheme: scheme });
        await page.setContent(surveyEmail.html);
        const { scrollWidth, innerWidth } = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          innerWidth: window.innerWidth,
        }));
        expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
        const buttons = await page.locator("td.email-button").evaluateAll((cells) =>
          cells.map((c) => {
            const box = c.getBoundingClientRect();
            return { width: Math.round(box.width), height: Math.round(box.height) };
          }),
        );
        expect(buttons).toHaveLength(5);
        for (const b of buttons) {
          expect(Math.abs(b.width - buttons[0]!.width)).toBeLessThanOrEqual(1);
          expect(b.height).toBe(buttons[0]!.height);
        }
        // The preheader is never seen in the message itself.
        expect(await page.getByText("One tap tells us how we did").isVisible()).toBe(false);
        // Names under the faces only where they fit.
        expect(await page.locator(".email-wide").first().isVisible()).toBe(width > 480);
        const background = await page
          .locator("td.email-text")
          .first()
          .evaluate((el) => getComputedStyle(el).color);
        expect(background).toBe(scheme === "dark" ? "rgb(236, 238, 242)" : "rgb(29, 31, 36)");
        await screenshot(page, `survey-email-${width}-${scheme}`);

        await page.setContent(reportEmail.html);
        const report = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          innerWidth: window.innerWidth,
          title: document.title,
          charset: document.characterSet,
        }));
        expect(report.scrollWidth).toBeLessThanOrEqual(report.innerWidth);
        expect(report.title).toBe(reportEmail.subject);
        expect(report.charset).toBe("UTF-8");
        await screenshot(page, `report-email-${width}-${scheme}`);
      } finally {
        await browser.close();
      }
    },
  );
});
