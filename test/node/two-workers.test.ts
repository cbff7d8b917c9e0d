// The two Workers as deployed, composed by wrangler dev itself: the survey Worker (wrangler.survey.toml)
// in front, its APP service binding resolved by name to the app Worker (wrangler.toml), both on one
// local D1. What a customer and the team see through the survey Worker's address.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateLocal, startWrangler, type Wrangler } from "../../scripts/serve";
import { buildSurveyUrl, expiryFrom } from "../../src/lib/survey-link";
import { freePort } from "./wrangler-dev";

const SECRET = "two-workers-link-secret-0123456789";
const ADMIN_TOKEN = "two-workers-admin-token-0123456789";

/**
 * Both configs in a scratch folder beside a .dev.vars of their own (wrangler dev gives `--var` to the
 * first Worker only; each Worker reads the .dev.vars beside its config), with their paths made absolute.
 */
function scratchConfigs(url: string): { folder: string; survey: string; app: string } {
  const folder = mkdtempSync(path.join(tmpdir(), "hedgehog-two-workers-"));
  const absolute = (toml: string) =>
    toml
      .replace(/^main = "([^"]+)"/m, (_, p: string) => `main = "${path.resolve(p)}"`)
      .replace(/^directory = "([^"]+)"/m, (_, p: string) => `directory = "${path.resolve(p)}"`)
      .replace(/^migrations_dir = "([^"]+)"/m, (_, p: string) => `migrations_dir = "${path.resolve(p)}"`);
  const survey = path.join(folder, "wrangler.survey.toml");
  const app = path.join(folder, "wrangler.toml");
  writeFileSync(survey, absolute(readFileSync("wrangler.survey.toml", "utf8")));
  writeFileSync(app, absolute(readFileSync("wrangler.toml", "utf8")));
  writeFileSync(
    path.join(folder, ".dev.vars"),
    `SURVEY_LINK_SECRET=${SECRET}\nADMIN_TOKEN=${ADMIN_TOKEN}\nPUBLIC_BASE_URL=${url}\n`,
  );
  return { folder, survey, app };
}

describe("the survey Worker in front of the app Worker (wrangler dev with both configs)", () => {
  let url = "";
  let wrangler: Wrangler | undefined;
  let output = "";
  let scratch: ReturnType<typeof scratchConfigs> | undefined;
  let state = "";

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    scratch = scratchConfigs(url);
    state = mkdtempSync(path.join(tmpdir(), "hedgehog-two-workers-state-"));
    await migrateLocal(state, () => undefined);
    wrangler = startWrangler({
      port,
      persistTo: state,
      vars: {},
      rest: ["-c", scratch.survey, "-c", scratch.app],
      logLevel: "info",
      onLine: (line) => (output += `${line}\n`),
    });
    try {
      await wrangler.ready;
    } catch (err) {
      throw new Error(`${(err as Error).message}:\n${output}`);
    }
  });

  afterAll(async () => {
    await wrangler?.stop();
    if (scratch) rmSync(scratch.folder, { recursive: true, force: true });
    if (state) rmSync(state, { recursive: true, force: true });
  });

  it("takes an answer at the survey Worker's address, and the team finds it in the admin area at the same address", async () => {
    const ticketId = 424_242;
    const link = await buildSurveyUrl(
      url,
      { distinctId: "two-workers-customer", ticketId, team: "Two Workers", exp: expiryFrom(new Date(), 30) },
      SECRET,
    );
    const page = await fetch(link);
    expect(page.status, output).toBe(200);
    const form = new URLSearchParams(new URL(link).searchParams);
    form.set("rating", "4");
    form.set("comment", "Answered through the survey Worker");
    const posted = await fetch(`${url}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: url },
      body: form,
      redirect: "manual",
    });
    expect(posted.status, output).toBe(303);

    const answers = await fetch(`${url}/admin/answers?team=Two%20Workers`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(answers.status, output).toBe(200);
    const html = await answers.text();
    expect(html).toContain(String(ticketId));
    expect(html).toContain("Answered through the survey Worker");

    const counter = await fetch(`${url}/hedgehogs`);
    expect(counter.status, output).toBe(200);
    expect(await counter.text()).toContain("1 hedgehog fed");
  });
});
