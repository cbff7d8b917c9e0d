// PostHog's private API (the app host, a personal API key) for the survey and the dashboard that
// `npm run posthog-setup` and the daily check look at. Every call goes through the one request helper.
// Field names and answers: PostHog/posthog products/surveys/backend/api/survey.py (SurveySerializer,
// SurveySerializerCreateUpdateOnly, SurveyViewSet), posthog/api/dashboards/dashboard.py, posthog/api/insight.py.
import * as v from "valibot";
import { callService, excerpt, jsonAnswer } from "./request";

// The shapes this product reads of PostHog's answers (validated by the schemas below).
/** A survey question as PostHog stores it (products/surveys/backend/models.py, `questions` help text). */
export interface SurveyQuestion {
  id?: string;
  type: string;
  question: string;
  optional?: boolean;
  scale?: number;
  display?: string;
  lowerBoundLabel?: string;
  upperBoundLabel?: string;
  [other: string]: unknown;
}

/** The survey fields this product cares about, as PostHog's survey API answers them. */
export interface PostHogSurvey {
  id: string;
  name: string;
  type: string;
  questions: SurveyQuestion[] | null;
  start_date: string | null;
  end_date: string | null;
  archived: boolean;
  enable_partial_responses: boolean | null;
}

export interface PostHogInsight {
  id: number;
  name: string | null;
  query: unknown;
  deleted?: boolean;
}

export interface PostHogDashboard {
  id: number;
  name: string | null;
  deleted: boolean;
  tiles: Array<{ id: number; deleted?: boolean | null; insight: PostHogInsight | null }>;
}

export interface PostHogApp {
  appHost: string;
  projectId: string;
  personalApiKey: string;
  fetcher: typeof fetch;
}

/** A refusal or an unreadable answer from PostHog, with PostHog's own words. */
export class PostHogAppError extends Error {
  /** PostHog's HTTP status, when PostHog refused (a 401 or 403 names a key without the scopes). */
  readonly status: number | undefined;
  constructor(message: string, options: { status?: number } = {}) {
    super(message);
    this.name = "PostHogAppError";
    this.status = options.status;
  }
}

const Question = v.looseObject({
  id: v.optional(v.string()),
  type: v.string(),
  question: v.string(),
  optional: v.optional(v.nullable(v.boolean())),
  scale: v.optional(v.nullable(v.number())),
  display: v.optional(v.nullable(v.string())),
  lowerBoundLabel: v.optional(v.nullable(v.string())),
  upperBoundLabel: v.optional(v.nullable(v.string())),
});

const Survey = v.looseObject({
  id: v.string(),
  name: v.string(),
  type: v.string(),
  questions: v.nullable(v.array(Question)),
  start_date: v.nullable(v.string()),
  end_date: v.nullable(v.string()),
  archived: v.boolean(),
  enable_partial_responses: v.optional(v.nullable(v.boolean()), null),
});

const page = <T extends v.GenericSchema>(item: T) =>
  v.object({
    count: v.number(),
    next: v.nullable(v.string()),
    previous: v.nullable(v.string()),
    results: v.array(item),
  });

const Insight = v.looseObject({
  id: v.number(),
  name: v.nullable(v.string()),
  query: v.optional(v.unknown()),
  deleted: v.optional(v.boolean()),
});

const DashboardListItem = v.looseObject({
  id: v.number(),
  name: v.nullable(v.string()),
  deleted: v.optional(v.boolean(), false),
});

const Dashboard = v.looseObject({
  id: v.number(),
  name: v.nullable(v.string()),
  deleted: v.optional(v.boolean(), false),
  tiles: v.optional(
    v.array(
      v.looseObject({
        id: v.number(),
        deleted: v.optional(v.nullable(v.boolean())),
        insight: v.optional(v.nullable(Insight), null),
      }),
    ),
    [],
  ),
});

/** `{type, code, detail, attr}`: how PostHog's API words its refusals (drf-exceptions-hog). */
const ErrorBody = v.looseObject({ detail: v.optional(v.string()), attr: v.optional(v.nullable(v.string())) });

function refusal(status: number, text: string): string {
  const body = jsonAnswer(text, ErrorBody);
  if (body?.detail) return `PostHog answered ${status}: ${body.detail}${body.attr ? ` (${body.attr})` : ""}`;
  return `PostHog answered ${status}${text ? `: ${excerpt(text)}` : ""}`;
}

