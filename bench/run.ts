// `npm run bench [-- survey]`: runs the benchmarks and prints their tables.
import { benchBeforeAfter } from "./before-after";
import { benchDispatch } from "./dispatch";
import { benchFirstView } from "./first-view";
import { benchHedgehogs } from "./hedgehogs";
import { benchReport } from "./report";
import { benchScripts } from "./scripts";
import { benchSurvey } from "./survey";

const benches: Record<string, () => Promise<string>> = {
  survey: benchSurvey,
  "first-view": benchFirstView,
  dispatch: benchDispatch,
  report: benchReport,
  hedgehogs: benchHedgehogs,
  scripts: benchScripts,
};
/** Run only when named: it compares with an earlier checkout (BENCH_BEFORE). */
const onRequest: Record<string, () => Promise<string>> = { "before-after": benchBeforeAfter };
const all = { ...benches, ...onRequest };
const chosen = process.argv.slice(2).filter((a) => a in all);
for (const name of chosen.length ? chosen : Object.keys(benches)) {
  console.log(`\n## ${name}\n`);
  console.log(await all[name as keyof typeof all]!());
}
