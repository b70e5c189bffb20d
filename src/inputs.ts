// Reads and validates every input up front. Nothing here touches the network: a bad input fails
// with one line naming the input, the value and what is allowed, before any request is made.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CLOUDS, CLOUD_NAMES, type Cloud } from './signin/clouds.js';
import { Input } from './constants.js';
import { InputError } from './reporting/errors.js';
import { looksLocal, readLocalInput, type LocalTree } from './storage/local.js';
import { parseReleaseGate, RELEASE_GATE_INPUTS, type ReleaseGate } from './online/gate-inputs.js';

export type AuthType = 'oidc' | 'client-secret' | 'managed-identity' | 'azure-cli';
export type EndpointType = 'batch' | 'online';
export type CheckPermissions = 'true' | 'false' | 'warn' | 'only';
export type CommentOnPr = 'true' | 'false' | 'on-failure';

/** A batch job input as the scoring URI takes it. */
export type BatchInput =
  | { kind: 'uri'; type: 'uri_folder' | 'uri_file'; path: string }
  /** A data asset reference to resolve to its resource id; version 'latest' means the newest. */
  | { kind: 'asset'; type: 'uri_folder' | 'uri_file'; name: string; version: string }
  | { kind: 'literal'; type: 'string' | 'integer' | 'number' | 'boolean'; value: string }
  /** A file or folder of the workspace, to upload first. */
  | { kind: 'local'; type: 'uri_folder' | 'uri_file'; tree: LocalTree };

/** Job settings sent in the BatchJob body; each one left out keeps the deployment's own. */
export interface JobSettings {
  instanceCount?: number;
  miniBatchSize?: number;
  outputFileName?: string;
  /** -1: tolerate any number of failures. */
  errorThreshold?: number;
  maxRetries?: number;
  /** ISO 8601 duration, e.g. PT30S. */
  retryTimeout?: string;
  loggingLevel?: 'Info' | 'Warning' | 'Debug';
  maxConcurrencyPerInstance?: number;
}

/** A named output of a pipeline-component deployment: a datastore location. */
export interface BatchOutput {
  type: 'uri_folder' | 'uri_file';
  datastore: string;
  path: string;
}

export interface OnlineRequest {
  /** Where the body came from, for messages: 'request' or the file path. */
  source: string;
  /** One body per request: a single request, or one per line of a .jsonl file. */
  bodies: string[];
  /** The line of the file each body is on (1 for a single request), and how many lines the file has. */
  lines: number[];
  lineCount: number;
  jsonl: boolean;
}

export interface Inputs {
  clientId?: string;
  tenantId?: string;
  subscriptionId: string;
  authType: AuthType;
  clientSecret?: string;
  audience: string;
  cloud: Cloud;
  authorityHost: string;
  /** True when authority-host was given: the authority is not one of Microsoft's known hosts. */
  customAuthority: boolean;
  resourceManagerEndpoint: string;
  resourceGroup: string;
  workspace: string;
  endpointType: EndpointType;
  endpoint: string;
  deployment?: string;
  /** Batch: named inputs ('input' becomes the single input 'input_data'). */
  batchInputs: Record<string, BatchInput>;
  outputPath?: { datastore: string; path: string };
  /** Batch: named outputs (pipeline-component deployments). */
  batchOutputs: Record<string, BatchOutput>;
  /** Batch: datastore for uploads (default: the workspace's default datastore). */
  datastore?: string;
  /** Batch: absolute folder to download the outputs into. */
  downloadPath?: string;
  experimentName?: string;
  jobSettings: JobSettings;
  wait: boolean;
  timeoutMs: number;
  cancelOnTimeout: boolean;
  request?: OnlineRequest;
  /** Online: what the answers are held to (online/gate-inputs.ts). */
  gate?: ReleaseGate;
  contentType: string;
  concurrency: number;
  maxLatencyMs?: number;
  checkPermissions: CheckPermissions;
  /** How long to wait for an endpoint or deployment still being created, updated or scaled (0: not at all). */
  waitForReadyMs: number;
  /** Batch: when a job that has not started gets its one warning. */
  stuckAfterMs: number;
  commentOnPr: CommentOnPr;
  /** For the pull-request comment; masked when read. */
  githubToken?: string;
}

