import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  answerForm,
  BASE,
  call,
  callThenConsume,
  freshTicket,
  linkFields,
  posthogEvents,
  shownReport,
  signedUrl,
  testEnv,
  textOf,
} from "./helpers";

async function get(url: string) {
  const res = await call(new Request(url));
  return { res, html: await res.text() };
}

describe("GET / (the survey page)", () => {
  it("shows the question, five labelled faces and the comment box for a signed link", async () => {
    const ticket = freshTicket();
    const { res, html } = await get(await signedUrl(linkFields(ticket)));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const text = textOf(html);
    expect(text).toContain("How happy are you with the level of support you received?");
    for (const label of ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"]) {
      expect(text).toContain(label);
    }
    expect(html.match(/type="radio" name="rating"/g)).toHaveLength(5);
    expect(html).toContain('<label for="comment"');
    expect(text).toContain("What can we do to increase your rating?");
    expect(html).toContain('maxlength="2000"');
    expect(text).toContain("Up to 2,000 characters");
    expect(html).not.toMatch(/checked=""/);
    expect(html.startsWith("<!doctype html>")).toBe(true);
  });

  it("asks what went wrong in a fieldset with a legend and real checkboxes, saying it is for low ratings", async () => {
    const { html } = await get(await signedUrl(linkFields(freshTicket())));
    const fieldset = /<fieldset class="reasons"[\s\S]*?<\/fieldset>/.exec(html)?.[0] ?? "";
    expect(textOf(fieldset)).toContain("What went wrong? (optional)");
    expect(fieldset).toMatch(/<legend>What went wrong\?/);
    expect(textOf(fieldset)).toContain("Only if you chose one of the first 3 faces.");
    const boxes = [
      ...fieldset.matchAll(
        /<label class="reason"><input type="checkbox" name="reason" value="(\w+)"\s*\/?> ([^<]+)<\/label>/g,
      ),
    ];
    expect(boxes.map((m) => [m[1], m[2]])).toEqual([
      ["slow", "The reply was slow"],
      ["not_solved", "My problem was not solved"],
      ["not_fixed_yet", "A bug or missing feature that was not fixed yet"],
      ["billing", "Billing or account"],
      ["other", "Something else"],
    ]);
    // Without script it is shown for every rating: nothing hides it in the markup.
    expect(fieldset).not.toMatch(/<fieldset[^>]*hidden/);
  });

  it("preselects the face named by rating", async () => {
    const { html } = await get(await signedUrl(linkFields(freshTicket()), 4));
    expect(html).toMatch(/value="4" checked=""/);
    expect(html.match(/checked=""/g)).toHaveLength(1);
  });

  it("sends the security headers: inline code allowed by hash only, no referrer to other sites, no framing, HSTS", async () => {
    const { res, html } = await get(await signedUrl(linkFields(freshTicket())));
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/]{43}='/);
    expect(csp).toMatch(/style-src 'self' 'sha256-[A-Za-z0-9+/]{43}='/);
    expect(csp).toContain("frame-ancestors 'none'");
    // The hashes are those of the page's own inline style and script.
    const digest = async (text: string) => {
      const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
      return btoa(String.fromCharCode(...bytes));
    };
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(csp).toContain(`'sha256-${await digest(style)}'`);
    expect(csp).toContain(`'sha256-${await digest(script)}'`);
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("cache-control")).toBe("private, no-cache");
    expect(res.headers.get("strict-transport-security")).toMatch(/^max-age=\d{8,}/);
    expect(res.headers.get("cross-origin-opener-policy")).toBeNull();
    expect(res.headers.get("cross-origin-resource-policy")).toBe("same-origin");
    expect(res.headers.get("permissions-policy")).toBe("camera=(), microphone=(), geolocation=()");
  });

  it("never records an answer, however often the link is opened (mail scanners open every link)", async () => {
    const ticket = freshTicket();
    const url = await signedUrl(linkFields(ticket), 1);
    for (let i = 0; i < 3; i++) expect((await get(url)).res.status).toBe(200);
    const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM responses WHERE ticket_id = ?")
      .bind(ticket)
      .first<{ n: number }>();
    expect(row!.n).toBe(0);
  });

  it("captures `survey shown` once per ticket when the page reports it was seen, never on a bare GET", async () => {
    const ticket = freshTicket();
    const url = await signedUrl(linkFields(ticket));
    await get(url);
    const shownFor = async () =>
      (await posthogEvents()).filter((e) => e.event === "survey shown" && e.properties.ticketId === String(ticket));
    expect(await shownFor()).toHaveLength(0);

    const beacon = async () => callThenConsume(await shownReport(linkFields(ticket)));
    expect((await beacon()).status).toBe(204);
    expect((await beacon()).status).toBe(204);
    const shown = await shownFor();
    expect(shown).toHaveLength(1);
    expect(shown[0]!.distinct_id).toBe(`customer-${ticket}`);
    expect(shown[0]!.properties.$survey_id).toBe(env.POSTHOG_SURVEY_ID);
  });

  it("refuses a forged or cross-site `survey shown` report", async () => {
    const ticket = freshTicket();
    const params = new URL(await signedUrl(linkFields(ticket))).searchParams;
    params.set("team", "Someone else");
    const forged = await call(
      new Request(`${BASE}/shown`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" },
        body: params.toString(),
      }),
    );
    expect(forged.status).toBe(403);
    const crossSite = await call(
      new Request(`${BASE}/shown`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "cross-site" },
        body: params.toString(),
      }),
    );
    expect(crossSite.status).toBe(403);
    const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM survey_impressions WHERE ticket_id = ?")
      .bind(ticket)
      .first<{ n: number }>();
    expect(row!.n).toBe(0);
  });

  it("answers a link with missing parameters with a 400 page that names them", async () => {
    const { res, html } = await get(`${BASE}/?ticketId=12`);
    expect(res.status).toBe(400);
    const text = textOf(html);
    expect(text).toContain("This survey link is incomplete");
    expect(text).toContain("The customer id (distinct_id) is missing");
    expect(text).toContain("The team is missing");
    expect(text).toContain("The signature (sig) is missing");
  });

  it("answers malformed and oversized parameters with 400, not 500", async () => {
    const good = new URL(await signedUrl(linkFields(freshTicket())));
    const cases: Array<[string, string]> = [
      ["ticketId", "DROP TABLE"],
      ["exp", "-1"],
      ["rating", "7"],
      ["team", "t".repeat(5000)],
      ["distinct_id", "d".repeat(300)],
      ["sig", "%%%"],
    ];
    for (const [name, value] of cases) {
      const url = new URL(good);
      url.searchParams.set(name, value);
      const { res, html } = await get(url.toString());
      expect(res.status, `${name}=${value.slice(0, 20)}`).toBe(400);
      expect(html).not.toMatch(/at .*\(.*:\d+:\d+\)/);
    }
  });

  it("answers a forged link with 403 and an expired one with 410", async () => {
    const ticket = freshTicket();
    const url = new URL(await signedUrl(linkFields(ticket)));
    url.searchParams.set("ticketId", String(ticket + 1));
    const forged = await get(url.toString());
    expect(forged.res.status).toBe(403);
    expect(textOf(forged.html)).toContain("This survey link isn't valid");

    const expired = await get(await signedUrl(linkFields(ticket, { exp: Math.floor(Date.now() / 1000) - 60 })));
    expect(expired.res.status).toBe(410);
    expect(textOf(expired.html)).toContain("This survey has closed");
  });

  it("escapes what the link carries", async () => {
    const { res, html } = await get(await signedUrl(linkFields(freshTicket(), { team: '<script>alert(1)</script>"' })));
    expect(res.status).toBe(200);
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;&quot;");
  });

  it("answers an unknown path with a friendly 404 page", async () => {
    const { res, html } = await get(`${BASE}/wp-admin`);
    expect(res.status).toBe(404);
    expect(textOf(html)).toContain("We couldn't find that page");
  });

  it("answers 503 with a plain page when a required setting is missing, naming it only in the log", async () => {
    const res = await call(
      new Request(await signedUrl(linkFields(freshTicket()))),
      testEnv({ SURVEY_LINK_SECRET: undefined }),
    );
    expect(res.status).toBe(503);
    const text = textOf(await res.text());
    expect(text).toContain("The survey is not available right now");
    expect(text).not.toContain("SURVEY_LINK_SECRET");
  });

  it("serves a liveness route", async () => {
    const res = await call(new Request(`${BASE}/healthz`));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok");
  });

  it("answers bad `survey shown` reports with 400, 413 and 415, recording nothing", async () => {
    const ticket = freshTicket();
    const params = new URL(await signedUrl(linkFields(ticket))).searchParams;
    const shown = (body: string, type = "application/x-www-form-urlencoded") =>
      call(
        new Request(`${BASE}/shown`, {
          method: "POST",
          headers: { "content-type": type, "sec-fetch-site": "same-origin" },
          body,
        }),
      );
    const missing = new URLSearchParams(params);
    missing.delete("exp");
    expect((await shown(missing.toString())).status).toBe(400);
    expect((await shown("ticketId=abc&sig=%%")).status).toBe(400);
    expect((await shown(`${params}&pad=${"x".repeat(40_000)}`)).status).toBe(413);
    expect((await shown(JSON.stringify(Object.fromEntries(params)), "application/json")).status).toBe(415);
    const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM survey_impressions WHERE ticket_id = ?")
      .bind(ticket)
      .first<{ n: number }>();
    expect(row!.n).toBe(0);
  });

  it("answers a thank-you page asked for with a bad link like the survey page does", async () => {
    const url = new URL(await signedUrl(linkFields(freshTicket())));
    const thanks = (query: URLSearchParams) => call(new Request(`${BASE}/thanks?${query}`));
    const forged = new URLSearchParams(url.searchParams);
    forged.set("team", "Other");
    expect((await thanks(forged)).status).toBe(403);
    const missing = new URLSearchParams(url.searchParams);
    missing.delete("distinct_id");
    expect((await thanks(missing)).status).toBe(400);
    const expired = new URL(await signedUrl(linkFields(freshTicket(), { exp: Math.floor(Date.now() / 1000) - 1 })));
    expect((await thanks(expired.searchParams)).status).toBe(410);
  });
});

