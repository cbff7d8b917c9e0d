import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clientOf, UNKNOWN_CLIENT, waitAfterFailures } from "../../src/admin/guessing";
import { DAY_MS } from "../../src/lib/time";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import { ADMIN_TOKEN, BASE, call, runCron, testEnv, textOf } from "./helpers";

// Each test's clients are addresses of its own (documentation ranges), so counts never meet.
const bearer = (ip: string, token: string, e = testEnv()) =>
  call(
    new Request(`${BASE}/admin/outbox`, { headers: { authorization: `Bearer ${token}`, "cf-connecting-ip": ip } }),
    e,
  );
const signIn = (ip: string, token: string) =>
  call(
    new Request(`${BASE}/admin/sign-in`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "sec-fetch-site": "same-origin",
        "cf-connecting-ip": ip,
      },
      body: `token=${encodeURIComponent(token)}`,
      redirect: "manual",
    }),
  );
const statuses = (responses: Response[]) => responses.map((r) => r.status);

// The Worker reads the platform clock (Date.now()); the tests move it instead of waiting.
let clock = 0;
const advance = (ms: number) => {
  clock += ms;
  vi.setSystemTime(clock);
};
beforeEach(() => {
  clock = Date.now();
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(clock);
});
afterEach(() => {
  vi.useRealTimers();
});

async function wrongTimes(n: number, ip: string, via: typeof bearer | typeof signIn = bearer) {
  const answers: number[] = [];
  for (let i = 0; i < n; i++) answers.push((await via(ip, `wrong-guess-${i}`)).status);
  return answers;
}

describe("guessing the admin token", () => {
  it("lets 5 wrong bearer tokens through, then makes each further try wait twice as long, up to a minute", async () => {
    const ip = "203.0.113.10";
    expect(await wrongTimes(5, ip)).toEqual([401, 401, 401, 401, 401]);
    for (const seconds of [1, 2, 4, 8, 16, 32, 60, 60]) {
      const refused = await bearer(ip, "another-guess");
      expect(refused.status).toBe(429);
      expect(refused.headers.get("retry-after")).toBe(String(seconds));
      expect(await refused.json()).toEqual({
        error: `Too many wrong admin tokens came from your address. Wait ${seconds} second${seconds === 1 ? "" : "s"}, then try again.`,
      });
      // A millisecond early is still too early; the wait's end lets the next try through, to be counted.
      advance(seconds * 1000 - 1);
      expect((await bearer(ip, "another-guess")).status).toBe(429);
      advance(1);
      expect((await bearer(ip, "another-guess")).status).toBe(401);
    }
  });

  it("refuses the right token during the wait like any other, lets it in after the wait, and starts the count again", async () => {
    const ip = "203.0.113.11";
    await wrongTimes(5, ip);
    advance(1000);
    await wrongTimes(1, ip);
    // Six wrong: the next try waits 2 seconds, whatever its token (so a guess then learns nothing).
    const during = await bearer(ip, ADMIN_TOKEN);
    expect(during.status).toBe(429);
    expect(during.headers.get("retry-after")).toBe("2");
    advance(2000);
    const after = await bearer(ip, ADMIN_TOKEN);
    expect(after.status).toBe(200);
    expect(textOf(await after.text())).toContain("Outbox");
    // The success cleared the count: five wrong tokens pass again before any wait.
    expect(await wrongTimes(5, ip)).toEqual([401, 401, 401, 401, 401]);
    expect((await bearer(ip, "one-more")).status).toBe(429);
  });

  it("counts the sign-in form and the bearer header together, and answers the form with a page", async () => {
    const ip = "203.0.113.12";
    expect(await wrongTimes(3, ip, signIn)).toEqual([401, 401, 401]);
    expect(await wrongTimes(2, ip, bearer)).toEqual([401, 401]);
    const refused = await signIn(ip, ADMIN_TOKEN);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.headers.get("content-type")).toMatch(/^text\/html/);
    expect(textOf(await refused.text())).toContain(
      "Too many wrong admin tokens came from your address. Wait 1 second, then try again.",
    );
    advance(1000);
    const signedIn = await signIn(ip, ADMIN_TOKEN);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get("set-cookie")).toMatch(/^hh_admin=/);
    expect((await signIn(ip, "wrong")).status).toBe(401);
  });

  it("never slows one client for another's wrong tokens", async () => {
    const guesser = "203.0.113.13";
    const admin = "203.0.113.14";
    await wrongTimes(10, guesser, bearer);
    expect((await bearer(guesser, ADMIN_TOKEN)).status).toBe(429);
    expect((await bearer(admin, ADMIN_TOKEN)).status).toBe(200);
    expect(await wrongTimes(5, admin, signIn)).toEqual([401, 401, 401, 401, 401]);
    // IPv6 clients are counted by their /64 network: its other addresses share the count, the next network does not.
    await wrongTimes(5, "2001:db8:1:2::1");
    expect((await bearer("2001:db8:1:2:ffff::9", ADMIN_TOKEN)).status).toBe(429);
    expect((await bearer("2001:db8:1:3::1", ADMIN_TOKEN)).status).toBe(200);
  });

  it("gives a burst of concurrent wrong tokens no more tries than one at a time", async () => {
    const ip = "203.0.113.15";
    const burst = statuses(await Promise.all(Array.from({ length: 20 }, (_, i) => bearer(ip, `burst-${i}`))));
    expect(burst.filter((s) => s === 401)).toHaveLength(5);
    expect(burst.filter((s) => s === 429)).toHaveLength(15);
    // After the wait, one more try is taken and the rest of the next burst waits again.
    advance(1000);
    const next = statuses(await Promise.all(Array.from({ length: 20 }, (_, i) => bearer(ip, `again-${i}`))));
    expect(next.filter((s) => s === 401)).toHaveLength(1);
    expect(next.filter((s) => s === 429)).toHaveLength(19);
  });

  it("counts requests without CF-Connecting-IP under one shared client", async () => {
    expect(clientOf(undefined)).toBe(UNKNOWN_CLIENT);
    expect(clientOf("not an address")).toBe(UNKNOWN_CLIENT);
    expect(clientOf(" 198.51.100.7 ")).toBe("198.51.100.7");
    expect(clientOf("::ffff:198.51.100.7")).toBe("198.51.100.7");
    expect(clientOf("2001:DB8:0:1:2:3:4:5")).toBe("2001:db8:0:1::/64");
    expect(clientOf("::1")).toBe("0:0:0:0::/64");
    expect(clientOf("2001:db8::1.2.3.4")).toBe("2001:db8:0:0::/64");
    expect([0, 4, 5, 6, 7, 10, 11, 50].map(waitAfterFailures)).toEqual([
      0, 0, 1000, 2000, 4000, 32_000, 60_000, 60_000,
    ]);
  });

  it("forgets a client's wrong tokens a day after the last one (the cron prunes it)", async () => {
    const ip = "203.0.113.16";
    await wrongTimes(5, ip);
    const rows = () =>
      env.DB.prepare("SELECT failures FROM admin_guesses WHERE client = ?1").bind(ip).all<{ failures: number }>();
    advance(DAY_MS - 60_000);
    await runCron(EVERY_TEN_MINUTES, clock);
    expect((await rows()).results).toEqual([{ failures: 5 }]);
    advance(60_000);
    await runCron(EVERY_TEN_MINUTES, clock);
    expect((await rows()).results).toEqual([]);
    expect(await wrongTimes(5, ip)).toEqual([401, 401, 401, 401, 401]);
  });
});

