import type { RecordedRequest, Reply } from "./types";

/**
 * PostHog's private API for surveys, dashboards and insights, as strict as PostHog/posthog answers:
 *
 * - Auth (posthog/auth.py PersonalAPIKeyAuthentication, posthog/permissions.py APIScopePermission):
 *   `Authorization: Bearer <personal key>`; none: 401 `not_authenticated`; an unknown key (a project
 *   key `phc_…` included): 401 `authentication_failed` "Personal API key found in request Authorization
 *   header is invalid."; a key without the scope: 403 "API key missing required scope 'survey:write'"
 *   (a `:write` scope also grants `:read`). Errors are drf-exceptions-hog bodies `{type, code, detail, attr}`.
 * - Surveys (products/surveys/backend/api/survey.py): list newest first, `search` on name and
 *   description, `limit`/`offset` pages `{count, next, previous, results}`; create (201) and PATCH
 *   validate `type` (popover, widget, external_survey, api), question text ("Question text is
 *   required"), unique names per project ("There is already a survey with this name."), dates;
 *   question ids supplied are kept, missing ones get a v4 UUID (models.py ensure_question_ids);
 *   choice questions need a non-empty list of non-empty strings ("Question choices must be a list of
 *   strings"); branching (posthog-js SurveyQuestionBranchingType and the serializer's branching check):
 *   `next_question`, `end`, `specific_question` with an `index` of another question, or `response_based`
 *   on a rating (buckets of its scale: negative/neutral/positive, or detractors/passives/promoters for
 *   10) or a single choice (choice indices), each leading to a later question's index or "end";
 *   `enable_partial_responses` defaults to false (models.py); unknown ids: 404 "Not found.".
 * - Dashboards (posthog/api/dashboards/dashboard.py): list without deleted ones, create, retrieve with
 *   `tiles: [{id, insight, …}]`. Insights (posthog/api/insight.py): create/PATCH with `query` and
 *   `dashboards` (unknown dashboard: `Invalid pk "N" - object does not exist.`); a
 *   DataVisualizationNode allows only its schema's keys (posthog/schema.py, extra="forbid").
 *
 * Keys (scopes): `phx_test_personal_key` (person, survey, dashboard, insight: write),
 * `phx_test_read_only` (survey, dashboard, insight: read), `phx_test_no_survey_scope` (dashboard,
 * insight: write). State is kept per project id, so tests that use their own project never meet.
 * Control: `GET /__fake/posthog/projects/<id>` answers the project's surveys, dashboards and insights.
 */
export const PERSONAL_KEYS: Record<string, string[]> = {
  phx_test_personal_key: ["person:write", "survey:write", "dashboard:write", "insight:write"],
  phx_test_read_only: ["survey:read", "dashboard:read", "insight:read"],
  phx_test_no_survey_scope: ["dashboard:write", "insight:write"],
};

interface Survey {
  id: string;
  name: string;
  description: string;
  type: string;
  questions: Array<Record<string, unknown>> | null;
  start_date: string | null;
  end_date: string | null;
  archived: boolean;
  enable_partial_responses: boolean | null;
  created_at: string;
  [other: string]: unknown;
}

interface Insight {
  id: number;
  short_id: string;
  name: string | null;
  description: string | null;
  query: unknown;
  deleted: boolean;
  dashboards: number[];
}

interface Dashboard {
  id: number;
  name: string | null;
  description: string;
  deleted: boolean;
  created_at: string;
  tiles: Array<{ id: number; insight: number; deleted: boolean }>;
}

interface Project {
  surveys: Survey[];
  dashboards: Dashboard[];
  insights: Insight[];
}

const projects = new Map<string, Project>();
let nextId = 1000;

function project(id: string): Project {
  let p = projects.get(id);
  if (!p) {
    p = { surveys: [], dashboards: [], insights: [] };
    projects.set(id, p);
  }
  return p;
}

const error = (status: number, type: string, code: string, detail: string, attr: string | null = null): Reply => ({
  status,
  body: { type, code, detail, attr },
});
const invalid = (detail: string, attr: string | null = null, code = "invalid") =>
  error(400, "validation_error", code, detail, attr);
const notFound = () => error(404, "invalid_request", "not_found", "Not found.");

