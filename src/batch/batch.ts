// Creating the batch scoring job: exactly one per run. The POST is never repeated blindly; after a
// lost answer or a 5xx the run first looks for the job it may have created (by its invocation tag,
// then by creator and time) and adopts it, and posts again only when there is none.
import { randomUUID } from 'node:crypto';
import type { Arm } from '../azure/arm.js';
import { armCall, ArmError } from '../azure/arm.js';
import { parseErrorBody } from '../azure/azure-errors.js';
import { JobTag } from '../constants.js';
import type { Endpoint } from '../azure/endpoints.js';
import { ActionError, describeThrown } from '../reporting/errors.js';
import { send, type Http, type Log } from '../azure/http.js';
import type { Inputs } from '../inputs.js';
import type { JobSettings } from './inputs.js';
import { describeTransient, isTransientErrorCode, isTransientStatus, parseRetryAfter, retryDelayMs } from '../azure/retry.js';
import type { Clock } from '../clock.js';
import { toState } from './jobs.js';
import type { Principal } from '../permissions/permissions.js';
import type { RunContext } from '../github/context.js';

/** POST attempts at most; each after the first only when no job of this run was found. */
export const MAX_CREATE_ATTEMPTS = 4;
/** How far before the POST a job found by creator and time may have been created (clock skew). */
const CREATED_SKEW_MS = 60_000;
/** Jobs looked at, at most, when searching by creator and time. */
const SEARCH_LIMIT = 200;

export interface Invocation {
  invocationId: string;
  repeatabilityId: string;
  tags: Record<string, string>;
}

/** A fresh invocation, tagged with the workflow run it belongs to (what the run context knows of it). */
export function newInvocation(run: Pick<RunContext, 'repository' | 'runId' | 'runAttempt'>): Invocation {
  const tags: Record<string, string> = { [JobTag.invocationId]: randomUUID() };
  if (run.repository) tags[JobTag.repository] = run.repository;
  if (run.runId) tags[JobTag.runId] = String(run.runId);
  if (run.runAttempt) tags[JobTag.runAttempt] = String(run.runAttempt);
  return { invocationId: tags[JobTag.invocationId], repeatabilityId: randomUUID(), tags };
}

const INPUT_TYPES = { uri_folder: 'UriFolder', uri_file: 'UriFile' } as const;

/** A resolved input: data assets already turned into their resource ids. */
export type ResolvedInput = { uri: string; type: 'uri_folder' | 'uri_file' } | { literal: string };

/** The job body, camelCase as azure-ai-ml sends it (see protocol.md). */
export function buildJobBody(
  inputs: Record<string, ResolvedInput>,
  p: {
    outputPath?: Inputs['outputPath'];
    outputs?: Inputs['batchOutputs'];
    settings?: JobSettings;
    experimentName?: string;
    tags: Record<string, string>;
  },
): Record<string, unknown> {
  const inputData: Record<string, unknown> = {};
  for (const [name, input] of Object.entries(inputs)) {
    inputData[name] = 'literal' in input ? { jobInputType: 'Literal', value: input.literal } : { jobInputType: INPUT_TYPES[input.type], uri: input.uri };
  }
  const properties: Record<string, unknown> = { inputData, ...settingsOnTheWire(p.settings ?? {}), tags: p.tags };
  const outputData: Record<string, unknown> = {};
  if (p.outputPath) {
    // The default output is named 'score' (Microsoft Learn's REST example; protocol.md). With a
    // file name it is that file in the folder; a path that names a file is the file itself.
    const uri = `azureml://datastores/${p.outputPath.datastore}/paths/${p.outputPath.path}`;
    const file = p.settings?.outputFileName;
    const isFile = !file && /\.[a-z0-9]{1,8}$/i.test(p.outputPath.path);
    outputData.score = file
      ? { jobOutputType: 'UriFile', uri: `${uri.replace(/\/+$/, '')}/${file}` }
      : { jobOutputType: isFile ? 'UriFile' : 'UriFolder', uri };
  }
  for (const [name, o] of Object.entries(p.outputs ?? {})) {
    outputData[name] = { jobOutputType: INPUT_TYPES[o.type], uri: `azureml://datastores/${o.datastore}/paths/${o.path}` };
  }
  if (Object.keys(outputData).length) properties.outputData = outputData;
  if (p.experimentName) properties.properties = { experimentName: p.experimentName };
  return { properties };
}

/** Job settings under the wire names of the data-plane BatchJob model (azure-ai-ml v2020_09_01_dataplanepreview). */
export function settingsOnTheWire(s: JobSettings): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  if (s.instanceCount !== undefined) wire.compute = { instanceCount: s.instanceCount };
  if (s.miniBatchSize !== undefined) wire.miniBatchSize = s.miniBatchSize;
  if (s.outputFileName !== undefined) wire.outputFileName = s.outputFileName;
  if (s.errorThreshold !== undefined) wire.errorThreshold = s.errorThreshold;
  if (s.maxRetries !== undefined || s.retryTimeout !== undefined) {
    wire.retrySettings = { ...(s.maxRetries !== undefined ? { maxRetries: s.maxRetries } : {}), ...(s.retryTimeout ? { timeout: s.retryTimeout } : {}) };
  }
  if (s.loggingLevel !== undefined) wire.loggingLevel = s.loggingLevel;
  if (s.maxConcurrencyPerInstance !== undefined) wire.maxConcurrencyPerInstance = s.maxConcurrencyPerInstance;
  return wire;
}