export interface InputSource {
  /** The raw input as the runner passes it ('' when not set). */
  get(name: string): string;
  env: Record<string, string | undefined>;
  readFile(path: string): string;
  /** Called with every secret the moment it is read. */
  setSecret(value: string): void;
}

const GUID_BODY = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const GUID = new RegExp(`^${GUID_BODY}$`, 'i');
// Tenant: a GUID or a verified domain such as contoso.onmicrosoft.com.
const TENANT = new RegExp(`^(?:${GUID_BODY}|[a-z0-9][a-z0-9-]*(?:\\.[a-z0-9-]+)+)$`, 'i');
// Azure naming rules (Microsoft Learn, "Naming rules and restrictions for Azure resources").
const RESOURCE_GROUP = /^[-\w.()]{1,90}$/u;
const WORKSPACE = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/;
// Endpoints and their deployments are named by the same rule.
const ENDPOINT_OR_DEPLOYMENT = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;
const EXPERIMENT = /^[a-zA-Z0-9][\w.-]{0,254}$/;
const INPUT_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,254}$/;
const DATASTORE_URI = /^azureml:\/\/datastores\/([a-zA-Z0-9_]+)\/paths\/(.+)$/;
const ASSET_REF = /^azureml:([a-zA-Z0-9][a-zA-Z0-9._-]{0,254})(?::([a-zA-Z0-9._-]{1,64})|@latest)$/;
const DATASTORE_NAME = /^[a-zA-Z0-9_]{1,255}$/;
const FILE_NAME = /^[^/\\:*?"<>|]{1,255}$/;
const MIME = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(?:\s*;.*)?$/i;

const AUTH_TYPES: AuthType[] = ['oidc', 'client-secret', 'managed-identity', 'azure-cli'];
const CHECK_VALUES: CheckPermissions[] = ['true', 'false', 'warn', 'only'];
const COMMENT_VALUES: CommentOnPr[] = ['false', 'true', 'on-failure'];
const URI_TYPES = ['uri_folder', 'uri_file'] as const;
const LITERAL_TYPES = ['string', 'integer', 'number', 'boolean'] as const;

export function bad(name: string, value: string, allowed: string): never {
  // One line, always: a parser's message may quote the text it read, newlines and all.
  throw new InputError(`Input '${name}' ${value === '' ? 'is required' : `is '${truncate(value)}'`}: ${allowed.replace(/\s+/g, ' ')}`);
}

function truncate(value: string): string {
  const oneLine = value.replace(/\s+/g, ' ');
  return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}

function oneOf<T extends string>(name: string, raw: string, allowed: readonly T[]): T {
  const hit = allowed.find((a) => a.toLowerCase() === raw.toLowerCase());
  if (!hit) bad(name, raw, `use one of ${allowed.map((a) => `'${a}'`).join(', ')}.`);
  return hit;
}

function matches(name: string, raw: string, pattern: RegExp, rule: string): string {
  if (!pattern.test(raw)) bad(name, raw, rule);
  return raw;
}

/** A deployment's name (deployment, compare-to). */
export function deploymentName(name: string, raw: string): string {
  return matches(
    name,
    raw,
    ENDPOINT_OR_DEPLOYMENT,
    'a deployment name has 3-32 letters, digits or hyphens, starts with a letter and does not end with a hyphen.',
  );
}

function boolean(name: string, raw: string): boolean {
  if (/^(true)$/i.test(raw)) return true;
  if (/^(false)$/i.test(raw)) return false;
  return bad(name, raw, "use 'true' or 'false'.");
}

function wholeNumber(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || n < min || n > max) bad(name, raw, `use a whole number from ${min} to ${max}.`);
  return n;
}

/** Seconds ('300') or an ISO 8601 duration ('PT5M'), as the ISO duration the BatchJob model takes. */
function duration(name: string, raw: string): string {
  if (/^\d+$/.test(raw) && Number(raw) > 0) return `PT${Number(raw)}S`;
  if (/^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/i.test(raw)) return raw.toUpperCase();
  return bad(name, raw, "use seconds (e.g. '300') or an ISO 8601 duration (e.g. 'PT5M').");
}

