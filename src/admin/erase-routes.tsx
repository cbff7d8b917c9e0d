import { Hono, type Context } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../app-env";
import { settingsOf } from "../config";
import { deletePostHogPersons } from "../services/posthog-persons";
import { erasePerson, previewErasure, type Person } from "./erasure-store";
import { ConfirmErasurePage, DataRightsPage, erasedSentence, personName } from "./erase-views";
import { formFields } from "../lib/http";
import { formLimit } from "./forms";

export const eraseRoutes = new Hono<AppEnv>();

eraseRoutes.get("/erase", (c) => c.html(<DataRightsPage />));

const EraseSchema = v.pipe(
  v.object({
    email: v.optional(
      v.pipe(
        v.string(),
        v.trim(),
        v.transform((s) => s || undefined),
        v.optional(v.pipe(v.string(), v.email("that is not an email address"), v.maxLength(254))),
      ),
    ),
    distinct_id: v.optional(
      v.pipe(
        v.string(),
        v.trim(),
        v.maxLength(200, "the distinct id is too long"),
        v.transform((s) => s || undefined),
      ),
    ),
    // The form's second step; a JSON client has decided already and erases in one request.
    confirm: v.optional(v.literal("yes", "confirm can only be yes")),
  }),
  v.check((x) => x.email !== undefined || x.distinct_id !== undefined, "give an email address or a distinct id"),
);

async function readInput(c: Context<AppEnv>, isJson: boolean): Promise<unknown> {
  if (isJson) return c.req.json();
  return formFields(c);
}

/** Asks PostHog to delete the person too when its private API is configured; answers what happened, in words. */
async function erasePostHogPersons(c: Context<AppEnv>, distinctIds: string[]): Promise<string> {
  const ph = settingsOf(c.env).posthog;
  if (!ph.personalApiKey || !ph.projectId)
    return "PostHog not asked (set POSTHOG_PERSONAL_API_KEY and POSTHOG_PROJECT_ID to delete there too)";
  return deletePostHogPersons(
    { appHost: ph.appHost, projectId: ph.projectId, personalApiKey: ph.personalApiKey },
    distinctIds,
    fetch,
  );
}

/**
 * Erasure by email or distinct id. The form shows what will be erased and asks for confirmation
 * first; JSON erases at once. Both answer with whom and what changed.
 */
eraseRoutes.post("/erase", formLimit, async (c) => {
  const isJson = (c.req.header("content-type") ?? "").includes("application/json");
  const input = await readInput(c, isJson).catch(() => undefined);
  if (input === undefined) return c.json({ error: "the body must be JSON or a form" }, 400);
  const parsed = v.safeParse(EraseSchema, input);
  if (!parsed.success) {
    const message = parsed.issues[0].message;
    if (isJson) return c.json({ error: message }, 400);
    return c.html(<DataRightsPage error={`Nothing erased: ${message}.`} />, 400);
  }
  const who: Person = { email: parsed.output.email, distinctId: parsed.output.distinct_id };
  if (!isJson && parsed.output.confirm !== "yes") {
    return c.html(
      <ConfirmErasurePage
        who={who}
        counts={await previewErasure(c.env.DB, who, settingsOf(c.env).addressFingerprintKey)}
      />,
    );
  }
  const { distinctIds, ...result } = await erasePerson(
    c.env.DB,
    who,
    Date.now(),
    settingsOf(c.env).addressFingerprintKey,
  );
  const posthog = await erasePostHogPersons(c, distinctIds);
  // The log says what was done, never to whom.
  console.log(`erasure: ${JSON.stringify({ ...result, posthog })}`);
  if (isJson) return c.json({ person: personName(who), ...result, posthog });
  return c.html(<DataRightsPage result={`${erasedSentence(who, result)} ${posthog}.`} />);
});