/** Data asset references become resource ids ('@latest' is looked up); local inputs their upload's URI. */
export async function resolveInputs(
  arm: Arm,
  inputs: Inputs,
  workspaceScope: string,
  uploaded: Record<string, string> = {},
): Promise<Record<string, ResolvedInput>> {
  const out: Record<string, ResolvedInput> = {};
  for (const [name, input] of Object.entries(inputs.batchInputs)) {
    if (input.kind === 'literal') out[name] = { literal: input.value };
    else if (input.kind === 'uri') out[name] = { uri: input.path, type: input.type };
    else if (input.kind === 'local') out[name] = { uri: uploaded[name], type: input.type };
    else {
      let version = input.version;
      const asset = `azureml:${input.name}${version === 'latest' ? '@latest' : `:${version}`}`;
      try {
        if (version === 'latest') {
          const container = await armCall(`read data asset '${input.name}'`, () =>
            arm.ml.dataContainers.get(inputs.resourceGroup, inputs.workspace, input.name),
          );
          version = container.properties.latestVersion ?? '';
          if (!version) throw new ActionError('not-found', `Check 'input': data asset '${input.name}' has no versions yet.`);
        } else {
          await armCall(`read data asset ${asset}`, () => arm.ml.dataVersions.get(inputs.resourceGroup, inputs.workspace, input.name, version));
        }
      } catch (err) {
        if (err instanceof ArmError && err.failure.status === 404) {
          throw new ActionError('not-found', `Check 'input': data asset ${asset} does not exist in workspace '${inputs.workspace}'.`);
        }
        throw err;
      }
      out[name] = { uri: `${workspaceScope}/data/${input.name}/versions/${version}`, type: input.type };
    }
  }
  return out;
}

interface CreatedJob {
  name: string;
  status: string;
  studioUrl?: string;
}

function parseCreated(text: string | undefined): CreatedJob | undefined {
  try {
    const job = JSON.parse(text ?? '') as { name?: string; properties?: { status?: string; interactionEndpoints?: { Studio?: { endpoint?: string } } } };
    if (!job.name) return undefined;
    return { name: job.name, status: job.properties?.status ?? 'NotStarted', studioUrl: job.properties?.interactionEndpoints?.Studio?.endpoint };
  } catch {
    return undefined;
  }
}

export interface CreateDeps {
  arm: Arm;
  http: Http;
  log: Log;
  clock: Clock;
  mlToken(): Promise<string>;
  principal: Principal;
  /** The 401/403 diagnosis for a data-plane refusal. */
  refused(status: number, body: string): ActionError;
  /** Why the scoring URI gives no answer, when that is known (a private endpoint): stops the retries. */
  unreachable?(code: string | undefined): Promise<ActionError | undefined>;
}

export interface CreateRequest {
  inputs: Inputs;
  endpoint: Endpoint;
  deployment: string | undefined;
  body: Record<string, unknown>;
  invocation: Invocation;
}

/** Creates the job; returns it, whether this run's POST answered or it was found afterwards. */
export async function createJob(d: CreateDeps, r: CreateRequest): Promise<CreatedJob> {
  const started = d.clock.now();
  const body = JSON.stringify(r.body);
  for (let attempt = 1; ; attempt++) {
    let uncertain: string;
    let retryAfter: number | undefined;
    let noAnswer: string | undefined;
    try {
      const headers: Record<string, string> = {
        authorization: `Bearer ${await d.mlToken()}`,
        'content-type': 'application/json',
        'repeatability_request-id': r.invocation.repeatabilityId,
      };
      if (r.deployment) headers['azureml-model-deployment'] = r.deployment;
      const res = await send(d.http, d.http.once, { url: r.endpoint.scoringUri, method: 'POST', body, headers, timeout: 120_000 });
      if (res.status >= 200 && res.status < 300) {
        const job = parseCreated(res.bodyAsText ?? undefined);
        if (job) return job;
        uncertain = `an unreadable answer (HTTP ${res.status})`;
      } else if (isTransientStatus(res.status)) {
        uncertain = describeTransient(res.status, undefined);
        retryAfter = parseRetryAfter(res.headers.get('retry-after'), Date.now());
      } else {
        throw refusal(d, res.status, res.bodyAsText ?? '', r);
      }
    } catch (err) {
      if (err instanceof ActionError) throw err;
      const code = (err as { code?: string }).code;
      if (!isTransientErrorCode(code) && code !== undefined) {
        throw (await d.unreachable?.(code)) ?? new ActionError('azure', `Could not reach the batch endpoint: ${describeThrown(err)}`);
      }
      uncertain = describeTransient(undefined, code ?? 'ECONNRESET');
      noAnswer = code ?? 'ECONNRESET';
    }

    // The service may have created the job even though this run never heard back.
    d.log.info(`Creating the job got ${uncertain}; looking for a job this run created before trying again.`);
    const found = await findOwnJob(d, r, started);
    if (found.length === 1) {
      d.log.info(`Found job ${found[0].name}, created by this run: following it.`);
      return found[0];
    }
    if (found.length > 1) {
      throw new ActionError(
        'azure',
        `Cancel the extra jobs in the studio: ${found.length} jobs may have been created by this run (${found.map((j) => j.name).join(', ')}).`,
        [`They carry the tag ${JobTag.invocationId}=${r.invocation.invocationId} or were created by this identity moments ago.`],
      );
    }
    if (attempt >= MAX_CREATE_ATTEMPTS) {
      const known = noAnswer ? await d.unreachable?.(noAnswer) : undefined;
      if (known) throw known;
      throw new ActionError(
        'azure',
        `Re-run the job: the batch endpoint did not accept the job after ${attempt} attempts (last: ${uncertain}), and no job of this run exists.`,
      );
    }
    const delay = retryDelayMs(attempt - 1, retryAfter, Math.random);
    d.log.info(`No job of this run exists; posting again (attempt ${attempt + 1} of ${MAX_CREATE_ATTEMPTS}) in ${(delay / 1000).toFixed(1)} s.`);
    await d.clock.sleep(delay);
  }
}

