import { startFake, type FakeServer, type RecordedRequest, type Reply } from "./fake-server";
import type { SentEmail } from "./types";

/**
 * Resend's email API under `/t/<account>` (the product's RESEND_BASE_URL points there): `POST
 * /emails/batch` with at most 100 emails, bearer auth, a required User-Agent, and Idempotency-Key
 * replays (the same key and body give the first answer again and send nothing; the same key with a
 * different body is a 409).
 */

const sent: SentEmail[] = [];
const replays = new Map<string, { body: string; reply: Reply }>();
let nextId = 1;

const problem = (status: number, name: string, message: string): Reply => ({
  status,
  body: { statusCode: status, name, message },
});

function batch(account: string, req: RecordedRequest): Reply {
  if (!req.headers["user-agent"])
    return problem(403, "missing_user_agent", "Requests without a User-Agent header are rejected.");
  if (req.headers.authorization !== "Bearer re_test_key")
    return problem(401, "missing_api_key", "Missing API key in the authorization header.");
  const key = req.headers["idempotency-key"];
  if (key !== undefined) {
    if (key.length > 256) return problem(400, "invalid_idempotency_key", "The key must be between 1-256 chars.");
    const earlier = replays.get(`${account}:${key}`);
    if (earlier) {
      if (earlier.body !== req.rawBody)
        return problem(
          409,
          "invalid_idempotent_request",
          "Same idempotency key used with a different request payload.",
        );
      return earlier.reply;
    }
  }
  const emails = req.body as Array<Record<string, unknown>>;
  if (!Array.isArray(emails) || emails.length === 0)
    return problem(422, "validation_error", "The request body must be a non-empty array.");
  if (emails.length > 100) return problem(422, "validation_error", "A batch may hold at most 100 emails.");
  for (const e of emails) {
    if (
      typeof e.from !== "string" ||
      !Array.isArray(e.to) ||
      typeof e.subject !== "string" ||
      (typeof e.html !== "string" && typeof e.text !== "string")
    ) {
      return problem(422, "validation_error", "Each email needs from, to, subject and html or text.");
    }
  }
  const data = emails.map((e) => {
    const id = `re-${String(nextId++).padStart(6, "0")}`;
    sent.push({
      id,
      account,
      from: e.from as string,
      to: e.to as string[],
      subject: e.subject as string,
      html: e.html as string,
      text: e.text as string,
      headers: (e.headers as Record<string, string>) ?? {},
      idempotencyKey: key ?? "",
    });
    return { id };
  });
  const reply: Reply = { status: 200, body: { data } };
  if (key !== undefined) replays.set(`${account}:${key}`, { body: req.rawBody, reply });
  return reply;
}

export function startFakeResend(port = 0): Promise<FakeServer> {
  return startFake(
    "resend",
    (req) => {
      const m = /^\/t\/([\w-]+)\/emails\/batch$/.exec(req.path);
      if (req.method === "POST" && m) return batch(m[1]!, req);
      return undefined;
    },
    port,
    (path) => {
      const m = /^resend\/([\w-]+)\/sent$/.exec(path);
      if (m) return { status: 200, body: sent.filter((e) => e.account === m[1]) };
      return undefined;
    },
  );
}
