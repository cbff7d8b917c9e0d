// `npm run bench [-- survey]`: runs the benchmarks and prints their tables.
import { benchDispatch } from "./dispatch";
import { benchFirstView } from "./first-view";
import { benchHedgehogs } from "./hedgehogs";
import { benchReport } from "./report";
import { benchSurvey } from "./survey";

const benches: Record<string, () => Promise<string>> = {
  survey: benchSurvey,
  "first-view": benchFirstView,
  dispatch: benchDispatch,
  report: benchReport,
  hedgehogs: benchHedgehogs,
};
const chosen = process.argv.slice(2).filter((a) => a in benches);
for (const name of chosen.length ? chosen : Object.keys(benches)) {
  console.log(`\n## ${name}\n`);
  console.log(await benches[name]!());
}
