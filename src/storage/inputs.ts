// The data inputs of a batch job: what it reads (a path of the workspace, a URL, a datastore path or a
// data asset; one input or a map of them), where it writes, the datastore local inputs are uploaded
// to and the folder its outputs are downloaded into.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Input } from '../constants.js';
import { bad, matches, oneOf, optional, parseMap, text, type InputGroup, type Read } from '../input-parsing.js';
import { looksLocal, readLocalInput, type LocalTree } from './local.js';

/** A batch job input as the scoring URI takes it. */
export type BatchInput =
  | { kind: 'uri'; type: 'uri_folder' | 'uri_file'; path: string }
  /** A data asset reference to resolve to its resource id; version 'latest' means the newest. */
  | { kind: 'asset'; type: 'uri_folder' | 'uri_file'; name: string; version: string }
  | { kind: 'literal'; type: 'string' | 'integer' | 'number' | 'boolean'; value: string }
  /** A file or folder of the workspace, to upload first. */
  | { kind: 'local'; type: 'uri_folder' | 'uri_file'; tree: LocalTree };

/** A named output of a pipeline-component deployment: a datastore location. */
export interface BatchOutput {
  type: 'uri_folder' | 'uri_file';
  datastore: string;
  path: string;
}

export interface DataInputs {
  /** Batch: named inputs ('input' becomes the single input 'input_data'). */
  batchInputs: Record<string, BatchInput>;
  outputPath?: { datastore: string; path: string };
  /** Batch: named outputs (pipeline-component deployments). */
  batchOutputs: Record<string, BatchOutput>;
  /** Batch: datastore for uploads (default: the workspace's default datastore). */
  datastore?: string;
  /** Batch: absolute folder to download the outputs into. */
  downloadPath?: string;
}

/** What the data inputs depend on. */
export interface DataContext {
  parseYaml: (text: string) => unknown;
  /** The checkout, which local paths are relative to. */
  workspaceDir: string;
  /** False with check-permissions: only, which invokes nothing. */
  needsData: boolean;
  wait: boolean;
}

const DATASTORE_URI = /^azureml:\/\/datastores\/([a-zA-Z0-9_]+)\/paths\/(.+)$/;
const ASSET_REF = /^azureml:([a-zA-Z0-9][a-zA-Z0-9._-]{0,254})(?::([a-zA-Z0-9._-]{1,64})|@latest)$/;
const DATASTORE_NAME = /^[a-zA-Z0-9_]{1,255}$/;
const URI_TYPES = ['uri_folder', 'uri_file'] as const;
const LITERAL_TYPES = ['string', 'integer', 'number', 'boolean'] as const;
const ON_A_DATASTORE = "use 'azureml://datastores/<datastore>/paths/<path>' on a blob datastore.";

export const DATA_INPUTS = {
  concern: 'storage',
  onlyFor: 'batch',
  inputs: {
    input: {
      name: Input.input,
      description:
        "Batch: the job's input: a file or folder of the workspace (uploaded first), an https:// URL, azureml://datastores/<ds>/paths/<path>, or a data asset azureml:<name>:<version> / azureml:<name>@latest.",
      parse: text,
    },
    inputType: {
      name: Input.inputType,
      default: 'uri_folder',
      description: 'Batch: uri_folder or uri_file, the type of input.',
      parse: (name, raw) => oneOf(name, raw, URI_TYPES),
    },
    inputs: {
      name: Input.inputs,
      description:
        'Batch: YAML or JSON map of named inputs (pipeline-component deployments), each {type, path} (a path may be local, as for input) or a literal {type: string|integer|number|boolean, value}. Not with input.',
      parse: text,
    },
    outputPath: {
      name: Input.outputPath,
      description: "Batch: azureml://datastores/<ds>/paths/<path> for the job's default output. Defaults to the deployment's.",
      parse: optional((name, raw) => {
        const m = DATASTORE_URI.exec(raw);
        if (!m) bad(name, raw, ON_A_DATASTORE);
        return { datastore: m[1], path: m[2] };
      }),
    },
    outputs: {
      name: Input.outputs,
      description:
        'Batch: YAML or JSON map of named outputs (pipeline-component deployments), each {type: uri_folder|uri_file, path: azureml://datastores/<ds>/paths/<path>}.',
      parse: text,
    },
    datastore: {
      name: Input.datastore,
      description: "Batch: datastore local inputs are uploaded to (under LocalUpload/<content hash>/). Defaults to the workspace's default datastore.",
      parse: optional((name, raw) => matches(name, raw, DATASTORE_NAME, 'a datastore name has letters, digits and underscores.')),
    },
    downloadPath: {
      name: Input.downloadPath,
      description:
        "Batch: folder (relative to the workspace) to download the job's output into when it completes: the predictions file, or each named output into <download-path>/<name>/.",
      parse: text,
    },
  },
} satisfies InputGroup;

