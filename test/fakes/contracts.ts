import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { ContractViolation, RecordedRequest, Reply } from "./types";

/**
 * The vendors' own API descriptions, as test/contracts/*.json holds them (derived from their OpenAPI
 * files by scripts/derive-contracts.ts), checked against a fake's traffic: every request body the
 * product sends to an operation, its documented query and header parameters, and every 200/201
 * answer the fake gives (its own or a test's scripted one). Runs in node, beside the fakes, never in
 * the Worker's bundle.
 */
interface Parameter {
  name: string;
  in: "query" | "header";
  required: boolean;
  schema: { type?: string | string[]; maxLength?: number };
}
interface OperationFile {
  method: string;
  path: string;
  parameters?: Parameter[];
  request?: { $ref: string };
  answers: Record<string, { $ref: string }>;
}
interface ContractFile {
  operations: Record<string, OperationFile>;
  $defs: Record<string, unknown>;
}

interface Operation {
  id: string;
  method: string;
  /** The operation's path under a fake's `/t/<account>`. */
  pattern: RegExp;
  parameters: Parameter[];
  request?: ValidateFunction;
  answers: Map<number, ValidateFunction>;
}

export interface Contract {
  service: string;
  /** The operation a request is for, by method and path under `/t/<account>`. */
  operationOf(req: Pick<RecordedRequest, "method" | "path">): string | undefined;
  /** What in this request and answer the vendor's description does not allow (none: []). */
  check(req: RecordedRequest, reply: Reply & { offContract?: boolean }): ContractViolation[];
}

const contractsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "contracts");

function errorsOf(validate: ValidateFunction): string[] {
  return (validate.errors ?? [])
    .slice(0, 5)
    .map(
      (e) => `${e.instancePath || "(body)"} ${e.message ?? e.keyword}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`,
    );
}

/** Whether a query or header value (always text on the wire) can be of the parameter's type. */
function parameterError(p: Parameter, value: string): string | undefined {
  const types = ([] as string[]).concat(p.schema.type ?? []);
  if (types.includes("integer") && !/^-?\d+$/.test(value))
    return `${p.name} must be an integer, got ${JSON.stringify(value)}`;
  if (types.includes("boolean") && value !== "true" && value !== "false")
    return `${p.name} must be true or false, got ${JSON.stringify(value)}`;
  if (p.schema.maxLength !== undefined && value.length > p.schema.maxLength)
    return `${p.name} is ${value.length} characters, at most ${p.schema.maxLength}`;
  return undefined;
}

export function loadContract(service: "zendesk" | "resend"): Contract {
  const file = JSON.parse(readFileSync(path.join(contractsDir, `${service}.json`), "utf8")) as ContractFile;
  // Unknown keywords and formats are errors; the specs' loose typing (an anyOf beside additionalProperties) is not.
  const ajv = new Ajv2020({ allErrors: true, strictSchema: true, strictTypes: false, allowUnionTypes: true });
  addFormats(ajv);
  const id = `${service}.json`;
  ajv.addSchema({ $id: id, $defs: file.$defs });
  const compile = (ref: string) => ajv.compile({ $ref: `${id}${ref}` });
  const operations: Operation[] = Object.entries(file.operations).map(([opId, op]) => ({
    id: opId,
    method: op.method,
    pattern: new RegExp(`^/t/[\\w-]+${op.path.replace(/\./g, "\\.").replace(/\{[^}]+\}/g, "[^/]+")}$`),
    parameters: op.parameters ?? [],
    request: op.request ? compile(op.request.$ref) : undefined,
    answers: new Map(Object.entries(op.answers).map(([status, s]) => [Number(status), compile(s.$ref)])),
  }));
  const find = (req: Pick<RecordedRequest, "method" | "path">) =>
    operations.find((o) => o.method === req.method && o.pattern.test(req.path));

  return {
    service,
    operationOf: (req) => find(req)?.id,
    check(req, reply) {
      const op = find(req);
      if (!op) return [];
      const violation = (direction: "request" | "answer", errors: string[]): ContractViolation => ({
        service,
        operation: op.id,
        direction,
        method: req.method,
        path: req.path,
        status: reply.status,
        errors,
      });
      const out: ContractViolation[] = [];
      const requestErrors: string[] = [];
      for (const p of op.parameters) {
        const value = p.in === "query" ? req.query[p.name] : req.headers[p.name.toLowerCase()];
        if (value === undefined) {
          if (p.required) requestErrors.push(`${p.in} parameter ${p.name} is required`);
          continue;
        }
        const error = parameterError(p, value);
        if (error) requestErrors.push(`${p.in} parameter ${error}`);
      }
      if (op.request) {
        if (typeof req.body === "string") requestErrors.push("the body is not JSON");
        else if (!op.request(req.body)) requestErrors.push(...errorsOf(op.request));
      }
      if (requestErrors.length > 0) out.push(violation("request", requestErrors));
      const answer = op.answers.get(reply.status);
      if (answer && !reply.offContract) {
        if (typeof reply.body !== "object" || reply.body === null)
          out.push(violation("answer", ["the body is not JSON"]));
        else if (!answer(reply.body)) out.push(violation("answer", errorsOf(answer)));
      }
      return out;
    },
  };
}
