// The survey email as a spam filter sees it: SpamAssassin's own rules over a whole MIME message.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { renderSurveyEmail } from "../../src/dispatch/email";
import { unsubscribeUrl } from "../../src/dispatch/unsubscribe-link";
import type { RenderedEmail } from "../../src/lib/email-shell";
import { buildSurveyUrl, expiryFrom } from "../../src/lib/survey-link";

const SECRET = "spam-score-secret-0123456789";
const BASE = "https://survey.example.com";

/** A message as a provider sends it: multipart/alternative, text then HTML, base64 in 76-character lines. */
function mimeMessage(email: RenderedEmail, to: string): string {
  const base64 = (s: string) => Buffer.from(s).toString("base64").replace(/.{76}/g, "$&\r\n");
  const part = (type: string, body: string) => [
    `--part`,
    `Content-Type: ${type}; charset=utf-8`,
    "Content-Transfer-Encoding: base64",
    "",
    base64(body),
  ];
  return [
    "From: PostHog Support <support@example.com>",
    `To: ${to}`,
    `Subject: ${email.subject}`,
    `Date: ${new Date().toUTCString()}`,
    "Message-ID: <survey-48213@example.com>",
    "MIME-Version: 1.0",
    ...Object.entries(email.headers).map(([name, value]) => `${name}: ${value}`),
    'Content-Type: multipart/alternative; boundary="part"',
    "",
    ...part("text/plain", email.text),
    ...part("text/html", email.html),
    "--part--",
    "",
  ].join("\r\n");
}

/**
 * SpamAssassin's verdict with local rules only (-L): DNS block lists, URI block lists, Razor and
 * Pyzor need the network and do not run, and Bayes has no training here, so this is the score of
 * the content and header rules.
 */
function spamAssassin(message: string): { score: number; rules: string[] } {
  const run = spawnSync("spamassassin", ["-L", "-t"], { input: message, encoding: "utf8", timeout: 60_000 });
  if (run.error) throw new Error(`spamassassin could not run (apt-get install spamassassin): ${run.error.message}`);
  const status = /^X-Spam-Status: \w+, score=(-?[\d.]+) required=[\d.]+ tests=([\s\S]*?) autolearn/m.exec(run.stdout);
  if (!status) throw new Error(`no X-Spam-Status in spamassassin's answer:\n${run.stdout.slice(0, 2000)}`);
  return { score: Number(status[1]), rules: status[2]!.split(/[,\s]+/).filter(Boolean) };
}

describe("the survey email and SpamAssassin", () => {
  it("scores 0 or less, with no rule about hidden or obfuscated text", async () => {
    const ticketId = 48213;
    const fields = { distinctId: "ph-ada", ticketId, team: "Product analytics", exp: expiryFrom(new Date(), 30) };
    const faceUrls = await Promise.all(
      [1, 2, 3, 4, 5].map((rating) => buildSurveyUrl(BASE, fields, SECRET, { rating })),
    );
    const email = renderSurveyEmail({
      ticketId,
      requesterName: "Ada Lovelace",
      team: "Product analytics",
      faceUrls,
      unsubscribeUrl: await unsubscribeUrl(BASE, ticketId, SECRET),
      charity: "Herts Wildlife Trust",
      brand: { name: "PostHog" },
    });
    const verdict = spamAssassin(mimeMessage(email, "ada@example.org"));
    expect(verdict.rules.filter((r) => /^HTML_(FONT|OBFUSCATE|SHORT|TINY)|^(TINY|SMALL)_/.test(r))).toEqual([]);
    expect(verdict.score, verdict.rules.join(", ")).toBeLessThanOrEqual(0);
  });
});
