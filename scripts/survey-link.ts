// Prints a signed survey link. Usage:
//   npm run survey-link -- --ticket 123 --distinct-id abc --team "Product analytics" [--rating 5]
//     [--target-area billing] [--base-url URL] [--ttl-days N]
// The secret comes from SURVEY_LINK_SECRET in the environment, else from .dev.vars.
import { parseArgs } from "node:util";
import { buildSurveyUrl, expiryFrom } from "../src/survey/link";
import { localSetting } from "./local-env";

function fail(message: string): never {
  console.error(`survey-link: ${message}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    ticket: { type: "string" },
    "distinct-id": { type: "string" },
    team: { type: "string" },
    rating: { type: "string" },
    "target-area": { type: "string" },
    "base-url": { type: "string" },
    "ttl-days": { type: "string" },
  },
});

const secret = localSetting("SURVEY_LINK_SECRET") ?? fail("SURVEY_LINK_SECRET is not set (environment or .dev.vars)");
const ticket = values.ticket ?? fail("--ticket is required");
if (!/^[1-9]\d{0,15}$/.test(ticket)) fail("--ticket must be a ticket number");
const distinctId = values["distinct-id"] ?? fail("--distinct-id is required");
const team = values.team ?? fail("--team is required");
const rating = values.rating === undefined ? undefined : Number(values.rating);
if (rating !== undefined && !(Number.isInteger(rating) && rating >= 1 && rating <= 5)) fail("--rating must be 1 to 5");
const ttlDays = Number(values["ttl-days"] ?? localSetting("LINK_TTL_DAYS") ?? "30");
if (!Number.isFinite(ttlDays)) fail("--ttl-days must be a number");
const baseUrl = values["base-url"] ?? localSetting("PUBLIC_BASE_URL") ?? "http://127.0.0.1:8787";

const fields = {
  distinctId,
  ticketId: Number(ticket),
  team,
  initialTargetArea: values["target-area"],
  exp: expiryFrom(new Date(), ttlDays),
};
console.log(`Survey link for ticket ${ticket}, valid until ${new Date(fields.exp * 1000).toISOString()}:`);
console.log(await buildSurveyUrl(baseUrl, fields, secret, rating));