/** The auth and scope checks of PostHog's private API, for a fake's own set of keys (posthog-support.ts too). */
export function authProblem(req: RecordedRequest, scope: string, keys = PERSONAL_KEYS): Reply | undefined {
  const header = req.headers.authorization;
  if (!header)
    return error(401, "authentication_error", "not_authenticated", "Authentication credentials were not provided.");
  const key = /^Bearer (\S+)$/i.exec(header)?.[1];
  const scopes = key ? keys[key] : undefined;
  if (!scopes)
    return error(
      401,
      "authentication_error",
      "authentication_failed",
      "Personal API key found in request Authorization header is invalid.",
    );
  const valid = scope.endsWith(":read") ? [scope, scope.replace(":read", ":write")] : [scope];
  if (!valid.some((s) => scopes.includes(s)))
    return error(403, "authentication_error", "permission_denied", `API key missing required scope '${scope}'`);
  return undefined;
}

// DRF DateTimeField: ISO 8601.
const isDateTime = (value: unknown) =>
  typeof value === "string" &&
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) &&
  Number.isFinite(Date.parse(value));
const DATE_FORMAT =
  "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";

/**
 * DRF's LimitOffsetPagination (by default 100, at most 1000 a page, as a view's pagination class sets):
 * `{count, next, previous, results}`.
 */
export function pageOf<T>(req: RecordedRequest, items: T[], size = { byDefault: 100, max: 1000 }): Reply {
  const limit = Math.min(Math.max(Number(req.query.limit ?? size.byDefault) || size.byDefault, 1), size.max);
  const offset = Math.max(Number(req.query.offset ?? 0) || 0, 0);
  const link = (o: number) => {
    const q = new URLSearchParams({ ...req.query, limit: String(limit), offset: String(o) });
    return `http://${req.headers.host}${req.path}?${q}`;
  };
  return {
    status: 200,
    body: {
      count: items.length,
      next: offset + limit < items.length ? link(offset + limit) : null,
      previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
      results: items.slice(offset, offset + limit),
    },
  };
}

/** SurveySerializerCreateUpdateOnly's checks on the fields given; undefined when they pass. */
function surveyProblem(p: Project, body: Record<string, unknown>, existing: Survey | undefined): Reply | undefined {
  if (!existing || "name" in body) {
    if (body.name === undefined) return invalid("This field is required.", "name", "required");
    if (typeof body.name !== "string") return invalid("Not a valid string.", "name");
    if (body.name.trim() === "") return invalid("This field may not be blank.", "name", "blank");
    if (body.name.length > 400)
      return invalid("Ensure this field has no more than 400 characters.", "name", "max_length");
  }
  if (!existing || "type" in body) {
    if (body.type === undefined) return invalid("This field is required.", "type", "required");
    if (!["popover", "widget", "external_survey", "api"].includes(String(body.type)))
      return invalid(`"${String(body.type)}" is not a valid choice.`, "type", "invalid_choice");
  }
  if (body.questions !== undefined && body.questions !== null) {
    if (!Array.isArray(body.questions)) return invalid("Questions must be a list of objects", "questions");
    for (const q of body.questions as unknown[]) {
      if (typeof q !== "object" || q === null || Array.isArray(q))
        return invalid("Questions must be a list of objects", "questions");
      const question = q as Record<string, unknown>;
      if (!question.question) return invalid("Question text is required", "questions");
      if (typeof question.question !== "string") return invalid("Question text must be a string", "questions");
      for (const f of ["buttonText", "lowerBoundLabel", "upperBoundLabel"])
        if (question[f] && typeof question[f] !== "string")
          return invalid(`Question ${f} must be a string`, "questions");
      if (!["open", "link", "rating", "single_choice", "multiple_choice"].includes(String(question.type)))
        return invalid(`"${String(question.type)}" is not a valid choice.`, "questions", "invalid_choice");
      const choices = choicesProblem(question);
      if (choices) return invalid(choices, "questions");
    }
    const questions = body.questions as Array<Record<string, unknown>>;
    for (const [index, question] of questions.entries()) {
      const branching = branchingProblem(question, index, questions.length);
      if (branching) return invalid(branching, "questions");
    }
  }
  for (const f of ["start_date", "end_date"])
    if (body[f] !== undefined && body[f] !== null && !isDateTime(body[f])) return invalid(DATE_FORMAT, f);
  for (const f of ["enable_partial_responses", "archived"])
    if (body[f] !== undefined && body[f] !== null && typeof body[f] !== "boolean")
      return invalid("Must be a valid boolean.", f);
  if (body.archived === null) return invalid("This field may not be null.", "archived", "null");
  if (!existing && p.surveys.some((s) => s.name === body.name))
    return invalid("There is already a survey with this name.", null, "unique");
  if (
    existing &&
    typeof body.name === "string" &&
    body.name !== existing.name &&
    p.surveys.some((s) => s.name === body.name && s.id !== existing.id)
  )
    return invalid("There is already another survey with this name.", null, "unique");
  return undefined;
}

