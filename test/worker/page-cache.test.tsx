import { describe, expect, it } from "vitest";
import { renderSurveyPage } from "../../src/survey/page-cache";
import { SurveyPage, type SurveyFormProps } from "../../src/survey/views";

const hostile = `<script>alert("x")</script> & 'quotes'`;

describe("the cached survey page", () => {
  const cases: Array<[string, SurveyFormProps]> = [];
  for (const selectedRating of [undefined, 1, 3, 5]) {
    for (const initialTargetArea of [undefined, "billing", hostile]) {
      cases.push([
        `rating ${selectedRating}, area ${initialTargetArea?.slice(0, 8)}`,
        {
          link: {
            distinctId: hostile,
            ticketId: 98765,
            team: hostile,
            initialTargetArea,
            exp: 1_900_000_000,
            sig: "a".repeat(43),
          },
          selectedRating,
          charity: "Herts Wildlife Trust",
          brand: { name: hostile },
        },
      ]);
    }
  }

  it.each(cases)("is byte for byte the JSX rendering (%s)", async (_, props) => {
    const direct = String(await SurveyPage(props).toString());
    expect(await renderSurveyPage(props)).toBe(direct);
    expect(direct).not.toContain("<script>alert");
  });

  it("renders the JSX directly for an earlier answer or an error", async () => {
    const props: SurveyFormProps = {
      link: { distinctId: "d", ticketId: 5, team: "t", exp: 1_900_000_000, sig: "b".repeat(43) },
      selectedRating: 2,
      comment: hostile,
      earlier: { rating: 2, comment: hostile, version: 1, updatedAt: Date.parse("2026-11-20T10:00:00Z") },
      error: "Please choose one of the five faces.",
      charity: "Herts Wildlife Trust",
      brand: { name: "PostHog" },
    };
    const html = await renderSurveyPage(props);
    expect(html).toBe(String(await SurveyPage(props).toString()));
    expect(html).toContain("You answered on 20 November 2026");
  });
});
