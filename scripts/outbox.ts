// `npm run outbox`: the emails the local mail provider (MAIL_PROVIDER=outbox) kept (see USAGE).
import { findOutboxMessage, listOutbox } from "../src/admin/outbox-store";
import { plural } from "../src/lib/plural";
import { failUsage, parseCli, PERSIST_TO_USAGE } from "./cli";
import { withLocalD1 } from "./local-d1";

const USAGE = `Prints the emails the local outbox kept (also at /admin/outbox), newest first.

npm run outbox [-- --id N] [--limit N] [--persist-to DIR]

  --id N            print one email: its headers and text part
  --limit N         how many to list (default 20)
${PERSIST_TO_USAGE}
  --help            this text`;

const { values, problems } = parseCli({
  name: "outbox",
  usage: USAGE,
  options: { id: { type: "string" }, limit: { type: "string" }, "persist-to": { type: "string" } },
});
const wholeNumber = (text: string) => /^\d{1,12}$/.test(text);
if (values.id !== undefined && !wholeNumber(values.id)) problems.push("--id takes a whole number");
if (values.limit !== undefined && !(wholeNumber(values.limit) && Number(values.limit) > 0))
  problems.push("--limit takes a whole number above 0");
if (problems.length > 0) failUsage("outbox", problems);

const time = (ms: number) => new Date(ms).toISOString();

await withLocalD1(values["persist-to"], async (db) => {
  if (values.id !== undefined) {
    const m = await findOutboxMessage(db, Number(values.id));
    if (!m) return console.log(`No message ${values.id} in the outbox.`);
    console.log(`From: ${m.from}\nTo: ${m.to}\nSubject: ${m.subject}`);
    for (const [k, v] of Object.entries(m.headers)) console.log(`${k}: ${v}`);
    return console.log(`Date: ${time(m.createdAt)}\n\n${m.text}`);
  }
  const messages = await listOutbox(db, Number(values.limit ?? 20));
  if (messages.length === 0) return console.log("The outbox is empty.");
  for (const m of messages) console.log(`#${m.id}  ${time(m.createdAt)}  ${m.to}  ${m.subject}`);
  console.log(
    `\n${plural(messages.length, "email")} shown. Read one with: npm run outbox -- --id N   (or open /admin/outbox)`,
  );
});