async function call<T extends v.GenericSchema>(
  app: PostHogApp,
  path: string,
  schema: T,
  init: { method?: string; body?: unknown } = {},
): Promise<v.InferOutput<T>> {
  const url = path.startsWith("http") ? path : `${app.appHost}/api/projects/${app.projectId}${path}`;
  const outcome = await callService({
    service: "PostHog",
    url,
    method: init.method ?? "GET",
    headers: {
      authorization: `Bearer ${app.personalApiKey}`,
      accept: "application/json",
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    timeoutMs: 20_000,
    fetcher: app.fetcher,
    classify: (answer) =>
      answer.status >= 400 && answer.status < 500 && answer.status !== 408 && answer.status !== 429
        ? { kind: "failed", reason: refusal(answer.status, answer.text), code: String(answer.status) }
        : undefined,
  });
  if (outcome.kind !== "done")
    throw new PostHogAppError(outcome.reason, {
      status: outcome.kind === "failed" && outcome.code ? Number(outcome.code) : undefined,
    });
  let body: unknown;
  try {
    body = JSON.parse(outcome.value.text);
  } catch {
    throw new PostHogAppError(`PostHog answered ${init.method ?? "GET"} ${path} with something that is not JSON`);
  }
  const parsed = v.safeParse(schema, body);
  if (!parsed.success)
    throw new PostHogAppError(
      `PostHog's answer to ${init.method ?? "GET"} ${path} is not what was expected: ${parsed.issues
        .slice(0, 3)
        .map((i) => `${v.getDotPath(i) ?? "body"}: ${i.message}`)
        .join("; ")}`,
    );
  return parsed.output;
}

/** Every item of a paginated list (`{count, next, previous, results}`), following `next`. */
async function all<T extends v.GenericSchema>(
  app: PostHogApp,
  path: string,
  item: T,
): Promise<Array<v.InferOutput<T>>> {
  const items: Array<v.InferOutput<T>> = [];
  let next: string | null = path;
  for (let pages = 0; next !== null && pages < 50; pages++) {
    const answer: { next: string | null; results: Array<v.InferOutput<T>> } = await call(app, next, page(item));
    items.push(...answer.results);
    next = answer.next;
  }
  return items;
}

const toSurvey = (s: v.InferOutput<typeof Survey>): PostHogSurvey => s as unknown as PostHogSurvey;
const toDashboard = (d: v.InferOutput<typeof Dashboard>): PostHogDashboard => d as unknown as PostHogDashboard;

export async function getSurvey(app: PostHogApp, id: string): Promise<PostHogSurvey | undefined> {
  try {
    return toSurvey(await call(app, `/surveys/${encodeURIComponent(id)}/`, Survey));
  } catch (err) {
    if (err instanceof PostHogAppError && err.status === 404) return undefined;
    throw err;
  }
}

/** The project's surveys of this exact name (PostHog's `search` also matches similar names). */
export async function findSurveysByName(app: PostHogApp, name: string): Promise<PostHogSurvey[]> {
  const found = await all(app, `/surveys/?search=${encodeURIComponent(name)}&limit=100`, Survey);
  return found.filter((s) => s.name === name).map(toSurvey);
}

export async function createSurvey(app: PostHogApp, body: Record<string, unknown>): Promise<PostHogSurvey> {
  return toSurvey(await call(app, "/surveys/", Survey, { method: "POST", body }));
}

export async function updateSurvey(app: PostHogApp, id: string, body: Record<string, unknown>): Promise<PostHogSurvey> {
  return toSurvey(await call(app, `/surveys/${encodeURIComponent(id)}/`, Survey, { method: "PATCH", body }));
}

/** The project's dashboards of this exact name that are not deleted, with their tiles. */
export async function findDashboardsByName(app: PostHogApp, name: string): Promise<PostHogDashboard[]> {
  const list = await all(app, `/dashboards/?limit=100`, DashboardListItem);
  const matching = list.filter((d) => d.name === name && !d.deleted);
  const out: PostHogDashboard[] = [];
  for (const d of matching) out.push(toDashboard(await call(app, `/dashboards/${d.id}/`, Dashboard)));
  return out;
}

export async function createDashboard(
  app: PostHogApp,
  body: { name: string; description: string },
): Promise<PostHogDashboard> {
  return toDashboard(await call(app, "/dashboards/", Dashboard, { method: "POST", body }));
}

/** Creates an insight on a dashboard (`dashboards: [id]` puts it there as a tile). */
export async function createInsight(
  app: PostHogApp,
  body: { name: string; description: string; query: unknown; dashboards: number[] },
): Promise<PostHogInsight> {
  return (await call(app, "/insights/", Insight, { method: "POST", body })) as PostHogInsight;
}

export async function updateInsight(
  app: PostHogApp,
  id: number,
  body: { description?: string; query: unknown },
): Promise<PostHogInsight> {
  return (await call(app, `/insights/${id}/`, Insight, { method: "PATCH", body })) as PostHogInsight;
}
