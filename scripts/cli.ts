// What every CLI here shares: --help, every problem with the options named at once, exit code 2.
import { parseArgs } from "node:util";

/** The option every CLI that reads the local database takes, as its usage describes it. */
export const PERSIST_TO_USAGE =
  "  --persist-to DIR  the state folder given to `npm run dev -- --persist-to DIR` (default .wrangler/state)";

export interface CliOption {
  type: "string" | "boolean";
  required?: boolean;
}

export interface CliSpec<O extends Record<string, CliOption>> {
  /** The npm script's name, e.g. "survey-link". */
  name: string;
  /** Printed by --help (and after the problems). */
  usage: string;
  options: O;
}

type Values<O extends Record<string, CliOption>> = {
  [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : string;
};

/** Prints every problem, one a line, then where usage is; exits 2 (bad usage). */
export function failUsage(name: string, problems: string[]): never {
  for (const p of problems) console.error(`${name}: ${p}`);
  console.error(`Run \`npm run ${name} -- --help\` for usage.`);
  process.exit(2);
}

/**
 * Parses the options leniently and lists every unknown option and every option missing its value
 * (node's strict mode throws at the first, in words written for programmers); the caller adds its
 * own checks to the list, so one run names every problem.
 */
export function parseCli<O extends Record<string, CliOption>>(
  spec: CliSpec<O>,
  argv = process.argv.slice(2),
): { values: Values<O>; problems: string[] } {
  const options = { ...spec.options, help: { type: "boolean" as const, short: "h" } };
  const problems: string[] = [];
  // `--team --rating 5` would make "--rating" the team: an option's value never starts with "--".
  const args = argv.filter((arg, i) => {
    const bare = arg.startsWith("--") && !arg.includes("=") && spec.options[arg.slice(2)]?.type === "string";
    const next = argv[i + 1];
    if (bare && (next === undefined || next.startsWith("--"))) {
      problems.push(`${arg} expects a value`);
      return false;
    }
    return true;
  });
  const { values, tokens, positionals } = parseArgs({ args, options, strict: false, tokens: true });
  if (values.help === true) {
    console.log(spec.usage);
    process.exit(0);
  }
  for (const token of tokens ?? []) {
    if (token.kind !== "option") continue;
    const known = spec.options[token.name];
    if (!known && token.name !== "help") problems.push(`unknown option ${token.rawName}`);
    else if (known?.type === "string" && typeof values[token.name] !== "string")
      problems.push(`${token.rawName} expects a value`);
    else if (known?.type === "boolean" && token.value !== undefined) problems.push(`${token.rawName} takes no value`);
  }
  if (positionals.length > 0) problems.push(`unexpected argument ${JSON.stringify(positionals[0])}`);
  for (const [name, option] of Object.entries(spec.options)) {
    const named = problems.some((p) => p.startsWith(`--${name} `));
    if (option.required && values[name] === undefined && !named) problems.push(`--${name} is required`);
  }
  return { values: values as Values<O>, problems };
}
