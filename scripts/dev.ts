// `npm run dev`: local D1 migrations, a signed example link, then wrangler dev on 127.0.0.1:8787.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { buildSurveyUrl, expiryFrom } from "../src/survey/link";
import { OFFLINE_ENV, readDevVars } from "./local-env";

const port = process.env.PORT ?? "8787";
const env = { ...process.env, ...OFFLINE_ENV };
const wrangler = "node_modules/.bin/wrangler";

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("Created .dev.vars from .dev.vars.example (local development secrets).");
}

const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local"], { stdio: "inherit", env });
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const secret = readDevVars().SURVEY_LINK_SECRET;
if (secret) {
  const link = await buildSurveyUrl(
    `http://127.0.0.1:${port}`,
    { distinctId: "dev-customer", ticketId: 123, team: "Product analytics", exp: expiryFrom(new Date(), 30) },
    secret,
    4,
  );
  console.log(`\nExample survey link (ticket 123, preselected "Satisfied"):\n${link}\n`);
}

const dev = spawn(
  wrangler,
  [
    "dev",
    "--local",
    "--ip",
    "127.0.0.1",
    "--port",
    port,
    "--show-interactive-dev-session=false",
    // Enables GET /__scheduled?cron=… (the /cdn-cgi/handler/scheduled route fails when static assets are configured).
    "--test-scheduled",
    ...process.argv.slice(2),
  ],
  { stdio: "inherit", env },
);
dev.on("exit", (code) => process.exit(code ?? 0));
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => dev.kill(signal));
