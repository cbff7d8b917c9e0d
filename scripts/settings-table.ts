// `npm run settings-table`: prints docs/settings.md's tables from src/settings.ts (the one place each
// setting is defined); test/node/settings.test.ts fails when the doc's copy differs.
import { settingsTable } from "../src/settings";

console.log(settingsTable());