describe("the admin page", () => {
  it("shows the clients with wrong tokens: address, count, the last, how it came, the wait left", async () => {
    const ip = "198.51.100.23";
    await wrongTimes(2, ip, signIn);
    await wrongTimes(3, ip, bearer);
    advance(1000);
    await wrongTimes(1, ip, bearer);
    advance(400);
    const page = await call(
      new Request(`${BASE}/admin`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "cf-connecting-ip": "198.51.100.24" },
      }),
    );
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(textOf(html)).toContain("Wrong admin tokens");
    const row = [...html.matchAll(/<tr>(.*?)<\/tr>/gs)].map((m) => textOf(m[1]!).trim()).find((r) => r.includes(ip));
    const last = new Date(clock - 400).toISOString().replace("T", " ").slice(0, 16);
    expect(row).toBe(`${ip} 6 ${last} UTC bearer header 2 seconds`);
  });
});

describe("a short ADMIN_TOKEN", () => {
  it("turns the admin area off (404) and says so when the Worker starts, naming the setting", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const short = "0123456789abcdefghij0123456789a";
      const e = testEnv({ ADMIN_TOKEN: short });
      expect((await bearer("203.0.113.30", short, e)).status).toBe(404);
      expect((await call(new Request(`${BASE}/admin/sign-in`), e)).status).toBe(404);
      expect(errors.mock.calls.map((c) => String(c[0])).filter((l) => l.includes("ADMIN_TOKEN"))).toEqual([
        "configuration: ADMIN_TOKEN has 31 characters but needs at least 32, so the admin area is off (404); make one with `openssl rand -base64 32`",
      ]);
      // One character more and the same token opens it.
      expect((await bearer("203.0.113.30", `${short}b`, testEnv({ ADMIN_TOKEN: `${short}b` }))).status).toBe(200);
    } finally {
      errors.mockRestore();
    }
  });
});