const rows = DATA_INPUTS.inputs;

/** What the job reads and writes: its inputs, then its outputs. */
export function parseJobData(read: Read, ctx: DataContext): Pick<DataInputs, 'batchInputs' | 'outputPath' | 'batchOutputs'> {
  const single = read(rows.input);
  const named = read(rows.inputs);
  if (single && named) bad(Input.input, single, `set either '${Input.input}' or '${Input.inputs}', not both.`);
  const inputType = read(rows.inputType);
  let batchInputs: Record<string, BatchInput> = {};
  if (single) batchInputs = { input_data: parseBatchInput(Input.input, single, inputType, ctx.workspaceDir) };
  else if (named) batchInputs = parseNamedInputs(named, ctx.parseYaml, ctx.workspaceDir);
  else if (ctx.needsData) {
    bad(Input.input, '', `a batch job needs data: set '${Input.input}' (a URL, datastore path or data asset) or '${Input.inputs}'.`);
  }
  const outputPath = read(rows.outputPath);
  const namedOutputs = read(rows.outputs);
  const batchOutputs = namedOutputs ? parseNamedOutputs(namedOutputs, ctx.parseYaml) : {};
  if (outputPath && batchOutputs.score) {
    bad(Input.outputs, namedOutputs, `'score' is the output 'output-path' sets; set it in one place.`);
  }
  return { batchInputs, outputPath, batchOutputs };
}

/** Where local inputs go up to, and where the outputs come down to. */
export function parseDataPlaces(read: Read, ctx: DataContext): Pick<DataInputs, 'datastore' | 'downloadPath'> {
  const datastore = read(rows.datastore);
  const dl = read(rows.downloadPath);
  if (!dl) return { datastore, downloadPath: undefined };
  const downloadPath = resolve(ctx.workspaceDir, dl);
  if (existsSync(downloadPath) && !statSync(downloadPath).isDirectory()) bad(Input.downloadPath, dl, `${downloadPath} is a file; name a folder.`);
  if (!ctx.wait) bad(Input.downloadPath, dl, "there is nothing to download with 'wait: false'; remove one of them.");
  return { datastore, downloadPath };
}

