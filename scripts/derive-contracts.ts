// `npx tsx scripts/derive-contracts.ts <zendesk-support-oas.yaml> <resend-openapi.yaml>`: derives from
// the vendors' own OpenAPI descriptions the JSON schemas of every request body the product sends and
// every 200 answer it reads, for the endpoints it uses, and writes them to test/contracts/zendesk.json
// and test/contracts/resend.json (JSON Schema 2020-12, self-contained: each file's `$defs` holds every
// schema it names). The loopback fakes validate their traffic against those files (test/fakes/contracts.ts).
// The vendors' files themselves stay out of the project; run this again on a newer snapshot and
// review the diff.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { format } from "prettier";
import { parse } from "yaml";

type Schema = Record<string, unknown>;
type Spec = {
  openapi: string;
  paths: Record<string, Record<string, any>>;
  components: { schemas: Record<string, Schema> };
};

/** JSON Schema keywords kept; everything else (examples, descriptions, `x-…`, `xml`, OpenAPI's `nullable`) is dropped. */
const KEEP = new Set([
  "type",
  "enum",
  "const",
  "format",
  "properties",
  "required",
  "items",
  "prefixItems",
  "additionalProperties",
  "allOf",
  "anyOf",
  "oneOf",
  "not",
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "pattern",
  "uniqueItems",
  "readOnly",
  "writeOnly",
  "title",
  "$ref",
]);

/**
 * A derived contract's changes to the vendor's schemas, each with its reason; written into the file.
 * `nullable`: a property the spec types without null that the service sends as null.
 * `add`: a property the spec's schema leaves out that the service documents elsewhere.
 */
interface Amendment {
  schema: string;
  property: string;
  nullable?: true;
  add?: Schema;
  why: string;
}

interface Operation {
  operationId: string;
  /** The path the product calls (Zendesk's paths end in `.json`, which the spec leaves out). */
  path: string;
  method: string;
  /** Extra properties of the 200 answer beside the spec's response schema (e.g. sideloads). */
  answerAdds?: Record<string, Schema>;
  answerAddsWhy?: string;
  usedBy: string;
}

interface Source {
  title: string;
  origin: string;
  snapshot: string;
  knownGaps: string[];
}

/** Resolves `#/components/schemas/X` references to the names kept in `$defs`. */
const refName = (ref: string) => {
  const m = /^#\/components\/schemas\/(.+)$/.exec(ref);
  if (!m) throw new Error(`unsupported $ref ${ref}`);
  return m[1]!;
};

/** A `$defs` key for an operation's schema, safe in a JSON pointer (Resend's ids hold a `/`). */
const defName = (operationId: string) => operationId.replace(/[^\w.-]/g, "-");