/** The batch job settings (each optional: the deployment's own applies). */
function parseJobSettings(get: (name: string) => string): JobSettings {
  const settings: JobSettings = {};
  const whole = (name: string, min: number, max = 2_147_483_647) => (get(name) ? wholeNumber(name, get(name), min, max) : undefined);
  settings.instanceCount = whole(Input.instanceCount, 1, 1000);
  settings.miniBatchSize = whole(Input.miniBatchSize, 1);
  settings.errorThreshold = whole(Input.errorThreshold, -1);
  settings.maxRetries = whole(Input.maxRetries, 0, 100);
  settings.maxConcurrencyPerInstance = whole(Input.maxConcurrencyPerInstance, 1, 1000);
  const file = get(Input.outputFileName);
  if (file) settings.outputFileName = matches(Input.outputFileName, file, FILE_NAME, "use a file name such as 'predictions.csv', without folders.");
  const timeout = get(Input.retryTimeout);
  if (timeout) settings.retryTimeout = duration(Input.retryTimeout, timeout);
  const level = get(Input.loggingLevel);
  if (level)
    settings.loggingLevel = ({ info: 'Info', warning: 'Warning', debug: 'Debug' } as const)[
      oneOf(Input.loggingLevel, level, ['info', 'warning', 'debug'] as const)
    ];
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
}

/** `outputs`: a YAML or JSON map of named outputs, each {type, path} on a datastore. */
export function parseNamedOutputs(raw: string, parseYaml: (text: string) => unknown): Record<string, BatchOutput> {
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
    if (!m) bad(`${where}.path`, typeof path === 'string' ? path : '', "use 'azureml://datastores/<datastore>/paths/<path>' on a blob datastore.");
    out[key] = { type: typeName as BatchOutput['type'], datastore: m[1], path: m[2] };
  }
  return out;
}

function positiveNumber(name: string, raw: string, opts: { integer?: boolean; max?: number } = {}): number {
  const n = Number(raw);
  const ok = raw.trim() !== '' && Number.isFinite(n) && n > 0 && (!opts.integer || Number.isInteger(n));
  if (!ok || (opts.max !== undefined && n > opts.max)) {
    bad(name, raw, `use a ${opts.integer ? 'whole ' : ''}number greater than 0${opts.max !== undefined ? ` and at most ${opts.max}` : ''}.`);
  }
  return n;
}

function nonNegativeNumber(name: string, raw: string, max: number): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > max) bad(name, raw, `use a number of minutes from 0 to ${max}.`);
  return n;
}

function httpsUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return bad(name, raw, 'use an https:// URL.');
  }
  if (url.protocol !== 'https:') bad(name, raw, 'use an https:// URL: tokens are never sent over plain http.');
  if (url.search || url.hash) bad(name, raw, 'use a URL without query or fragment.');
  return url.toString().replace(/\/+$/, '');
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

/** A YAML or JSON map of named entries (the `inputs` and `outputs` inputs), not empty, each name valid. */
function parseMap(name: string, raw: string, parseYaml: (text: string) => unknown, example: string, item: 'input' | 'output'): Record<string, unknown> {
  let doc: unknown;
  const text = raw.trim();
  try {
    doc = text.startsWith('{') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return bad(name, raw, `write a YAML or JSON map (${why}).`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || Object.keys(doc).length === 0) return bad(name, raw, example);
  for (const key of Object.keys(doc)) {
    if (!INPUT_NAME.test(key)) bad(name, key, `name each ${item} with letters, digits and underscores, starting with a letter or underscore.`);
  }
  return doc as Record<string, unknown>;
}

/** `inputs`: a YAML or JSON map of named inputs, each {type, path} or {type, value}. */
export function parseNamedInputs(raw: string, parseYaml: (text: string) => unknown, workspace: string): Record<string, BatchInput> {
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

/** The request body or bodies; JSON content is checked here so a typo never reaches the endpoint. */
export function parseRequest(source: InputSource, contentType: string): OnlineRequest | undefined {
  const inline = source.get(Input.request);
  const file = source.get(Input.requestFile).trim();
  if (inline && file) bad(Input.request, inline, `set either '${Input.request}' or '${Input.requestFile}', not both.`);
  const json = /^application\/([\w.+-]*\+)?json\b/i.test(contentType);
  if (inline) {
    if (json) checkJson(Input.request, inline);
    return { source: Input.request, bodies: [inline], lines: [1], lineCount: 1, jsonl: false };
  }
  if (!file) return undefined;
  const text = readInputFile(source, Input.requestFile, file);
  if (/\.jsonl$/i.test(file)) {
    const bodies: string[] = [];
    const lines: number[] = [];
    const all = text.split(/\r?\n/);
    all.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        JSON.parse(line);
      } catch (err) {
        bad(Input.requestFile, file, `line ${i + 1} is not valid JSON (${(err as Error).message}); a .jsonl file holds one JSON request per line.`);
      }
      bodies.push(line);
      lines.push(i + 1);
    });
    if (bodies.length === 0) bad(Input.requestFile, file, 'the .jsonl file holds no request; write one JSON request per line.');
    return { source: file, bodies, lines, lineCount: all.length - (all.at(-1) === '' ? 1 : 0), jsonl: true };
  }
  if (json) checkJson(Input.requestFile, text, file);
  return { source: file, bodies: [text], lines: [1], lineCount: 1, jsonl: false };
}

