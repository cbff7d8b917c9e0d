// `npm run survey-link`: prints a signed survey link (see USAGE).
import { buildSurveyUrl, expiryFrom, linkFieldProblems } from "../src/lib/survey-link";
import { failUsage, parseCli } from "./cli";
import { localSetting, scriptSetting } from "./local-env";

const USAGE = `Prints a signed survey link (the last line of output).

npm run survey-link -- --ticket 123 --distinct-id abc --team "Product analytics" [options]

  --ticket N          Zendesk ticket number (required)
  --distinct-id ID    the customer's PostHog distinct id (required)
  --team NAME         the team that answered the ticket (required)
  --rating 1-5        preselect a face
  --target-area AREA  initialTargetArea, passed through to PostHog
  --base-url URL      where the survey page is served (default: PUBLIC_BASE_URL, else http://127.0.0.1:8787)
  --ttl-days N        how long the link works (default: LINK_TTL_DAYS, else 30)
  --help              this text

The link is signed with SURVEY_LINK_SECRET from the environment, else from .dev.vars.`;

const { values, problems } = parseCli({
  name: "survey-link",
  usage: USAGE,
  options: {
    ticket: { type: "string", required: true },
    "distinct-id": { type: "string", required: true },
    team: { type: "string", required: true },
    rating: { type: "string" },
    "target-area": { type: "string" },
    "base-url": { type: "string" },
    "ttl-days": { type: "string" },
  },
});

const secret = localSetting("SURVEY_LINK_SECRET");
if (!secret) problems.push("SURVEY_LINK_SECRET is not set (environment or .dev.vars)");
if (values.ticket !== undefined && !/^[1-9]\d{0,15}$/.test(values.ticket))
  problems.push("--ticket must be a ticket number");
const rating = values.rating === undefined ? undefined : Number(values.rating);
if (rating !== undefined && !(Number.isInteger(rating) && rating >= 1 && rating <= 5))
  problems.push("--rating must be 1 to 5");
const ttlDays = Number(values["ttl-days"] ?? scriptSetting("LINK_TTL_DAYS"));
if (!(Number.isFinite(ttlDays) && ttlDays > 0)) problems.push("--ttl-days must be a positive number");
const baseUrl = values["base-url"] ?? scriptSetting("PUBLIC_BASE_URL");
if (!URL.canParse(baseUrl)) problems.push("--base-url must be a URL like http://127.0.0.1:8787");
const fields = {
  distinctId: values["distinct-id"] ?? "",
  ticketId: Number(values.ticket),
  team: values.team ?? "",
  initialTargetArea: values["target-area"],
  exp: expiryFrom(new Date(), Number.isFinite(ttlDays) ? ttlDays : 30),
};
// Never print a link the server would refuse (the same rules it applies: empty fields, lengths, …).
if (problems.length === 0) problems.push(...linkFieldProblems(fields));
if (problems.length > 0) failUsage("survey-link", problems);

console.log(`Survey link for ticket ${values.ticket}, valid until ${new Date(fields.exp * 1000).toISOString()}:`);
console.log(await buildSurveyUrl(baseUrl, fields, secret!, { rating }));