function derive(spec: Spec, operations: Operation[], amendments: Amendment[]) {
  const is30 = spec.openapi.startsWith("3.0");
  const defs: Record<string, Schema> = {};
  const exampleOnly: Array<{ schema: string; property: string }> = [];
  const convert = (node: Schema): Schema => {
    const out: Schema = {};
    for (const [k, v] of Object.entries(node)) {
      if (!KEEP.has(k)) continue;
      if (k === "$ref") {
        const name = refName(v as string);
        visit(name);
        out.$ref = `#/$defs/${name}`;
      } else if (k === "properties") {
        out.properties = Object.fromEntries(
          Object.entries(v as Record<string, Schema>).map(([p, s]) => [p, convert(s)]),
        );
      } else if (k === "items" || k === "not") {
        out[k] = convert(v as Schema);
      } else if (k === "additionalProperties") {
        out[k] = typeof v === "boolean" ? v : convert(v as Schema);
      } else if (k === "allOf" || k === "anyOf" || k === "oneOf") {
        out[k] = (v as Schema[]).map((s) => convert(s));
      } else out[k] = v;
    }
    if (is30 && node.nullable === true) {
      if (typeof out.type === "string") {
        out.type = [out.type, "null"];
        if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
      } else return { anyOf: [out, { type: "null" }] };
    }
    return out;
  };

  const visit = (name: string): void => {
    if (defs[name] !== undefined) return;
    const raw = spec.components.schemas[name];
    if (!raw) throw new Error(`no schema ${name}`);
    defs[name] = {}; // placeholder against cycles
    const converted = convert(raw);
    // Properties the spec's own example of this schema carries but its properties leave out.
    const example = raw.example as Record<string, unknown> | undefined;
    const props = converted.properties as Record<string, Schema> | undefined;
    if (props && example && typeof example === "object" && !Array.isArray(example)) {
      for (const [p, value] of Object.entries(example)) {
        if (props[p] !== undefined) continue;
        props[p] = { type: value === null ? "null" : Array.isArray(value) ? "array" : typeof value };
        exampleOnly.push({ schema: name, property: p });
      }
    }
    defs[name] = converted;
  };

  const ops: Record<string, unknown> = {};
  for (const op of operations) {
    const found = Object.entries(spec.paths).flatMap(([p, item]) =>
      Object.entries(item)
        .filter(([, o]) => (o as { operationId?: string })?.operationId === op.operationId)
        .map(([m, o]) => ({ path: p, method: m, op: o as any, item })),
    );
    if (found.length !== 1) throw new Error(`operation ${op.operationId}: found ${found.length}`);
    const { op: spec0, method, path: specPath, item } = found[0]!;
    if (method.toUpperCase() !== op.method) throw new Error(`${op.operationId} is ${method}, not ${op.method}`);
    const entry: Schema = { method: op.method, path: op.path, specPath, usedBy: op.usedBy };
    const params = [...(item.parameters ?? []), ...(spec0.parameters ?? [])]
      .map((p: any) => (p.$ref ? (spec as any).components.parameters[p.$ref.split("/").pop()] : p))
      .filter((p: any) => p.in === "query" || p.in === "header")
      .map((p: any) => ({ name: p.name, in: p.in, required: p.required === true, schema: convert(p.schema ?? {}) }));
    if (params.length > 0) entry.parameters = params;
    const body = spec0.requestBody?.content?.["application/json"]?.schema;
    if (body) {
      const name = `${defName(op.operationId)}.request`;
      defs[name] = convert(body);
      entry.request = { $ref: `#/$defs/${name}` };
    }
    const answers: Record<string, unknown> = {};
    for (const status of ["200", "201"]) {
      const schema = spec0.responses?.[status]?.content?.["application/json"]?.schema;
      if (!schema) continue;
      const name = `${defName(op.operationId)}.${status}`;
      let converted = convert(schema);
      if (op.answerAdds) {
        // Spec responses are `$ref`s to an object schema: copy it so the additions stay this operation's.
        const base = converted.$ref
          ? structuredClone(defs[String(converted.$ref).slice("#/$defs/".length)]!)
          : converted;
        const props = (base.properties ?? {}) as Record<string, Schema>;
        for (const [p, s] of Object.entries(op.answerAdds)) props[p] = convert(s);
        converted = { ...base, properties: props };
      }
      defs[name] = converted;
      answers[status] = { $ref: `#/$defs/${name}` };
    }
    if (Object.keys(answers).length === 0) throw new Error(`${op.operationId}: no 200/201 JSON answer`);
    entry.answers = answers;
    if (op.answerAddsWhy) entry.answerAdditions = op.answerAddsWhy;
    ops[op.operationId] = entry;
  }

  for (const a of amendments) {
    const def = defs[a.schema];
    if (!def) throw new Error(`amendment: ${a.schema} is not among the derived schemas`);
    const props = def.properties as Record<string, Schema> | undefined;
    if (!props) throw new Error(`amendment: ${a.schema} has no properties`);
    if (a.add) {
      if (props[a.property]) throw new Error(`amendment: ${a.schema}.${a.property} is already in the spec`);
      props[a.property] = convert(a.add);
    }
    if (a.nullable) {
      const p = props[a.property];
      if (!p) throw new Error(`amendment: ${a.schema}.${a.property} is not in the spec`);
      props[a.property] = { anyOf: [p, { type: "null" }] };
    }
  }
  close(defs);
  return { operations: ops, defs, exampleOnly };
}

/**
 * Makes every object schema refuse the properties it does not name: the services ignore unknown
 * request fields silently (a misspelt field would do nothing), and a fake must not invent answer
 * fields. An object with properties gets `additionalProperties: false`, except one that is a branch
 * of an allOf with several (it would refuse the other branches' properties): that allOf gets
 * `unevaluatedProperties: false` instead, which sees the properties of all its branches.
 */
function close(defs: Record<string, Schema>): void {
  const branches = new Set<string>();
  const scan = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(scan);
    if (typeof node !== "object" || node === null) return;
    const o = node as Schema;
    if (Array.isArray(o.allOf) && o.allOf.length > 1)
      for (const part of o.allOf as Schema[])
        if (typeof part.$ref === "string") branches.add(part.$ref.slice("#/$defs/".length));
    Object.values(o).forEach(scan);
  };
  scan(defs);
  const walk = (node: Schema, branch: boolean): void => {
    const several = Array.isArray(node.allOf) && node.allOf.length > 1;
    for (const [k, v] of Object.entries(node)) {
      if (k === "properties") for (const p of Object.values(v as Record<string, Schema>)) walk(p, false);
      else if (k === "allOf" || k === "anyOf" || k === "oneOf")
        for (const s of v as Schema[]) walk(s, k === "allOf" && several);
      else if ((k === "items" || k === "not" || k === "additionalProperties") && typeof v === "object")
        walk(v as Schema, false);
    }
    if (node.additionalProperties !== undefined || branch) return;
    if (several) node.unevaluatedProperties = false;
    else if (node.properties) node.additionalProperties = false;
  };
  for (const [name, def] of Object.entries(defs)) walk(def, branches.has(name));
}