/** A file an input names (request-file, expected-file), read; one that cannot be is the input's error. */
export function readInputFile(source: InputSource, name: string, file: string): string {
  try {
    return source.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String(code ?? err);
    return bad(name, file, `cannot read it (${why}); give a path relative to the workspace checkout.`);
  }
}

function checkJson(name: string, text: string, shown = text): void {
  try {
    JSON.parse(text);
  } catch (err) {
    bad(name, shown, `it is not valid JSON (${(err as Error).message}); fix it or set 'content-type' to what it is.`);
  }
}

/** Every input of action.yml, parsed and checked; throws InputError on the first bad one. */
export function getInputs(source: InputSource, parseYaml: (text: string) => unknown): Inputs {
  const get = (name: string) => source.get(name).trim();

  // A secret is masked the moment it is read, before any check could echo it.
  const clientSecret = source.get(Input.clientSecret);
  if (clientSecret) source.setSecret(clientSecret);
  const githubToken = get(Input.githubToken);
  if (githubToken) source.setSecret(githubToken);

  const authType = oneOf(Input.authType, get(Input.authType) || 'oidc', AUTH_TYPES);
  const clientId = get(Input.clientId) || source.env.AZURE_CLIENT_ID?.trim() || undefined;
  const tenantId = get(Input.tenantId) || source.env.AZURE_TENANT_ID?.trim() || undefined;
  const subscriptionId = get(Input.subscriptionId) || source.env.AZURE_SUBSCRIPTION_ID?.trim() || '';

  if (clientId !== undefined) matches(Input.clientId, clientId, GUID, 'use the application (client) id, a GUID such as 00000000-0000-0000-0000-000000000000.');
  if (tenantId !== undefined) matches(Input.tenantId, tenantId, TENANT, 'use the directory (tenant) id, a GUID, or a domain such as contoso.onmicrosoft.com.');
  if (authType === 'oidc' || authType === 'client-secret') {
    if (!clientId)
      bad(
        Input.clientId,
        '',
        `auth-type '${authType}' needs the application (client) id; set '${Input.clientId}' or the AZURE_CLIENT_ID environment variable.`,
      );
    if (!tenantId)
      bad(Input.tenantId, '', `auth-type '${authType}' needs the directory (tenant) id; set '${Input.tenantId}' or the AZURE_TENANT_ID environment variable.`);
  }
  if (authType === 'client-secret' && !clientSecret) {
    bad(Input.clientSecret, '', "auth-type 'client-secret' needs it; pass it from a secret: client-secret: ${{ secrets.AZURE_CLIENT_SECRET }}.");
  }
  if (authType !== 'client-secret' && clientSecret) {
    throw new InputError(`Input '${Input.clientSecret}' is set but auth-type is '${authType}': remove it, or set auth-type: client-secret.`);
  }
  if (!subscriptionId) bad(Input.subscriptionId, '', 'set the subscription id of the workspace, or the AZURE_SUBSCRIPTION_ID environment variable.');
  matches(Input.subscriptionId, subscriptionId, GUID, 'use the subscription id, a GUID.');

  const audience = get(Input.audience) || 'api://AzureADTokenExchange';
  const cloud = CLOUDS[oneOf(Input.cloud, get(Input.cloud) || 'AzureCloud', CLOUD_NAMES)];
  const authorityOverride = get(Input.authorityHost);
  const authorityHost = authorityOverride ? httpsUrl(Input.authorityHost, authorityOverride) : cloud.authorityHost;
  const armOverride = get(Input.resourceManagerEndpoint);
  const resourceManagerEndpoint = armOverride ? httpsUrl(Input.resourceManagerEndpoint, armOverride) : cloud.resourceManager;

  const resourceGroup = get(Input.resourceGroup);
  if (!resourceGroup) bad(Input.resourceGroup, '', 'name the resource group of the workspace.');
  if (!RESOURCE_GROUP.test(resourceGroup) || resourceGroup.endsWith('.')) {
    bad(
      Input.resourceGroup,
      resourceGroup,
      'a resource group name has 1-90 letters, digits, underscores, hyphens, periods or parentheses and does not end with a period.',
    );
  }
  const workspace = get(Input.workspace);
  if (!workspace) bad(Input.workspace, '', 'name the Azure Machine Learning workspace.');
  matches(Input.workspace, workspace, WORKSPACE, 'a workspace name has 3-33 letters, digits, hyphens or underscores and starts with a letter or digit.');

  const endpointTypeRaw = get(Input.endpointType);
  if (!endpointTypeRaw) bad(Input.endpointType, '', "use 'batch' or 'online'.");
  const endpointType = oneOf(Input.endpointType, endpointTypeRaw, ['batch', 'online'] as const);
  const endpoint = get(Input.endpoint);
  if (!endpoint) bad(Input.endpoint, '', `name the ${endpointType} endpoint to invoke.`);
  matches(
    Input.endpoint,
    endpoint,
    ENDPOINT_OR_DEPLOYMENT,
    'an endpoint name has 3-32 letters, digits or hyphens, starts with a letter and does not end with a hyphen.',
  );
  const deploymentRaw = get(Input.deployment);
  const deployment = deploymentRaw ? deploymentName(Input.deployment, deploymentRaw) : undefined;

  const checkPermissions = oneOf(Input.checkPermissions, get(Input.checkPermissions) || 'true', CHECK_VALUES);
  const commentOnPr = oneOf(Input.commentOnPr, get(Input.commentOnPr) || 'false', COMMENT_VALUES);
  const wait = boolean(Input.wait, get(Input.wait) || 'true');
  const timeoutMinutes = positiveNumber(Input.timeoutMinutes, get(Input.timeoutMinutes) || '60', { max: 10080 });
  const cancelOnTimeout = boolean(Input.cancelOnTimeout, get(Input.cancelOnTimeout) || 'true');
  const contentType = get(Input.contentType) || 'application/json';
  matches(Input.contentType, contentType, MIME, "use a media type such as 'application/json' or 'text/csv'.");
  const concurrency = positiveNumber(Input.concurrency, get(Input.concurrency) || '4', { integer: true, max: 64 });
  // A hosted runner stops a job after 360 minutes.
  const waitForReady = nonNegativeNumber(Input.waitForReady, get(Input.waitForReady) || '0', 360);
  const stuckAfterMinutes = positiveNumber(Input.stuckAfterMinutes, get(Input.stuckAfterMinutes) || '10', { max: 10080 });
  const maxLatencyRaw = get(Input.maxLatencyMs);
  const maxLatencyMs = maxLatencyRaw ? positiveNumber(Input.maxLatencyMs, maxLatencyRaw) : undefined;

  // Inputs that belong to the other endpoint type are mistakes worth stopping for.
  const batchOnly = [
    Input.input,
    Input.inputs,
    Input.outputPath,
    Input.outputs,
    Input.datastore,
    Input.downloadPath,
    Input.experimentName,
    Input.instanceCount,
    Input.miniBatchSize,
    Input.outputFileName,
    Input.errorThreshold,
    Input.maxRetries,
    Input.retryTimeout,
    Input.loggingLevel,
    Input.maxConcurrencyPerInstance,
  ].filter((n) => get(n));
  const onlineOnly = [Input.request, Input.requestFile, Input.maxLatencyMs, ...RELEASE_GATE_INPUTS].filter((n) => get(n));
  if (endpointType === 'online' && batchOnly.length) {
    throw new InputError(
      `Input '${batchOnly[0]}' is for batch endpoints but endpoint-type is 'online': use '${Input.request}' or '${Input.requestFile}', or set endpoint-type: batch.`,
    );
  }
  if (endpointType === 'batch' && onlineOnly.length) {
    throw new InputError(
      `Input '${onlineOnly[0]}' is for online endpoints but endpoint-type is 'batch': use '${Input.input}' or '${Input.inputs}', or set endpoint-type: online.`,
    );
  }

  // Local paths are relative to the checkout, as every path of a workflow step is.
  const workspaceDir = source.env.GITHUB_WORKSPACE || process.cwd();
  let batchInputs: Record<string, BatchInput> = {};
  let outputPath: Inputs['outputPath'];
  let batchOutputs: Record<string, BatchOutput> = {};
  let jobSettings: JobSettings = {};
  let datastore: string | undefined;
  let downloadPath: string | undefined;
  let experimentName: string | undefined;
  let request: OnlineRequest | undefined;
  let gate: ReleaseGate | undefined;
  if (endpointType === 'batch') {
    const single = get(Input.input);
    const named = get(Input.inputs);
    if (single && named) bad(Input.input, single, `set either '${Input.input}' or '${Input.inputs}', not both.`);
    const inputType = oneOf(Input.inputType, get(Input.inputType) || 'uri_folder', URI_TYPES);
    if (single) batchInputs = { input_data: parseBatchInput(Input.input, single, inputType, workspaceDir) };
    else if (named) batchInputs = parseNamedInputs(named, parseYaml, workspaceDir);
    else if (checkPermissions !== 'only') {
      bad(Input.input, '', `a batch job needs data: set '${Input.input}' (a URL, datastore path or data asset) or '${Input.inputs}'.`);
    }
    const out = get(Input.outputPath);
    if (out) {
      const m = DATASTORE_URI.exec(out);
      if (!m) bad(Input.outputPath, out, "use 'azureml://datastores/<datastore>/paths/<path>' on a blob datastore.");
      outputPath = { datastore: m[1], path: m[2] };
    }
    const namedOutputs = get(Input.outputs);
    if (namedOutputs) batchOutputs = parseNamedOutputs(namedOutputs, parseYaml);
    if (outputPath && batchOutputs.score) {
      bad(Input.outputs, namedOutputs, `'score' is the output 'output-path' sets; set it in one place.`);
    }
    jobSettings = parseJobSettings(get);
    const ds = get(Input.datastore);
    if (ds) datastore = matches(Input.datastore, ds, DATASTORE_NAME, 'a datastore name has letters, digits and underscores.');
    const dl = get(Input.downloadPath);
    if (dl) {
      downloadPath = resolve(workspaceDir, dl);
      if (existsSync(downloadPath) && !statSync(downloadPath).isDirectory()) bad(Input.downloadPath, dl, `${downloadPath} is a file; name a folder.`);
      if (!wait) bad(Input.downloadPath, dl, "there is nothing to download with 'wait: false'; remove one of them.");
    }
    const exp = get(Input.experimentName);
    if (exp)
      experimentName = matches(
        Input.experimentName,
        exp,
        EXPERIMENT,
        'an experiment name has up to 255 letters, digits, underscores, hyphens or periods and starts with a letter or digit.',
      );
  } else {
    request = parseRequest(source, contentType);
    if (!request && checkPermissions !== 'only') {
      bad(
        Input.request,
        '',
        `an online invoke needs a body: set '${Input.request}' (inline) or '${Input.requestFile}' (a file; .jsonl sends one request per line).`,
      );
    }
    gate = parseReleaseGate(source, { request, deployment, maxLatencyMs, workspaceDir });
  }

  return {
    clientId,
    tenantId,
    subscriptionId,
    authType,
    clientSecret: clientSecret || undefined,
    audience,
    cloud,
    authorityHost,
    customAuthority: Boolean(authorityOverride),
    resourceManagerEndpoint,
    resourceGroup,
    workspace,
    endpointType,
    endpoint,
    deployment,
    batchInputs,
    outputPath,
    batchOutputs,
    datastore,
    downloadPath,
    experimentName,
    jobSettings,
    wait,
    timeoutMs: Math.round(timeoutMinutes * 60_000),
    cancelOnTimeout,
    request,
    gate,
    contentType,
    concurrency,
    maxLatencyMs,
    checkPermissions,
    waitForReadyMs: Math.round(waitForReady * 60_000),
    stuckAfterMs: Math.round(stuckAfterMinutes * 60_000),
    commentOnPr,
    githubToken: githubToken || undefined,
  };
}
