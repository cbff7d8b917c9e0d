import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { utcMonth } from "../../src/lib/time";
import { answerForm, BASE, call, freshTicket, linkFields, postForm, signedUrl, testEnv, textOf } from "./helpers";

/** A form with these reasons ticked (one `reason` field per box, as a browser sends checkboxes). */
function withReasons(form: URLSearchParams, ...ids: string[]): URLSearchParams {
  for (const id of ids) form.append("reason", id);
  return form;
}

async function tally(): Promise<number> {
  const row = await env.DB.prepare("SELECT hedgehogs FROM hedgehog_tally WHERE month = ?")
    .bind(utcMonth(Date.now()))
    .first<{ hedgehogs: number }>();
  return row?.hedgehogs ?? 0;
}

async function responseRows(ticket: number) {
  const { results } = await env.DB.prepare("SELECT * FROM responses WHERE ticket_id = ?")
    .bind(ticket)
    .all<Record<string, any>>();
  return results;
}

async function follow(res: Response): Promise<{ status: number; html: string }> {
  expect(res.status).toBe(303);
  const next = await call(new Request(new URL(res.headers.get("location")!, BASE)));
  return { status: next.status, html: await next.text() };
}

describe("POST / (recording an answer)", () => {
  it("stores the answer, feeds one hedgehog and shows the thank-you with its number", async () => {
    const ticket = freshTicket();
    const before = await tally();
    const res = await call(postForm(await answerForm(linkFields(ticket), { rating: "5", comment: "Quick and kind!" })));
    const thanks = await follow(res);
    expect(thanks.status).toBe(200);
    const rows = await responseRows(ticket);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      rating: 5,
      comment: "Quick and kind!",
      team: "Product analytics",
      distinct_id: `customer-${ticket}`,
    });
    expect(await tally()).toBe(before + 1);
    const text = textOf(thanks.html);
    expect(text).toContain(`You just fed hedgehog #${rows[0]!.hedgehog_number.toLocaleString("en-GB")}`);
    expect(text).toContain("Very satisfied");
    expect(text).toContain("Quick and kind!");
    expect(thanks.html).toMatch(/href="\/\?[^"]*ticketId=\d+[^"]*sig=[\w-]{43}"[^>]*>Change my answer/);
  });

  it("after an edit, the thank-you says the answer was updated and which hedgehog the first one fed", async () => {
    const ticket = freshTicket();
    const fields = linkFields(ticket);
    await call(postForm(await answerForm(fields, { rating: "3" })));
    const [first] = await responseRows(ticket);
    const thanks = await follow(await call(postForm(await answerForm(fields, { rating: "4", base_version: "1" }))));
    const text = textOf(thanks.html);
    expect(text).toContain("Your answer was updated");
    expect(text).toContain(`Your first answer fed hedgehog #${first!.hedgehog_number.toLocaleString("en-GB")}`);
    expect(text).not.toContain("You just fed");
  });

  it("edits the answer on a second submit: one row, first submit time kept, no second hedgehog", async () => {
    const ticket = freshTicket();
    const fields = linkFields(ticket);
    await call(postForm(await answerForm(fields, { rating: "2", comment: "slow" })));
    const [first] = await responseRows(ticket);
    const before = await tally();
    await new Promise((r) => setTimeout(r, 5));
    // The page showed the first answer (version 1), and the customer changed it.
    await follow(await call(postForm(await answerForm(fields, { rating: "4", comment: "", base_version: "1" }))));
    const rows = await responseRows(ticket);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      rating: 4,
      comment: null,
      version: 2,
      first_submitted_at: first!.first_submitted_at,
      hedgehog_number: first!.hedgehog_number,
    });
    expect(rows[0]!.updated_at).toBeGreaterThan(first!.first_submitted_at);
    expect(await tally()).toBe(before);
  });

  it("keeps one row and one hedgehog under simultaneous submits for one ticket", async () => {
    const ticket = freshTicket();
    const fields = linkFields(ticket);
    const before = await tally();
    const forms = await Promise.all(
      ["1", "2", "3", "4", "5", "5", "5", "5"].map((rating) => answerForm(fields, { rating })),
    );
    const results = await Promise.all(forms.map((f) => call(postForm(f))));
    // None of the forms showed the others' answers: one is stored, and each different one is asked
    // which to keep (409) instead of silently replacing it; a form identical to the stored one is fine.
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 303 || s === 409)).toBe(true);
    const [row] = await responseRows(ticket);
    const sameAsStored = ["1", "2", "3", "4", "5", "5", "5", "5"].filter((r) => Number(r) === row!.rating).length;
    expect(statuses.filter((s) => s === 303)).toHaveLength(sameAsStored);
    expect(await responseRows(ticket)).toHaveLength(1);
    expect(await tally()).toBe(before + 1);
  });

  it("shows the earlier answer on any device that opens the link, as an edit", async () => {
    const ticket = freshTicket();
    const fields = linkFields(ticket);
    const posted = await call(postForm(await answerForm(fields, { rating: "3", comment: "It was <b>fine</b>" })));
    expect(posted.headers.get("set-cookie")).toBeNull();
    // Another device: no cookie, the same link from the email, with another face tapped.
    const res = await call(new Request(await signedUrl(fields, 1)));
    const html = await res.text();
    expect(textOf(html)).toMatch(/You answered on \d{1,2} \w+ \d{4}: Neutral/);
    expect(html).toMatch(/value="1" checked=""/);
    expect(html).toContain("It was &lt;b&gt;fine&lt;/b&gt;</textarea>");
    expect(html).toContain('name="base_version" value="1"');
    expect(textOf(html)).toContain("Update my answer");
  });

  it("never erases an answer the form did not show: a stale form gets both answers to choose from", async () => {
    const ticket = freshTicket();
    const fields = linkFields(ticket);
    await call(postForm(await answerForm(fields, { rating: "2", comment: "Waited four days" })));
    // A form opened before that answer (or on a device that never saw it) sends only a rating.
    const stale = await call(postForm(await answerForm(fields, { rating: "5", base_version: "0" })));
    expect(stale.status).toBe(409);
    const page = textOf(await stale.text());
    expect(page).toContain("Your earlier answer");
    expect(page).toContain("Waited four days");
    expect(page).toContain("The answer you just sent");
    expect(page).toContain("Very satisfied");
    expect(await responseRows(ticket)).toMatchObject([{ rating: 2, comment: "Waited four days", version: 1 }]);
    // A stale form with reasons: the choice page shows them and posts them on.
    const staleLow = await call(
      postForm(withReasons(await answerForm(fields, { rating: "1", base_version: "0" }), "slow")),
    );
    const choice = await staleLow.text();
    expect(textOf(choice)).toContain("What went wrong? The reply was slow");
    expect(choice).toContain('<input type="hidden" name="reason" value="slow"');
    // Choosing the new answer posts it against the answer it replaces.
    const chosen = await call(postForm(await answerForm(fields, { rating: "5", base_version: "1" })));
    expect(chosen.status).toBe(303);
    expect(await responseRows(ticket)).toMatchObject([{ rating: 5, comment: null, version: 2 }]);
  });

  it("stores the reasons of a low rating by id, in the list's order, and shows them on the thank-you and the page again", async () => {
    const ticket = freshTicket();
    const fields = linkFields(ticket);
    const form = withReasons(await answerForm(fields, { rating: "2" }), "billing", "slow", "slow");
    const thanks = await follow(await call(postForm(form)));
    expect(await responseRows(ticket)).toMatchObject([{ rating: 2, reasons: '["slow","billing"]' }]);
    expect(textOf(thanks.html)).toContain("What went wrong? The reply was slow; Billing or account");
    const page = await (await call(new Request(await signedUrl(fields)))).text();
    expect(page).toMatch(/<input type="checkbox" name="reason" value="slow" checked=""/);
    expect(page).toMatch(/<input type="checkbox" name="reason" value="billing" checked=""/);
    expect(page).toMatch(/<input type="checkbox" name="reason" value="not_solved"\s*\/?>/);
    // Unticking every box is an edit too: the reasons go, the rating stays.
    await call(postForm(await answerForm(fields, { rating: "2", base_version: "1" })));
    expect(await responseRows(ticket)).toMatchObject([{ rating: 2, reasons: null, version: 2 }]);
  });

  it("keeps no reasons with a rating of 4 or 5 (a page without script shows them for every rating)", async () => {
    const ticket = freshTicket();
    const fields = linkFields(ticket);
    await call(postForm(withReasons(await answerForm(fields, { rating: "4" }), "slow")));
    expect(await responseRows(ticket)).toMatchObject([{ rating: 4, reasons: null }]);
    // A 3 still asks what went wrong.
    await call(postForm(withReasons(await answerForm(fields, { rating: "3", base_version: "1" }), "other")));
    expect(await responseRows(ticket)).toMatchObject([{ rating: 3, reasons: '["other"]' }]);
  });

  it("refuses a reason the list does not offer with 400, keeping the face, comment and reasons chosen, storing nothing", async () => {
    const ticket = freshTicket();
    const form = withReasons(
      await answerForm(linkFields(ticket), { rating: "1", comment: "nobody answered" }),
      "slow",
      "haunted",
    );
    const res = await call(postForm(form));
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(textOf(html)).toContain(
      "One of the reasons you chose is no longer offered. Please choose again from the list.",
    );
    expect(html).toMatch(/value="1" checked=""/);
    expect(html).toMatch(/value="slow" checked=""/);
    expect(html).toContain("nobody answered</textarea>");
    expect(await responseRows(ticket)).toHaveLength(0);
  });

  it("takes the reasons from LOW_RATING_REASONS: a reworded label keeps the answers stored under its id", async () => {
    const ticket = freshTicket();
    const fields = linkFields(ticket);
    await call(postForm(withReasons(await answerForm(fields, { rating: "1" }), "not_fixed_yet")));
    const reworded = testEnv({
      LOW_RATING_REASONS: JSON.stringify({ not_fixed_yet: "A known bug we have not fixed", other: "Something else" }),
    });
    const page = await (await call(new Request(await signedUrl(fields)), reworded)).text();
    expect(page).toMatch(/value="not_fixed_yet" checked=""[^>]*\/?> A known bug we have not fixed/);
    expect(page.match(/type="checkbox"/g)).toHaveLength(2);
    expect(await responseRows(ticket)).toMatchObject([{ reasons: '["not_fixed_yet"]' }]);
  });

  it("asks for a face when none was chosen, keeping the comment typed (400)", async () => {
    const ticket = freshTicket();
    const res = await call(postForm(await answerForm(linkFields(ticket), { comment: "no face picked" })));
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(textOf(html)).toContain("Please choose one of the five faces.");
    expect(html).toContain("no face picked</textarea>");
    expect(await responseRows(ticket)).toHaveLength(0);
  });

  it("refuses a rating outside 1-5 and a comment over 2,000 characters with 400, storing nothing", async () => {
    const ticket = freshTicket();
    const fields = linkFields(ticket);
    for (const rating of ["0", "6", "9", "abc", "4.5"]) {
      const res = await call(postForm(await answerForm(fields, { rating, comment: "kept" })));
      expect(res.status, `rating ${rating}`).toBe(400);
      const html = await res.text();
      expect(textOf(html), `rating ${rating}`).toContain(
        "That rating is not one of the five faces (1 to 5). Please choose a face.",
      );
      // The survey page again, with the comment as typed, not a page about the link.
      expect(textOf(html)).not.toContain("This survey link is incomplete");
      expect(html).toContain("kept</textarea>");
    }
    const empty = await call(postForm(await answerForm(fields, { rating: "" })));
    expect(empty.status).toBe(400);
    expect(textOf(await empty.text())).toContain("Please choose one of the five faces.");
    const long = await call(postForm(await answerForm(fields, { rating: "4", comment: "x".repeat(2001) })));
    expect(long.status).toBe(400);
    expect(textOf(await long.text())).toContain("longer than 2,000 characters");
    expect(await responseRows(ticket)).toHaveLength(0);
    const exact = await call(postForm(await answerForm(fields, { rating: "4", comment: "é".repeat(2000) })));
    expect(exact.status).toBe(303);
  });

  it("refuses a field given twice (no page of ours repeats one) and keeps the stored answer", async () => {
    const ticket = freshTicket();
    const fields = linkFields(ticket);
    expect((await call(postForm(await answerForm(fields, { rating: "5" })))).status).toBe(303);
    const twoRatings = await answerForm(fields, { rating: "1", base_version: "1" });
    twoRatings.append("rating", "2");
    const refused = await call(postForm(twoRatings));
    expect(refused.status).toBe(400);
    expect(textOf(await refused.text())).toContain("Please choose one of the five faces.");
    const twoTickets = await answerForm(fields, { rating: "1", base_version: "1" });
    twoTickets.append("ticketId", String(ticket + 1));
    expect((await call(postForm(twoTickets))).status).toBe(400);
    const rows = await responseRows(ticket);
    expect(rows.map((r) => r.rating)).toEqual([5]);
  });

  it("refuses a forged or expired link on POST without touching the stored answer", async () => {
    const ticket = freshTicket();
    const fields = linkFields(ticket);
    await call(postForm(await answerForm(fields, { rating: "5" })));
    const forged = await answerForm(fields, { rating: "1" });
    forged.set("distinct_id", "attacker");
    expect((await call(postForm(forged))).status).toBe(403);
    const expired = await answerForm({ ...fields, exp: Math.floor(Date.now() / 1000) - 1 }, { rating: "1" });
    expect((await call(postForm(expired))).status).toBe(410);
    const missing = await answerForm(fields, { rating: "1" });
    missing.delete("sig");
    expect((await call(postForm(missing))).status).toBe(400);
    const rows = await responseRows(ticket);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ rating: 5, distinct_id: `customer-${ticket}`, version: 1 });
  });

  it("refuses an oversized body with 413", async () => {
    const ticket = freshTicket();
    const form = await answerForm(linkFields(ticket), { rating: "4", comment: "y".repeat(40_000) });
    const res = await call(postForm(form));
    expect(res.status).toBe(413);
    expect(textOf(await res.text())).toContain("That answer is too long to send");
    expect(await responseRows(ticket)).toHaveLength(0);
  });

  it("refuses other content types with 415", async () => {
    const ticket = freshTicket();
    const form = await answerForm(linkFields(ticket), { rating: "4" });
    const json = await call(postForm(JSON.stringify(Object.fromEntries(form)), { "content-type": "application/json" }));
    expect(json.status).toBe(415);
    const none = await call(new Request(`${BASE}/`, { method: "POST", body: form.toString() }));
    expect([415, 400]).toContain(none.status);
    expect(await responseRows(ticket)).toHaveLength(0);
  });

  it("refuses cross-site posts with 403", async () => {
    const ticket = freshTicket();
    const form = await answerForm(linkFields(ticket), { rating: "1" });
    const crossSite = await call(postForm(form, { "sec-fetch-site": "cross-site", origin: "https://evil.example" }));
    expect(crossSite.status).toBe(403);
    const oldBrowser = new Request(`${BASE}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
      body: form.toString(),
    });
    expect((await call(oldBrowser)).status).toBe(403);
    expect(await responseRows(ticket)).toHaveLength(0);
  });

  it("accepts a same-origin post whose Origin is null (Referrer-Policy: no-referrer)", async () => {
    const ticket = freshTicket();
    const form = await answerForm(linkFields(ticket), { rating: "3" });
    expect((await call(postForm(form, { origin: "null", "sec-fetch-site": "same-origin" }))).status).toBe(303);
  });

  it("refuses a malformed body with a 400 page, not a 500", async () => {
    const res = await call(postForm("%%%&&&=", {}));
    expect(res.status).toBe(400);
    const multipart = await call(
      new Request(`${BASE}/`, {
        method: "POST",
        headers: { "content-type": "multipart/form-data; boundary=x", "sec-fetch-site": "same-origin" },
        body: "garbage",
      }),
    );
    expect(multipart.status).toBe(415);
  });

  it("sends the thank-you page back to the survey when the ticket has no answer yet", async () => {
    const url = new URL(await signedUrl(linkFields(freshTicket())));
    const res = await call(new Request(`${BASE}/thanks${url.search}`, { redirect: "manual" }));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toMatch(/^\/\?distinct_id=/);
  });
});
