// `npm run settings-table`: prints the README's settings table from src/settings.ts (the one place
// each setting is defined); test/node/settings.test.ts fails when the README's copy differs.
import { settingsTable } from "../src/settings";

console.log(settingsTable());