function choicesProblem(question: Record<string, unknown>): string | undefined {
  if (question.type !== "single_choice" && question.type !== "multiple_choice") return undefined;
  const { choices } = question;
  if (!Array.isArray(choices) || choices.length === 0) return "Question choices must be a list of strings";
  if (!choices.every((c) => typeof c === "string" && c.trim() !== ""))
    return "Question choices must be a list of strings";
  return undefined;
}

/** The buckets a rating's response-based branching may name, by scale. */
function ratingBuckets(scale: unknown): string[] {
  if (scale === 10) return ["detractors", "passives", "promoters"];
  if (scale === 2) return ["negative", "positive"];
  return ["negative", "neutral", "positive"];
}

function branchingProblem(question: Record<string, unknown>, index: number, count: number): string | undefined {
  const branching = question.branching;
  if (branching === undefined || branching === null) return undefined;
  if (typeof branching !== "object" || Array.isArray(branching)) return "Question branching must be an object";
  const b = branching as Record<string, unknown>;
  const target = (to: unknown) =>
    to === "end" || (Number.isInteger(to) && (to as number) > index && (to as number) < count);
  if (b.type === "next_question" || b.type === "end") return undefined;
  if (b.type === "specific_question") {
    if (!Number.isInteger(b.index) || (b.index as number) < 0 || (b.index as number) >= count || b.index === index)
      return "The branching question index is invalid";
    return undefined;
  }
  if (b.type !== "response_based") return `"${String(b.type)}" is not a valid branching type`;
  if (typeof b.responseValues !== "object" || b.responseValues === null || Array.isArray(b.responseValues))
    return "Response-based branching must have responseValues";
  const values = b.responseValues as Record<string, unknown>;
  if (question.type === "rating") {
    const buckets = ratingBuckets(question.scale);
    const wrong = Object.keys(values).find((k) => !buckets.includes(k));
    if (wrong) return `"${wrong}" is not a response of a rating of scale ${String(question.scale)}`;
  } else if (question.type === "single_choice") {
    const n = Array.isArray(question.choices) ? question.choices.length : 0;
    if (Object.keys(values).some((k) => !/^\d+$/.test(k) || Number(k) >= n))
      return "The branching choice index is invalid";
  } else return "Response-based branching is only for rating and single choice questions";
  if (!Object.values(values).every(target)) return "The branching question index is invalid";
  return undefined;
}

const withIds = (questions: unknown) =>
  Array.isArray(questions)
    ? (questions as Array<Record<string, unknown>>).map((q) => ({ ...q, id: q.id ? q.id : crypto.randomUUID() }))
    : (questions as null);

const SURVEY_FIELDS = [
  "name",
  "description",
  "type",
  "questions",
  "start_date",
  "end_date",
  "archived",
  "enable_partial_responses",
] as const;

