import { describe, expect, it } from "vitest";
import { countTicks, HedgehogBars } from "../../src/admin/charts";

/** The labels of the hedgehog chart's count axis, as drawn for a desktop. */
function axisLabels(counts: number[]): string[] {
  const data = counts.map((hedgehogs, i) => ({ month: `2026-${String(i + 1).padStart(2, "0")}`, hedgehogs }));
  const svg = String(<HedgehogBars data={data} title="Hedgehogs fed per month" />);
  return [...svg.matchAll(/text-anchor="end">([^<]*)</g)].map((m) => m[1]!);
}

describe("the hedgehogs chart's axis", () => {
  it("labels small and large counts with distinct whole numbers from 0 up to at least the largest", () => {
    const expected: Array<[number, string[]]> = [
      [0, ["0", "1"]],
      [1, ["0", "1"]],
      [2, ["0", "1", "2"]],
      [3, ["0", "1", "2", "3"]],
      [1234, ["0", "500", "1,000", "1,500"]],
    ];
    for (const [largest, labels] of expected) {
      expect(axisLabels([0, largest]), `largest ${largest}`).toEqual(labels);
      expect(new Set(labels).size).toBe(labels.length);
    }
  });

  it("keeps to at most five labels, evenly spaced, for any count", () => {
    for (let largest = 0; largest <= 20_000; largest += largest < 200 ? 1 : 97) {
      const ticks = countTicks(largest);
      expect(ticks.length, `largest ${largest}`).toBeLessThanOrEqual(5);
      expect(ticks[0]).toBe(0);
      expect(ticks.at(-1)!).toBeGreaterThanOrEqual(largest);
      const step = ticks[1]! - ticks[0]!;
      expect(Number.isInteger(step) && step > 0).toBe(true);
      ticks.forEach((tick, i) => expect(tick).toBe(i * step));
    }
  });
});