async function write(file: string, source: Source, operations: Operation[], amendments: Amendment[], spec: Spec) {
  const { operations: ops, defs, exampleOnly } = derive(spec, operations, amendments);
  const sorted = Object.fromEntries(Object.entries(defs).sort(([a], [b]) => a.localeCompare(b)));
  const out = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    about: {
      derivedBy: "scripts/derive-contracts.ts (do not edit by hand; run it on a newer snapshot and review the diff)",
      source: source.title,
      origin: source.origin,
      snapshot: source.snapshot,
      openapi: spec.openapi,
      conversion:
        "JSON Schema 2020-12: $refs point into $defs, OpenAPI 3.0 `nullable` became a null type, examples and descriptions are left out, and every object schema with properties refuses properties it does not name (except the branches of an allOf), so a misspelt request field or an invented answer field is caught",
      knownGaps: source.knownGaps,
      amendments: [
        ...amendments.map((a) => ({
          schema: a.schema,
          property: a.property,
          change: a.nullable ? "may be null" : "added",
          why: a.why,
        })),
        ...exampleOnly.map((e) => ({
          schema: e.schema,
          property: e.property,
          change: "added",
          why: "the spec's own example of this schema carries it; its properties leave it out",
        })),
      ],
    },
    operations: ops,
    $defs: sorted,
  };
  // Written as `npm run format` would leave it, so formatting the project changes nothing here.
  writeFileSync(file, await format(JSON.stringify(out), { parser: "json", printWidth: 120 }));
  console.log(`${file}: ${Object.keys(ops).length} operations, ${Object.keys(sorted).length} schemas`);
}

const [zendeskFile, resendFile] = process.argv.slice(2);
if (!zendeskFile || !resendFile) {
  console.error("usage: tsx scripts/derive-contracts.ts <zendesk-support-oas.yaml> <resend-openapi.yaml>");
  process.exit(2);
}
const outDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "test", "contracts");
mkdirSync(outDir, { recursive: true });
const load = (file: string) => parse(readFileSync(file, "utf8"), { maxAliasCount: -1 }) as Spec;

const ticketArray = (schema: string) => ({ type: "array", items: { $ref: `#/components/schemas/${schema}` } });
const sideloads = {
  users: ticketArray("UserObject"),
  groups: ticketArray("GroupObject"),
  metric_sets: ticketArray("TicketMetricObject"),
};
const offsetPage = {
  next_page: { type: "string", nullable: true },
  previous_page: { type: "string", nullable: true },
  count: { type: "integer" },
};
const SIDELOADS =
  "users, groups and metric_sets: the sideloads of include=users,groups,metric_sets (developer.zendesk.com \"Side-loading\", Tickets), which the spec's response schema leaves out, described with the spec's own UserObject, GroupObject and TicketMetricObject";
const OFFSET = `next_page, previous_page and count: offset pagination (developer.zendesk.com "Pagination"), which the spec's response schema leaves out`;