function surveys(req: RecordedRequest, projectId: string, rest: string): Reply | undefined {
  const p = project(projectId);
  const body = (typeof req.body === "object" && req.body !== null ? req.body : {}) as Record<string, unknown>;
  if (rest === "") {
    if (req.method === "GET") {
      const auth = authProblem(req, "survey:read");
      if (auth) return auth;
      let list = [...p.surveys].sort((a, b) => b.created_at.localeCompare(a.created_at));
      const search = req.query.search?.toLowerCase();
      if (search)
        list = list.filter(
          (s) => s.name.toLowerCase().includes(search) || s.description.toLowerCase().includes(search),
        );
      if (req.query.archived !== undefined) list = list.filter((s) => String(s.archived) === req.query.archived);
      if (req.query.type !== undefined) list = list.filter((s) => s.type === req.query.type);
      return pageOf(req, list);
    }
    if (req.method === "POST") {
      const auth = authProblem(req, "survey:write");
      if (auth) return auth;
      const problem = surveyProblem(p, body, undefined);
      if (problem) return problem;
      const survey: Survey = {
        id: crypto.randomUUID(),
        name: body.name as string,
        description: typeof body.description === "string" ? body.description : "",
        type: body.type as string,
        questions: withIds(body.questions ?? null),
        start_date: (body.start_date as string | null | undefined) ?? null,
        end_date: (body.end_date as string | null | undefined) ?? null,
        archived: (body.archived as boolean | undefined) ?? false,
        enable_partial_responses: (body.enable_partial_responses as boolean | null | undefined) ?? false,
        created_at: new Date().toISOString(),
        appearance: null,
        conditions: null,
        linked_flag: null,
        targeting_flag: null,
        responses_limit: null,
        schedule: "once",
      };
      p.surveys.push(survey);
      return { status: 201, body: survey };
    }
    return undefined;
  }
  const id = /^([^/]+)\/$/.exec(rest)?.[1];
  if (!id) return undefined;
  const survey = p.surveys.find((s) => s.id === id);
  if (req.method === "GET") {
    const auth = authProblem(req, "survey:read");
    if (auth) return auth;
    return survey ? { status: 200, body: survey } : notFound();
  }
  if (req.method === "PATCH") {
    const auth = authProblem(req, "survey:write");
    if (auth) return auth;
    if (!survey) return notFound();
    const problem = surveyProblem(p, body, survey);
    if (problem) return problem;
    for (const f of SURVEY_FIELDS)
      if (f in body) (survey as Record<string, unknown>)[f] = f === "questions" ? withIds(body[f]) : body[f];
    return { status: 200, body: survey };
  }
  return undefined;
}

const DATA_VIZ_KEYS = ["kind", "source", "display", "chartSettings", "tableSettings", "version"];

function queryProblem(query: unknown): string | undefined {
  if (query === null || query === undefined) return undefined;
  if (typeof query !== "object" || Array.isArray(query)) return "Query must be an object";
  const q = query as Record<string, unknown>;
  if (q.kind === "DataVisualizationNode") {
    const extra = Object.keys(q).filter((k) => !DATA_VIZ_KEYS.includes(k));
    if (extra.length > 0) return `Extra inputs are not permitted: ${extra.join(", ")}`;
    const source = q.source as Record<string, unknown> | undefined;
    if (!source || source.kind !== "HogQLQuery") return "source: Input should be a HogQLQuery";
    if (typeof source.query !== "string" || source.query.trim() === "") return "source.query: Field required";
    return undefined;
  }
  if (q.kind === "InsightVizNode")
    return q.source && typeof q.source === "object" ? undefined : "source: Field required";
  return `Unsupported query kind: ${String(q.kind)}`;
}

function dashboardsProblem(p: Project, ids: unknown): Reply | undefined {
  if (ids === undefined) return undefined;
  if (!Array.isArray(ids)) return invalid('Expected a list of items but got type "str".', "dashboards", "not_a_list");
  for (const id of ids)
    if (!p.dashboards.some((d) => d.id === id && !d.deleted))
      return invalid(`Invalid pk "${String(id)}" - object does not exist.`, "dashboards", "does_not_exist");
  return undefined;
}

function placeOnDashboards(p: Project, insight: Insight, ids: number[]) {
  for (const d of p.dashboards) {
    const has = d.tiles.some((t) => t.insight === insight.id && !t.deleted);
    if (ids.includes(d.id) && !has) d.tiles.push({ id: nextId++, insight: insight.id, deleted: false });
    if (!ids.includes(d.id) && has) for (const t of d.tiles) if (t.insight === insight.id) t.deleted = true;
  }
  insight.dashboards = ids;
}

function dashboardBody(p: Project, d: Dashboard) {
  return {
    id: d.id,
    name: d.name,
    description: d.description,
    deleted: d.deleted,
    created_at: d.created_at,
    pinned: false,
    tags: [],
    tiles: d.tiles
      .filter((t) => !t.deleted)
      .map((t) => ({
        id: t.id,
        insight: p.insights.find((i) => i.id === t.insight) ?? null,
        text: null,
        layouts: {},
        color: null,
      })),
  };
}

