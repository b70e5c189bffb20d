// Run history beyond a job's own details: its child runs (the batchscoring step, as azure-ai-ml finds
// it), the child's details, and the log files both list, served as blob SAS URLs. A private
// workspace's data plane refuses callers outside its virtual network.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { ML, authorize, wsScope } from './arm.js';
import { authenticate } from './identity.js';
import { statusAt, type Job } from './jobs.js';
import { logsAt, NOT_STARTED, type LogBlob } from './joblogs.js';
import type { Ctx, Route } from './server.js';
import type { State } from './state.js';
import { outsideNetwork, workspaceAccess, workspaceAccount, type WorkspaceRec, type World } from './world.js';

const RUNS = String.raw`^/history/v1\.0/subscriptions/(?<sub>[^/]+)/resourceGroups/(?<rg>[^/]+)/providers/Microsoft\.MachineLearningServices/workspaces/(?<ws>[^/]+)/runs/(?<run>[^/]+)`;

/**
 * The job's batchscoring child run, as run history's children list and rundata give it (the
 * test_batch_job_download recording, trimmed to what clients read). Its outputs are null there:
 * clients fall back to the default location, azureml/<child run>/score/.
 */
export function batchscoringRun(s: State, job: Job) {
  const created = new Date(job.createdAt).toISOString();
  const compute = s.w.batchEndpoints.find((e) => e.name === job.endpoint)?.deployments.find((d) => d.name === job.deployment)?.compute;
  const target = compute?.split('/').pop() ?? null;
  return {
    runNumber: 1,
    rootRunId: job.name,
    createdUtc: created,
    runUuid: job.childRunId,
    parentRunUuid: job.name.replace('batchjob-', ''),
    rootRunUuid: job.name.replace('batchjob-', ''),
    runId: job.childRunId,
    parentRunId: job.name,
    status: statusAt(job, s.clock.now()),
    startTimeUtc: created,
    endTimeUtc: null,
    displayName: job.displayName,
    name: 'batchscoring',
    dataContainerId: `dcid.${job.childRunId}`,
    hidden: false,
    runType: 'azureml.StepRun',
    runTypeV2: { orchestrator: 'Execution', traits: ['azureml.StepRun', 'scriptRun', 'remote'], attribution: 'Aether', computeType: 'AmlcTrain' },
    properties: {
      StepType: 'PythonScriptStep',
      ComputeTargetType: 'AmlCompute',
      'azureml.moduleName': 'batchscoring',
      'azureml.runsource': 'azureml.StepRun',
      'azureml.pipelinerunid': job.name,
      'azureml.pipeline': job.name,
      'azureml.parallelrunstep': 'true',
      ProcessInfoFile: 'azureml-logs/process_info.json',
      ProcessStatusFile: 'azureml-logs/process_status.json',
    },
    parameters: {},
    scriptName: 'driver/amlbi_main.py',
    target,
    tags: {
      'azureml.pipeline': job.name,
      _aml_system_ComputeTargetStatus: JSON.stringify({ AllocationState: 'steady', PreparingNodeCount: 0, RunningNodeCount: 1, CurrentNodeCount: 1 }),
    },
    settings: {},
    services: {},
    inputDatasets: [],
    outputDatasets: [],
    runDefinition: null,
    jobSpecification: null,
    computeRequest: { nodeCount: 1, gpuCount: 0 },
    compute: { target, targetType: 'amlcompute', instanceCount: 1, gpuCount: 0 },
    inputs: null,
    outputs: null,
  };
}

/**
 * The answer a caller outside a private workspace's network gets from its data plane: the
 * UserError quoted in MicrosoftDocs/azure-docs#90426 (its status there, 502, came from a VPN
 * mis-setup; 403 here is a guess).
 */
export function privateLinkDenied(ctx: Ctx): void {
  ctx.json(403, {
    error: {
      code: 'UserError',
      message: 'Access to workspace was denied based on workspace private link configuration.',
      details: [],
      additionalInfo: [{ type: 'ComponentName', info: { value: 'managementfrontend' } }],
    },
  });
}

/** Whether the workspace is private to a caller outside its virtual network. */
export function unreachable(w: World, ws: WorkspaceRec | undefined): boolean {
  return ws !== undefined && workspaceAccess(w, ws.name) === 'Disabled' && outsideNetwork(w);
}

export interface RunHistory {
  routes: Route[];
  /** runDetails' logFiles of the job (parent) or its batchscoring child: path → SAS URL. */
  logFiles(job: Job, child: boolean): Record<string, string>;
  /** Answers for a private workspace (or the token/RBAC check) and returns false when the caller may not go on. */
  admitted(ctx: Ctx): boolean;
}

