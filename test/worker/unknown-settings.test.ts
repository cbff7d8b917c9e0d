import { describe, expect, it, vi } from "vitest";
import { BASE, call, testEnv } from "./helpers";

describe("a setting name that is not a setting", () => {
  it("is logged when the Worker reads its settings, naming it and the setting probably meant, once", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const env = { ...testEnv(), ZENDESK_BASEURL: "https://example.zendesk.com" } as ReturnType<typeof testEnv>;
      expect((await call(new Request(`${BASE}/healthz`), env)).status).toBe(200);
      expect((await call(new Request(`${BASE}/healthz`), { ...env })).status).toBe(200);
      const lines = errors.mock.calls.map((c) => String(c[0])).filter((l) => l.includes("ZENDESK_BASEURL"));
      expect(lines).toEqual([
        "configuration: ZENDESK_BASEURL is not a setting (did you mean ZENDESK_BASE_URL?); it is ignored",
      ]);
    } finally {
      errors.mockRestore();
    }
  });
});