function dashboards(req: RecordedRequest, projectId: string, rest: string): Reply | undefined {
  const p = project(projectId);
  const body = (typeof req.body === "object" && req.body !== null ? req.body : {}) as Record<string, unknown>;
  if (rest === "") {
    if (req.method === "GET") {
      const auth = authProblem(req, "dashboard:read");
      if (auth) return auth;
      return pageOf(
        req,
        p.dashboards
          .filter((d) => !d.deleted)
          .map((d) => ({ id: d.id, name: d.name, description: d.description, deleted: d.deleted, pinned: false })),
      );
    }
    if (req.method === "POST") {
      const auth = authProblem(req, "dashboard:write");
      if (auth) return auth;
      if (body.name !== undefined && body.name !== null && typeof body.name !== "string")
        return invalid("Not a valid string.", "name");
      const d: Dashboard = {
        id: nextId++,
        name: (body.name as string | undefined) ?? null,
        description: typeof body.description === "string" ? body.description : "",
        deleted: false,
        created_at: new Date().toISOString(),
        tiles: [],
      };
      p.dashboards.push(d);
      return { status: 201, body: dashboardBody(p, d) };
    }
    return undefined;
  }
  const id = /^(\d+)\/$/.exec(rest)?.[1];
  if (!id) return undefined;
  if (req.method !== "GET") return undefined;
  const auth = authProblem(req, "dashboard:read");
  if (auth) return auth;
  const d = p.dashboards.find((x) => x.id === Number(id) && !x.deleted);
  return d ? { status: 200, body: dashboardBody(p, d) } : notFound();
}

function insights(req: RecordedRequest, projectId: string, rest: string): Reply | undefined {
  const p = project(projectId);
  const body = (typeof req.body === "object" && req.body !== null ? req.body : {}) as Record<string, unknown>;
  const validate = (): Reply | undefined => {
    const problem = queryProblem(body.query);
    if (problem) return invalid(problem, "query");
    if (body.name !== undefined && body.name !== null && typeof body.name !== "string")
      return invalid("Not a valid string.", "name");
    return dashboardsProblem(p, body.dashboards);
  };
  if (rest === "" && req.method === "POST") {
    const auth = authProblem(req, "insight:write");
    if (auth) return auth;
    const problem = validate();
    if (problem) return problem;
    const insight: Insight = {
      id: nextId++,
      short_id: Math.random().toString(36).slice(2, 10),
      name: (body.name as string | undefined) ?? null,
      description: (body.description as string | undefined) ?? null,
      query: body.query ?? null,
      deleted: false,
      dashboards: [],
    };
    p.insights.push(insight);
    placeOnDashboards(p, insight, (body.dashboards as number[] | undefined) ?? []);
    return { status: 201, body: insight };
  }
  const id = /^(\d+)\/$/.exec(rest)?.[1];
  if (!id || req.method !== "PATCH") return undefined;
  const auth = authProblem(req, "insight:write");
  if (auth) return auth;
  const insight = p.insights.find((i) => i.id === Number(id) && !i.deleted);
  if (!insight) return notFound();
  const problem = validate();
  if (problem) return problem;
  if ("name" in body) insight.name = body.name as string | null;
  if ("description" in body) insight.description = body.description as string | null;
  if ("query" in body) insight.query = body.query;
  if (Array.isArray(body.dashboards)) placeOnDashboards(p, insight, body.dashboards as number[]);
  return { status: 200, body: insight };
}

/** The private API's answer to a request, or undefined when no route of it matches. */
export function privateApi(req: RecordedRequest): Reply | undefined {
  const m = /^\/api\/projects\/(\d+)\/(surveys|dashboards|insights)\/(.*)$/.exec(req.path);
  if (!m) return undefined;
  const [, projectId, resource, rest] = m as unknown as [string, string, string, string];
  if (resource === "surveys") return surveys(req, projectId, rest);
  if (resource === "dashboards") return dashboards(req, projectId, rest);
  return insights(req, projectId, rest);
}

/** `GET /__fake/posthog/projects/<id>`: what the project holds. */
export function projectState(path: string): Reply | undefined {
  const m = /^posthog\/projects\/(\d+)$/.exec(path);
  if (!m) return undefined;
  const p = project(m[1]!);
  return {
    status: 200,
    body: { surveys: p.surveys, dashboards: p.dashboards.map((d) => dashboardBody(p, d)), insights: p.insights },
  };
}
