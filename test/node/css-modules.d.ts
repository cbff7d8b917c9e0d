/**
 * The Worker's .css imports are strings (wrangler.toml's Text rule; worker-configuration.d.ts declares
 * them for src/). Node tests reach src/lib/layout.tsx through type imports, so they need the same.
 */
declare module "*.css" {
  const value: string;
  export default value;
}
