// Test helpers, one file per capability under helpers/; imported from here.
export * from "./helpers/worker";
export * from "./helpers/survey";
export * from "./helpers/fakes";
export * from "./helpers/dispatch";