describe("the survey page, as a customer sees it", () => {
  it("is one request: the stylesheet and script are inline, under 14 KB gzipped", async () => {
    const { html } = await get(await signedUrl(linkFields(freshTicket())));
    expect(html).not.toMatch(/<link[^>]+rel="stylesheet"/);
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).toContain("<style>");
    expect(html).toContain("<script>");
    const gzipped = await new Response(
      new Blob([html]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer();
    expect(gzipped.byteLength).toBeLessThan(14 * 1024);
  });

  it("shows the brand, and a configured logo allowed by the page's policy", async () => {
    const plain = await get(await signedUrl(linkFields(freshTicket())));
    expect(textOf(plain.html)).toContain("PostHog");
    const env = testEnv({ BRAND_NAME: "Hedgehog & Co", BRAND_LOGO_URL: "https://cdn.example.test/logo.png" });
    const res = await call(new Request(await signedUrl(linkFields(freshTicket()))), env);
    const html = await res.text();
    expect(html).toContain("Hedgehog &amp; Co");
    expect(html).toContain('src="https://cdn.example.test/logo.png"');
    expect(res.headers.get("content-security-policy")).toContain("img-src 'self' data: https://cdn.example.test");
  });

  it("asks what went well for a 5, and what would raise the rating otherwise", async () => {
    const five = await get(await signedUrl(linkFields(freshTicket()), 5));
    expect(five.html).toContain('class="survey rated-5"');
    expect(five.html).toContain('<span class="prompt-praise">What did we do well?</span>');
    expect(five.html).toContain(
      '<span class="prompt-improve" hidden="">What can we do to increase your rating?</span>',
    );
    const two = await get(await signedUrl(linkFields(freshTicket()), 2));
    expect(two.html).toContain('class="survey rated-2"');
    expect(two.html).toContain('<span class="prompt-improve">What can we do to increase your rating?</span>');
    expect(two.html).toContain('<span class="prompt-praise" hidden="">What did we do well?</span>');
    // Before any rating: the question for 1 to 4.
    const none = await get(await signedUrl(linkFields(freshTicket())));
    expect(none.html).toContain('<span class="prompt-improve">What');
    // Each face names the question that follows it, for the page's script when the rating changes.
    expect([...none.html.matchAll(/value="(\d)"[^>]*data-prompt="(\w+)"/g)].map((m) => `${m[1]}:${m[2]}`)).toEqual([
      "1:improve",
      "2:improve",
      "3:improve",
      "4:improve",
      "5:praise",
    ]);
  });

  it("inlines the survey form's own rules, and not the counter's, the thank-you page's or the admin area's", async () => {
    const { html } = await get(await signedUrl(linkFields(freshTicket())));
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    for (const rule of ["--face-5", ".face-option", ".chosen", "textarea {", ".brand", "button,"])
      expect(style).toContain(rule);
    for (const rule of [".tally", ".hedgehog", ".your-comment", ".choices", ".card.wide", ".prompt-"])
      expect(style).not.toContain(rule);
  });

  it("says the chosen face's name in words (for phones, where the five names do not fit)", async () => {
    const { html } = await get(await signedUrl(linkFields(freshTicket()), 4));
    expect(html).toContain('<span class="chosen-4">Satisfied</span>');
  });

  it("has a favicon, and the admin area's stylesheet is the pages' own", async () => {
    const ico = await call(new Request(`${BASE}/favicon.ico`));
    expect(ico.status).toBe(301);
    expect(ico.headers.get("location")).toBe("/favicon.svg");
    const css = await call(new Request(`${BASE}/survey.css`));
    expect(css.headers.get("content-type")).toContain("text/css");
    const shared = await css.text();
    expect(shared).toContain("--face-5");
    // The shared rules only: the survey form's and the counter's stay with their pages.
    expect(shared).not.toContain(".face-option");
    expect(shared).not.toContain(".tally");
  });

  it("takes a same-origin post from a browser without Sec-Fetch-Site (Safari before 16.4), and refuses Origin: null", async () => {
    const accepted = freshTicket();
    const form = await answerForm(linkFields(accepted), { rating: "4" });
    const safari = new Request(`${BASE}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
      body: form.toString(),
      redirect: "manual",
    });
    expect((await call(safari)).status).toBe(303);
    const refused = freshTicket();
    const nullOrigin = new Request(`${BASE}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "null" },
      body: (await answerForm(linkFields(refused), { rating: "4" })).toString(),
    });
    expect((await call(nullOrigin)).status).toBe(403);
    const stored = await env.DB.prepare("SELECT ticket_id FROM responses WHERE ticket_id IN (?, ?)")
      .bind(accepted, refused)
      .all<{ ticket_id: number }>();
    expect(stored.results.map((r) => r.ticket_id)).toEqual([accepted]);
  });
});