/** `input`: one batch input, typed by `input-type`; a path of the workspace is checked and listed. */
export function parseBatchInput(name: string, raw: string, type: 'uri_folder' | 'uri_file', workspace: string): BatchInput {
  const value = raw.trim();
  if (/^https:\/\/\S+$/i.test(value)) return { kind: 'uri', type, path: value };
  if (DATASTORE_URI.test(value)) return { kind: 'uri', type, path: value };
  const asset = ASSET_REF.exec(value);
  if (asset) return { kind: 'asset', type, name: asset[1], version: asset[2] ?? 'latest' };
  if (/^azureml:/i.test(value) && !value.startsWith('azureml://')) {
    bad(name, raw, "name a data asset as 'azureml:<name>:<version>' or 'azureml:<name>@latest'.");
  }
  if (/^http:\/\//i.test(value)) bad(name, raw, 'use https://, not http://.');
  if (looksLocal(value)) return { kind: 'local', type, tree: readLocalInput(name, value, type, workspace) };
  return bad(
    name,
    raw,
    "use a path in the workspace, an https:// URL, 'azureml://datastores/<datastore>/paths/<path>', or a data asset 'azureml:<name>:<version>' / 'azureml:<name>@latest'.",
  );
}

/** `inputs`: a YAML or JSON map of named inputs, each {type, path} or {type, value}. */
function parseNamedInputs(raw: string, parseYaml: (text: string) => unknown, workspace: string): Record<string, BatchInput> {
  const doc = parseMap(
    Input.inputs,
    raw,
    parseYaml,
    'write a map of named inputs, e.g. "data: {type: uri_folder, path: azureml://datastores/<ds>/paths/<p>}".',
    'input',
  );
  const out: Record<string, BatchInput> = {};
  for (const [key, spec] of Object.entries(doc)) {
    const where = `${Input.inputs}.${key}`;
    if (!spec || typeof spec !== 'object' || Array.isArray(spec)) {
      bad(where, String(spec), 'give {type, path} for data or {type, value} for a literal.');
    }
    const { type, path, value } = spec as Record<string, unknown>;
    const typeName = typeof type === 'string' ? type : type === undefined || type === null ? '' : JSON.stringify(type);
    if ((URI_TYPES as readonly string[]).includes(typeName)) {
      if (typeof path !== 'string' || path === '') bad(`${where}.path`, '', `a ${typeName} input needs a path.`);
      out[key] = parseBatchInput(`${where}.path`, path, typeName as 'uri_folder' | 'uri_file', workspace);
    } else if ((LITERAL_TYPES as readonly string[]).includes(typeName)) {
      if (value === undefined || value === null || typeof value === 'object') {
        bad(`${where}.value`, '', `a ${typeName} literal needs a value.`);
      }
      out[key] = { kind: 'literal', type: typeName as BatchInput['type'] & (typeof LITERAL_TYPES)[number], value: literal(where, typeName, value) };
    } else {
      bad(`${where}.type`, typeName, `use one of ${[...URI_TYPES, ...LITERAL_TYPES].map((t) => `'${t}'`).join(', ')}.`);
    }
  }
  return out;
}

function literal(where: string, type: string, value: unknown): string {
  const text = String(value);
  if (type === 'integer' && !/^-?\d+$/.test(text)) bad(`${where}.value`, text, 'an integer literal needs a whole number.');
  if (type === 'number' && !Number.isFinite(Number(text))) bad(`${where}.value`, text, 'a number literal needs a number.');
  if (type === 'boolean' && !/^(true|false)$/i.test(text)) bad(`${where}.value`, text, "a boolean literal needs 'true' or 'false'.");
  return text;
}

/** `outputs`: a YAML or JSON map of named outputs, each {type, path} on a datastore. */
function parseNamedOutputs(raw: string, parseYaml: (text: string) => unknown): Record<string, BatchOutput> {
  const doc = parseMap(
    Input.outputs,
    raw,
    parseYaml,
    'write a map of named outputs, e.g. "scores: {type: uri_folder, path: azureml://datastores/<ds>/paths/<p>}".',
    'output',
  );
  const out: Record<string, BatchOutput> = {};
  for (const [key, spec] of Object.entries(doc)) {
    const where = `${Input.outputs}.${key}`;
    if (!spec || typeof spec !== 'object' || Array.isArray(spec)) bad(where, String(spec), 'give {type, path}.');
    const { type, path } = spec as Record<string, unknown>;
    const typeName = typeof type === 'string' ? type : '';
    if (!(URI_TYPES as readonly string[]).includes(typeName)) bad(`${where}.type`, typeName, `use one of ${URI_TYPES.map((t) => `'${t}'`).join(', ')}.`);
    const m = DATASTORE_URI.exec(typeof path === 'string' ? path.trim() : '');
    if (!m) bad(`${where}.path`, typeof path === 'string' ? path : '', ON_A_DATASTORE);
    out[key] = { type: typeName as BatchOutput['type'], datastore: m[1], path: m[2] };
  }
  return out;
}