function refusal(d: CreateDeps, status: number, text: string, r: CreateRequest): ActionError {
  if (status === 401 || status === 403) return d.refused(status, text);
  const said = parseErrorBody(text).message ?? `HTTP ${status}`;
  if (status === 404) {
    return new ActionError(
      'not-found',
      `Check 'deployment': batch endpoint '${r.endpoint.name}' answered 404 to the job${r.deployment ? ` for deployment '${r.deployment}'` : ''}: ${said}`,
    );
  }
  if (status === 400 || status === 422) return new ActionError('azure', `Fix the job's inputs: batch endpoint '${r.endpoint.name}' rejected the job: ${said}`);
  return new ActionError('azure', `Batch endpoint '${r.endpoint.name}' refused the job (HTTP ${status}): ${said}`);
}

/**
 * Jobs this run may have created: first those tagged with its invocation id; when the service kept
 * no tags, jobs of this endpoint created by this identity since just before the first POST.
 */
export async function findOwnJob(d: Pick<CreateDeps, 'arm' | 'principal'>, r: CreateRequest, startedMs: number): Promise<CreatedJob[]> {
  const { resourceGroup: rg, workspace: ws } = r.inputs;
  try {
    const tagged: CreatedJob[] = [];
    for await (const j of d.arm.ml.jobs.list(rg, ws, { tag: JobTag.invocationId, listViewType: 'All' })) {
      // A job without a name (optional in the spec) cannot be followed.
      if (j.name && j.properties.tags?.[JobTag.invocationId] === r.invocation.invocationId) tagged.push(toState(j.name, j));
    }
    if (tagged.length) return tagged;

    const me = new Set([d.principal.clientId, d.principal.objectId].filter((x): x is string => Boolean(x)).map((x) => x.toLowerCase()));
    const since = startedMs - CREATED_SKEW_MS;
    const experiment = (r.inputs.experimentName ?? r.endpoint.name).toLowerCase();
    const deployment = (r.deployment ?? r.endpoint.defaultDeployment)?.toLowerCase();
    const candidates: CreatedJob[] = [];
    let seen = 0;
    for await (const j of d.arm.ml.jobs.list(rg, ws, { jobType: 'Pipeline', listViewType: 'All' })) {
      if (++seen > SEARCH_LIMIT) break;
      const p = j.properties;
      const createdAt = j.systemData?.createdAt?.getTime() ?? 0;
      const createdBy = (j.systemData?.createdBy ?? '').toLowerCase();
      const otherInvocation = p.tags?.[JobTag.invocationId] !== undefined;
      const sameDeployment = !deployment || !p.tags?.['azureml.deploymentname'] || p.tags['azureml.deploymentname'].toLowerCase() === deployment;
      const sameExperiment =
        !p.experimentName || p.experimentName.toLowerCase() === experiment || p.experimentName.toLowerCase() === r.endpoint.name.toLowerCase();
      if (j.name && createdAt >= since && me.has(createdBy) && !otherInvocation && sameDeployment && sameExperiment) candidates.push(toState(j.name, j));
    }
    return candidates;
  } catch (err) {
    const why = err instanceof ArmError ? err.failure.message : describeThrown(err);
    throw new ActionError('azure', `Check the studio before re-running: this run could not tell whether its job was created (looking for it failed: ${why}).`, [
      `A job of this run carries the tag ${JobTag.invocationId}=${r.invocation.invocationId}.`,
    ]);
  }
}
