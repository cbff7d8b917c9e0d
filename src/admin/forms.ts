import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env";

/** Admin forms are a few short fields: anything larger is refused before it is read. */
export const formLimit = bodyLimit({
  maxSize: 4096,
  onError: (c) => c.json({ error: "request too large" }, 413),
});

/**
 * A form body as fields. Read as bytes and decoded here: workerd warns when .text() is called on a
 * body whose content type is not text, as application/x-www-form-urlencoded is not.
 */
export async function readForm(c: Context<AppEnv>): Promise<URLSearchParams> {
  const bytes = await c.req.arrayBuffer().catch(() => new ArrayBuffer(0));
  return new URLSearchParams(new TextDecoder().decode(bytes));
}
