// Checks the emulator's GitHub REST answers against GitHub's own OpenAPI description
// (@octokit/openapi, generated/api.github.com.json, read by path: the package's root module loads
// all ten descriptions, ~470 MB). The description is OpenAPI 3.0 (`nullable`, `$ref` into
// components), which Ajv validates once the references point at the components it was given.
//
// Rule for a status the operation does not list (e.g. 403 on issues/list-comments, 401 anywhere):
// GitHub answers every such error with its generic error object, so the body must validate
// against components.schemas.basic-error, the schema the description itself gives 401/403/404.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { GithubReply } from '../src/types.js';

interface Operation {
  operationId: string;
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }>; headers?: Record<string, unknown> }>;
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: { responses: Record<string, { content?: Record<string, { schema: unknown }> }> } & Record<string, unknown>;
}

const SPEC_FILE = fileURLToPath(new URL('../../node_modules/@octokit/openapi/generated/api.github.com.json', import.meta.url));

let loaded: { spec: Spec; ajv: Ajv; compiled: Map<string, ValidateFunction> } | undefined;

function load() {
  if (loaded) return loaded;
  const spec = JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as Spec;
  // strict: false for `example` and the x-* extensions; the 13 MB of components are not meta-validated.
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats.default(ajv);
  ajv.addSchema({ $id: 'github', components: spec.components });
  loaded = { spec, ajv, compiled: new Map() };
  return loaded;
}

function operation(spec: Spec, operationId: string): Operation {
  for (const methods of Object.values(spec.paths)) {
    for (const op of Object.values(methods)) if (op.operationId === operationId) return op;
  }
  throw new Error(`no operation ${operationId} in GitHub's OpenAPI description`);
}

/** The JSON schema of an answer: the one the operation gives for the status, else basic-error (see above). */
export function replySchema(operationId: string, status: number): { schema: unknown; listed: boolean } {
  const { spec } = load();
  let response = operation(spec, operationId).responses[String(status)];
  if (response?.$ref) response = spec.components.responses[response.$ref.split('/').pop()!];
  const schema = response?.content?.['application/json']?.schema;
  return schema ? { schema, listed: true } : { schema: { $ref: '#/components/schemas/basic-error' }, listed: false };
}

/** What is wrong with one answer ([] when nothing is). */
export function replyErrors(reply: GithubReply): string[] {
  const { ajv, compiled } = load();
  const key = `${reply.operation} ${reply.status}`;
  let validate = compiled.get(key);
  if (!validate) {
    const { schema } = replySchema(reply.operation, reply.status);
    validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"github#/components/')) as object);
    compiled.set(key, validate);
  }
  const errors = validate(reply.body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message ?? ''}`);
  // The Link header, when sent, is the list the description's example shows: <url>; rel="…", …
  const link = reply.headers.link;
  if (link !== undefined && !/^<https?:\/\/[^<>]+>; rel="(next|last|prev|first)"(, <https?:\/\/[^<>]+>; rel="(next|last|prev|first)")*$/.test(link)) {
    errors.push(`Link header '${link}' is not a list of <url>; rel="…"`);
  }
  if (reply.status === 201 && !reply.headers.location) errors.push('201 without Location');
  return errors.map((e) => `${reply.method} ${reply.url} → ${reply.status}: ${e}`);
}