await write(
  path.join(outDir, "zendesk.json"),
  {
    title: "Zendesk Support API, Zendesk's published OpenAPI description (developer.zendesk.com/zendesk/oas.yaml)",
    origin: "as committed by emberstack/ES.FX at src/ES.FX.Zendesk/OpenApi/support-oas.yaml (MIT)",
    snapshot: "ES.FX commit 87fa408, spec last changed 2026-07-07",
    knownGaps: [
      'The spec leaves out per_page on the cursor export (developer.zendesk.com "Incremental exports": 1 to 1000, default 1000), types start_time as an integer, and carries almost no constraints (lengths, enums): the fakes\' own rules (test/fakes/zendesk.ts) hold those, each with its source.',
      "The export's and show_many's sideloads (users, groups, metric_sets) are not in the spec's response schemas: they are added here from the spec's UserObject, GroupObject and TicketMetricObject.",
      'The spec\'s TicketObject has no additional_tags or remove_tags (developer.zendesk.com "Tickets", Update Ticket: "Updating tag lists"): both are added.',
      "The spec types several properties without null that Zendesk sends as null (amendments below).",
      "Error answers (4xx, 429) are not described by the spec; the fakes' error bodies carry their own sources.",
      "ShowUser is not derived: the product does not call it (the users it needs come sideloaded).",
    ],
  },
  [
    {
      operationId: "IncrementalTicketExportCursor",
      method: "GET",
      path: "/api/v2/incremental/tickets/cursor.json",
      answerAdds: sideloads,
      answerAddsWhy: SIDELOADS,
      usedBy: "the Zendesk sync (src/services/zendesk.ts fetchExportPage)",
    },
    {
      operationId: "TicketsShowMany",
      method: "GET",
      path: "/api/v2/tickets/show_many.json",
      answerAdds: { ...sideloads, ...offsetPage },
      answerAddsWhy: `${SIDELOADS}; ${OFFSET}`,
      usedBy: "unsigned links (src/services/zendesk-tickets.ts fetchTickets)",
    },
    {
      operationId: "UpdateTicket",
      method: "PUT",
      path: "/api/v2/tickets/{ticket_id}.json",
      usedBy:
        "the low-rating note (src/services/zendesk.ts addInternalNote) and the rating write-back (src/services/zendesk-tickets.ts writeTicketRating)",
    },
    {
      operationId: "ListTicketComments",
      method: "GET",
      path: "/api/v2/tickets/{ticket_id}/comments.json",
      answerAdds: offsetPage,
      answerAddsWhy: OFFSET,
      usedBy: "a note's look-up before posting it again (src/services/zendesk-tickets.ts hasInternalNote)",
    },
  ],
  [
    {
      schema: "TicketObject",
      property: "additional_tags",
      add: { type: "array", items: { type: "string" }, writeOnly: true },
      why: 'developer.zendesk.com "Tickets", Update Ticket, "Updating tag lists": tags added without replacing the list',
    },
    {
      schema: "TicketObject",
      property: "remove_tags",
      add: { type: "array", items: { type: "string" }, writeOnly: true },
      why: 'developer.zendesk.com "Tickets", Update Ticket, "Updating tag lists": tags removed without replacing the list',
    },
    {
      schema: "TicketFieldValueInput",
      property: "value",
      nullable: true,
      why: 'a ticket lists every field of its form in custom_fields and fields, a field nobody set with value null (developer.zendesk.com "Tickets", custom_fields)',
    },
    ...[
      "assigned_at",
      "initially_assigned_at",
      "solved_at",
      "latest_comment_added_at",
      "requester_updated_at",
      "assignee_updated_at",
      "status_updated_at",
      "custom_status_updated_at",
    ].map((property): Amendment => ({
      schema: "TicketMetricObject",
      property,
      nullable: true,
      why: 'developer.zendesk.com "Ticket Metrics": a time is null until it happens (a ticket not yet solved has solved_at null)',
    })),
    ...["business", "calendar"].map((property): Amendment => ({
      schema: "TicketMetricTimeObject",
      property,
      nullable: true,
      why: 'developer.zendesk.com "Ticket Metrics": a duration is {calendar: null, business: null} until it is measured (no reply yet)',
    })),
    ...["email", "last_login_at"].map((property): Amendment => ({
      schema: "UserForAdmin",
      property,
      nullable: true,
      why: 'developer.zendesk.com "Users": a user may have no email address (a phone or messaging requester) and last_login_at is null until they sign in',
    })),
  ],
  load(zendeskFile),
);

await write(
  path.join(outDir, "resend.json"),
  {
    title: "Resend API, OpenAPI 3.1 (resend/resend-openapi resend.yaml, MIT, Plus Five Five, Inc)",
    origin: "resend/resend-openapi, resend.yaml",
    snapshot: "commit fd6f395, 2026-08-21",
    knownGaps: [
      "The spec describes only 200 answers: the 4xx/429 bodies ({statusCode, name, message}, rate_limit_exceeded with retry-after, the idempotency 409s) are resend.com's and resend-node's, held by the fake's own rules.",
      "Permissive batch validation (x-batch-validation: permissive, and the answer's per-email errors [{index, message}]) is documented on resend.com, not in the spec: errors is added to the batch answer.",
      "The batch's limit of 100 emails is in the operation's summary only, not its schema; the fake enforces it.",
      "Only POST /emails/batch is used by the product; POST /emails, GET /emails/{email_id} and GET /emails are derived for a client or fake that adds them.",
    ],
  },
  [
    { operationId: "emails/send", method: "POST", path: "/emails", usedBy: "not used by the product" },
    {
      operationId: "emails/send-batch",
      method: "POST",
      path: "/emails/batch",
      answerAdds: {
        errors: {
          type: "array",
          items: {
            type: "object",
            required: ["index", "message"],
            properties: { index: { type: "integer" }, message: { type: "string" } },
          },
        },
      },
      answerAddsWhy:
        "errors: in permissive validation mode the emails refused, by index (resend.com API reference, Send Batch Emails; resend-node src/batch)",
      usedBy: "survey emails (src/services/mail-resend.ts)",
    },
    { operationId: "emails/get", method: "GET", path: "/emails/{email_id}", usedBy: "not used by the product" },
    { operationId: "emails/list", method: "GET", path: "/emails", usedBy: "not used by the product" },
  ],
  [],
  load(resendFile),
);