export function runHistory(s: State): RunHistory {
  const { w } = s;
  const sasKey = randomBytes(32);

  const sign = (path: string, expiry: string) => createHmac('sha256', sasKey).update(`${path}\n${expiry}`).digest('base64');

  /** A blob SAS URL (sv, sr=b, sig, se, sp=r) for one log file, path-style on this emulator. */
  const sasUrl = (ws: WorkspaceRec, runId: string, path: string) => {
    const blob = `/${workspaceAccount(ws)}/azureml/ExperimentRun/dcid.${runId}/${path}`;
    const expiry = new Date(s.clock.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const sig = sign(blob, expiry);
    w.issued.push(sig);
    return `${w.urls.mlapi}${blob}?sv=2019-07-07&sr=b&sig=${encodeURIComponent(sig)}&se=${encodeURIComponent(expiry)}&sp=r`;
  };

  /** Log files of the job (parent) or its child, once the pipeline has started its step. */
  const files = (job: Job, child: boolean): Record<string, LogBlob> => {
    const now = s.clock.now();
    if (NOT_STARTED.includes(statusAt(job, now))) return {};
    return logsAt(job, child, now);
  };

  /** runDetails' logFiles: path → SAS URL. */
  const logFiles = (job: Job, child: boolean): Record<string, string> => {
    const ws = w.workspaces.find((x) => x.name === job.workspace)!;
    const runId = child ? job.childRunId : job.name;
    return Object.fromEntries(Object.keys(files(job, child)).map((path) => [path, sasUrl(ws, runId, path)]));
  };

  /** Token, RBAC and the workspace's network: what every run history route checks first. */
  const admitted = (ctx: Ctx): boolean => {
    const ws = w.workspaces.find((x) => x.name.toLowerCase() === ctx.params.ws.toLowerCase());
    if (unreachable(w, ws)) {
      privateLinkDenied(ctx);
      return false;
    }
    const caller = authenticate(ctx, w, s.keys, 'management');
    return Boolean(caller && authorize(ctx, w, caller, `${ML}/workspaces/experiments/runs/read`, wsScope(ctx)));
  };

  const jobOf = (ctx: Ctx) => s.jobs.find((j) => j.name === ctx.params.run && j.workspace.toLowerCase() === ctx.params.ws.toLowerCase());

  const children = (ctx: Ctx) => {
    if (!admitted(ctx)) return;
    const job = jobOf(ctx);
    if (!job) return ctx.json(404, { error: { code: 'UserError', message: `Run ${ctx.params.run} was not found.` } });
    const started = !NOT_STARTED.includes(statusAt(job, s.clock.now()));
    ctx.json(200, { value: started ? [batchscoringRun(s, job)] : [], continuationToken: null, nextLink: null });
  };

  /** A blob GET with the SAS in the query: no Authorization header (as azure-ai-ml downloads it). */
  const blob = (ctx: Ctx) => {
    const ws = w.workspaces.find((x) => workspaceAccount(x) === ctx.params.account);
    if (!ws) return ctx.text(404, 'The specified account does not exist.');
    // A storage account behind the workspace's private endpoint (protocol.md: network rules → 403 AuthorizationFailure).
    if (unreachable(w, ws)) return blobError(ctx, 403, 'AuthorizationFailure', 'This request is not authorized to perform this operation.');
    const sig = ctx.query.get('sig') ?? '';
    const expiry = ctx.query.get('se') ?? '';
    const path = ctx.path;
    if (sig !== sign(path, expiry) || Date.parse(expiry) < s.clock.now()) return sasRefused(ctx);
    const job = s.jobs.find((j) => j.name === ctx.params.run || j.childRunId === ctx.params.run);
    const file = job ? files(job, job.childRunId === ctx.params.run)[ctx.params.path] : undefined;
    if (file === undefined) return blobError(ctx, 404, 'BlobNotFound', 'The specified blob does not exist.');
    getBlob(ctx, file, new Date(s.clock.now()), w.spec.service?.logRangeReads ?? true);
  };

  const routes: Route[] = [
    { service: 'mlapi', method: 'GET', path: new RegExp(`${RUNS}/children$`, 'i'), model: 'PaginatedRunList', handler: children },
    {
      service: 'mlapi',
      method: 'GET',
      path: /^\/(?<account>st[0-9a-f]{8})\/azureml\/ExperimentRun\/dcid\.(?<run>[^/]+)\/(?<path>.+)$/i,
      handler: blob,
    },
  ];
  return { routes, logFiles, admitted };
}

/**
 * Get Blob of a log file, as Blob storage answers it: If-None-Match with its ETag gives 304; a
 * Range (or x-ms-range, which wins) of bytes=start- or bytes=start-end gives 206 with
 * Content-Range, capped at the blob's end, or 416 InvalidRange with a Content-Range that gives the
 * size when start is past it (Learn, "Specifying the range header for Blob service operations"; the
 * 416 headers as Azure sends them, floci-io/floci-az#82). Dates on the emulator clock.
 */
function getBlob(ctx: Ctx, file: LogBlob, now: Date, honourRange: boolean): void {
  const size = file.content.length;
  const headers = {
    'x-ms-blob-type': 'BlockBlob',
    'accept-ranges': 'bytes',
    etag: file.etag,
    'last-modified': new Date(file.lastModified).toUTCString(),
    date: now.toUTCString(),
    'content-type': 'application/octet-stream',
  };
  if (ctx.header('if-none-match') === file.etag) return ctx.empty(304, headers);
  const range = /^bytes=(\d+)-(\d*)$/.exec((honourRange && (ctx.header('x-ms-range') ?? ctx.header('range'))) || '');
  if (!range) return ctx.text(200, file.content, { ...headers, 'content-length': String(size) });
  const start = Number(range[1]);
  if (start >= size)
    return blobError(ctx, 416, 'InvalidRange', 'The range specified is invalid for the current size of the resource.', {
      'content-range': `bytes */${size}`,
      date: headers.date,
    });
  const end = Math.min(range[2] ? Number(range[2]) : size - 1, size - 1);
  ctx.text(206, file.content.subarray(start, end + 1), {
    ...headers,
    'content-length': String(end + 1 - start),
    'content-range': `bytes ${start}-${end}/${size}`,
  });
}

/** A SAS whose signature does not match or that has expired, as Blob storage refuses it. */
function sasRefused(ctx: Ctx): void {
  const message = 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.';
  blobError(ctx, 403, 'AuthenticationFailed', message);
}

/** Blob storage's XML error body (Blob service REST API, "Status and error codes"). */
function blobError(ctx: Ctx, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:${randomUUID()}\nTime:${new Date().toISOString()}</Message></Error>`;
  ctx.text(status, body, { 'content-type': 'application/xml', 'x-ms-error-code': code, ...headers });
}
