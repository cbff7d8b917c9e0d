import { bodyLimit } from "hono/body-limit";

/** Admin forms are a few short fields: anything larger is refused before it is read. */
export const formLimit = bodyLimit({
  maxSize: 4096,
  onError: (c) => c.json({ error: "request too large" }, 413),
});
