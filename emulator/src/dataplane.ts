// The Azure Machine Learning data planes: the batch endpoint's scoring URI (creates a job), the
// online endpoint's scoring URI, the workspace discovery document and run history.
import catalog from '../../src/permissions/catalog/required-actions.json' with { type: 'json' };
import { authorizationFailed, ML, studioUrl } from './arm.js';
import { authenticate, mlAudiences } from './identity.js';
import { displayName, newJobName, statusAt, DEFAULT_PLAN, type Job } from './jobs.js';
import { decodeJwt } from './jwt.js';
import { isAuthorized } from './rbac.js';
import { privateLinkDenied, runHistory, unreachable } from './runhistory.js';
import { answer } from './scoring.js';
import { text, type Ctx, type Route } from './server.js';
import { stateNow, type State } from './state.js';
import type { ScoringResponse } from './types.js';
import { outsideNetwork, workspaceScope, type BatchEndpointRec, type OnlineEndpointRec } from './world.js';
import { parseSettings, pick } from './runs.js';

const SCORE_ACTION = `${ML}/workspaces/onlineEndpoints/score/action`;

function userError(ctx: Ctx, status: number, message: string): void {
  // Data-plane errors: JSON error.message (protocol.md); the code is a guess.
  ctx.json(status, { error: { code: 'UserError', message } });
}

export function dataPlaneRoutes(s: State): Route[] {
  const { w } = s;
  const history = runHistory(s);

  const invokeBatch = (ctx: Ctx) => {
    const e = w.batchEndpoints.find((x) => x.name.toLowerCase() === ctx.params.ep.toLowerCase());
    if (!e || stateNow(s, e) !== 'Succeeded') return userError(ctx, 404, `Batch endpoint '${ctx.params.ep}' not found.`);
    // A private workspace's batch endpoints are private too (Microsoft Learn, "configure private link").
    if (
      unreachable(
        w,
        w.workspaces.find((x) => x.name === e.workspace),
      )
    )
      return privateLinkDenied(ctx);
    const caller = authenticate(ctx, w, s.keys, 'ml');
    if (!caller) return;
    // Every batch-invocation action must be allowed (Microsoft Learn, "Authorization on batch
    // endpoints"); the first missing one is named the way the resource manager names it (a guess).
    for (const action of catalog.batchInvoke.actions) {
      if (!isAuthorized(w.assignments, caller.identity.objectId, action, e.id)) {
        ctx.entry.action = action;
        return ctx.json(403, authorizationFailed(caller, action, e.id));
      }
    }
    const deploymentName = ctx.header('azureml-model-deployment') ?? e.defaultDeployment;
    if (!deploymentName) return userError(ctx, 400, `Batch endpoint '${e.name}' has no default deployment; name one in the azureml-model-deployment header.`);
    const deployment = e.deployments.find((d) => d.name.toLowerCase() === deploymentName.toLowerCase());
    if (!deployment) return userError(ctx, 404, `Deployment '${deploymentName}' not found under batch endpoint '${e.name}'.`);

    const repeatability = ctx.header('repeatability_request-id');
    const dedupeKey = repeatability ? `${caller.identity.objectId}:${repeatability}` : undefined;
    if (dedupeKey && (w.spec.service?.dedupeRepeatability ?? true)) {
      const earlier = s.jobs.find((j) => j.name === s.repeatability.get(dedupeKey));
      if (earlier) return replyCreated(ctx, earlier);
    }

    let body: unknown;
    try {
      body = JSON.parse(ctx.body.toString('utf8') || '{}');
    } catch {
      return userError(ctx, 400, 'The request body is not valid JSON.');
    }
    const props = pick(body, 'properties');
    const inputData = pick(props, 'inputData');
    if (inputData !== undefined && (typeof inputData !== 'object' || inputData === null || Array.isArray(inputData))) {
      return userError(ctx, 400, 'properties.inputData must be a map of named inputs.');
    }
    const inputs: Record<string, unknown> = {};
    for (const [name, input] of Object.entries((inputData as Record<string, unknown>) ?? {})) {
      const type = text(pick(input, 'jobInputType'));
      if (/^literal$/i.test(type)) {
        if (deployment.type !== 'pipelineComponent')
          return userError(ctx, 400, `Input '${name}': Literal inputs are supported only by pipeline component deployments.`);
        if (pick(input, 'value') === undefined) return userError(ctx, 400, `Input '${name}': a Literal input needs a value.`);
        inputs[name] = { jobInputType: 'Literal', value: pick(input, 'value') };
        continue;
      }
      if (!/^(urifolder|urifile|uri_folder|uri_file)$/i.test(type))
        return userError(ctx, 400, `Input '${name}': jobInputType '${type}' is not supported; use UriFolder, UriFile or Literal.`);
      const uri = text(pick(input, 'uri'));
      if (!uri) return userError(ctx, 400, `Input '${name}': uri is required.`);
      const asset = /\/workspaces\/([^/]+)\/data\/([^/]+)\/versions\/([^/]+)$/i.exec(uri);
      if (asset && !w.dataAssets.some((d) => d.workspace.toLowerCase() === asset[1].toLowerCase() && d.name === asset[2] && d.versions.includes(asset[3]))) {
        return userError(ctx, 400, `Input '${name}': data asset ${asset[2]}:${asset[3]} was not found.`);
      }
      if (!asset && !/^(https:\/\/|azureml:\/\/)/i.test(uri)) return userError(ctx, 400, `Input '${name}': uri '${uri}' is not a supported path.`);
      inputs[name] = { uri, jobInputType: /file/i.test(type) ? 'UriFile' : 'UriFolder', mode: 'ReadOnlyMount' };
    }
    const outputData = pick(props, 'outputData');
    for (const [name, output] of Object.entries((outputData as Record<string, unknown>) ?? {})) {
      if (!/^azureml:\/\/datastores\/[^/]+\/paths\/.+/.test(text(pick(output, 'uri')))) {
        return userError(ctx, 400, `Output '${name}': uri must be azureml://datastores/<datastore>/paths/<path>.`);
      }
    }
    const parsed = parseSettings(props);
    if ('error' in parsed) return userError(ctx, 400, parsed.error);
    const requestedExperiment = pick(pick(props, 'properties'), 'experimentName');
    const clientTags = (pick(props, 'tags') ?? {}) as Record<string, string>;
    const systemTags = { 'azureml.batchrun': 'true', 'azureml.deploymentname': deployment.name, 'azureml.jobtype': 'azureml.batchjob' };
    const keepTags = w.spec.service?.keepClientTags ?? true;
    const job: Job = {
      name: newJobName(),
      batchId: '',
      workspace: e.workspace,
      endpoint: e.name,
      deployment: deployment.name,
      displayName: displayName(w.prng),
      // A model deployment files the job under the endpoint's name; a pipeline component honours the request.
      experimentName: deployment.type === 'pipelineComponent' && typeof requestedExperiment === 'string' ? requestedExperiment : e.name,
      tags: keepTags ? { ...clientTags, ...systemTags } : { ...systemTags },
      repeatabilityId: repeatability,
      createdBy: caller.identity.clientId,
      createdByOid: caller.identity.objectId,
      childRunId: crypto.randomUUID(),
      createdAt: s.clock.now(),
      plan: s.nextJobPlans.shift() ?? e.jobPlan ?? w.spec.jobPlan ?? DEFAULT_PLAN,
      inputs,
      outputs: outputData,
      settings: parsed.settings,
    };
    job.batchId = `${e.id}/deployments/${deployment.name}/jobs/${job.name}`;
    s.jobs.push(job);
    if (dedupeKey) s.repeatability.set(dedupeKey, job.name);
    replyCreated(ctx, job);
  };

  /** The 201 for a job; its endpoint is looked up by the job, as a repeated request id may name a job of another endpoint. */
  const replyCreated = (ctx: Ctx, job: Job) => {
    const e = w.batchEndpoints.find((b) => b.name === job.endpoint)!;
    ctx.json(201, invokeReply(job, e), replyHeaders(job, e));
  };

  const replyHeaders = (job: Job, e: BatchEndpointRec) => ({
    'azureml-model-deployment': job.deployment,
    location: `${w.urls.mlapi}/mferp/managementfrontend${e.id}/deployments/${job.deployment}?api-version=2020-09-01-dataplanepreview`,
    'x-request-id': crypto.randomUUID(),
  });

  // The 201 body of the test_batch_invoke recording (notes §8).
  const invokeReply = (job: Job, e: BatchEndpointRec) => ({
    id: job.batchId,
    name: job.name,
    type: `${ML}/workspaces/batchEndpoints/deployments/jobs`,
    properties: {
      provisioningState: 'Succeeded',
      inputData: job.inputs,
      compute: {
        target: e.deployments.find((d) => d.name === job.deployment)!.compute,
        instanceCount: null,
        isLocal: false,
        location: null,
        instanceType: null,
        properties: null,
      },
      output: { datastoreId: null, path: null },
      retrySettings: { maxRetries: 3, timeout: 'PT30S' },
      status: statusAt(job, s.clock.now()) === 'NotStarted' ? 'NotStarted' : 'Preparing',
      interactionEndpoints: {
        Tracking: {
          jobEndpointType: 'Tracking',
          port: null,
          endpoint: `azureml://${w.location}.api.azureml.ms/mlflow/v1.0${workspaceScope(w, job.workspace)}?`,
          properties: null,
        },
        Studio: { jobEndpointType: 'Studio', port: null, endpoint: studioUrl(w, job), properties: null },
      },
      tags: job.tags,
      properties: { 'azureml.runsource': 'azureml.PipelineRun', runSource: 'Unavailable', runType: 'HTTP', 'azureml.pipelineComponent': 'pipelinerun' },
      name: job.displayName,
    },
    systemData: {
      createdAt: new Date(job.createdAt).toISOString(),
      createdBy: job.createdBy,
      lastModifiedAt: new Date(job.createdAt).toISOString(),
      lastModifiedBy: job.createdBy,
    },
  });

  const score = async (ctx: Ctx) => {
    const e = w.onlineEndpoints.find((x) => x.name.toLowerCase() === ctx.params.ep.toLowerCase());
    if (!e) return ctx.text(404, 'Not Found');
    // publicNetworkAccess Disabled: reachable only through the workspace's private endpoint; what a
    // public caller meets is unconfirmed (research K.3): here the connection is dropped.
    if (e.publicNetworkAccess === 'Disabled' && outsideNetwork(w)) return ctx.reset();
    if (!authorizeScoring(ctx, e)) return;
    const named = ctx.header('azureml-model-deployment');
    let deployment: string | undefined;
    if (named) {
      deployment = e.deployments.find((d) => d.name.toLowerCase() === named.toLowerCase())?.name;
      // Exact body unknown: the status (404) is from the troubleshooting guide.
      if (!deployment) return ctx.json(404, { message: `Deployment '${named}' not found for endpoint '${e.name}'.` });
    } else {
      deployment = route(e);
      if (!deployment)
        return ctx.json(404, {
          message:
            'No valid deployments to route to. Please check that the endpoint has at least one deployment with positive weight values or use a deployment specific header to route.',
        });
    }
    const d = e.deployments.find((x) => x.name === deployment)!;
    const routed = deployment;
    const a: ScoringResponse = await answer(e, d, async () => e.respond({ endpoint: e.name, deployment: routed, headers: ctx.req.headers, body: ctx.body }));
    // x-request-id: the server's trace id, a GUID (troubleshooting guide, "request tracing").
    const headers = { 'azureml-model-deployment': deployment, 'x-request-id': crypto.randomUUID(), ...a.headers };
    if (typeof a.body === 'string' || Buffer.isBuffer(a.body)) ctx.text(a.status, a.body.toString(), headers);
    else ctx.json(a.status, a.body, headers);
  };

  /** Key, aml token or Entra token, per auth mode; 401 plain text like the service's key_auth_access_denied. */
  const authorizeScoring = (ctx: Ctx, e: OnlineEndpointRec): boolean => {
    const auth = ctx.header('authorization') ?? '';
    const bearer = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
    if (e.authMode === 'key') {
      ctx.entry.token = { kind: 'key' };
      if (!bearer) return deny(ctx, 'key_auth_bad_header_forbidden');
      if (bearer !== e.keys.primaryKey && bearer !== e.keys.secondaryKey) return deny(ctx, 'key_auth_access_denied');
      return true;
    }
    if (e.authMode === 'aml_token') {
      const decoded = bearer ? decodeJwt(bearer, [s.keys.entra]) : undefined;
      ctx.entry.token = { kind: decoded?.claims.iss === 'azureml' ? 'aml' : 'invalid' };
      if (!decoded?.valid || decoded.claims.iss !== 'azureml' || decoded.claims.endpoint !== e.id || Number(decoded.claims.exp) * 1000 < Date.now()) {
        return deny(ctx, 'aml_token_auth_access_denied');
      }
      return true;
    }
    // aad_token: Kubernetes endpoints do not take Entra tokens; a principal without score/action
    // gets 401, not 403 (troubleshooting guide; protocol.md). The bodies are guesses.
    const decoded = bearer ? decodeJwt(bearer, [s.keys.entra]) : undefined;
    if (decoded) {
      const c = decoded.claims;
      ctx.entry.token = { kind: decoded.valid ? 'entra' : 'invalid', aud: String(c.aud), oid: String(c.oid), appid: String(c.appid), tid: String(c.tid) };
    }
    if (e.kubernetes) return deny(ctx, 'aad_token auth is not supported for Kubernetes online endpoints');
    if (!decoded?.valid || Number(decoded.claims.exp) * 1000 < Date.now()) return deny(ctx, 'Unauthorized');
    if (!mlAudiences(w).includes(String(decoded.claims.aud))) return deny(ctx, 'Unauthorized');
    ctx.entry.action = SCORE_ACTION;
    if (!isAuthorized(w.assignments, String(decoded.claims.oid), SCORE_ACTION, e.id)) return deny(ctx, 'Unauthorized');
    return true;
  };

  const deny = (ctx: Ctx, text: string): false => {
    ctx.text(401, text);
    return false;
  };

  /** Weighted choice by traffic, drawn from the seed. */
  const route = (e: OnlineEndpointRec): string | undefined => {
    const entries = Object.entries(e.traffic).filter(([, weight]) => weight > 0);
    const total = entries.reduce((t, [, weight]) => t + weight, 0);
    if (total <= 0) return undefined;
    let r = w.prng.next() * total;
    for (const [name, weight] of entries) {
      r -= weight;
      if (r < 0) return name;
    }
    return entries.at(-1)![0];
  };

  // Discovery document (test_batch_job_download recording, notes §9), pointing here.
  const discovery = (ctx: Ctx) =>
    ctx.json(200, {
      api: w.urls.mlapi,
      catalog: 'https://catalog.cortanaanalytics.com',
      experimentation: w.urls.mlapi,
      gallery: 'https://gallery.cortanaintelligence.com/project',
      history: w.urls.mlapi,
      hyperdrive: w.urls.mlapi,
      labeling: w.urls.mlapi,
      modelmanagement: w.urls.mlapi,
      pipelines: w.urls.mlapi,
      studio: 'https://ml.azure.com',
    });

  // RunDetails (azure-ai-ml runhistory model, notes §9); error only for failed jobs.
  // The job's own run, or its batchscoring child (runhistory.ts), which carries the step's logs.
  const runDetails = (ctx: Ctx) => {
    if (!history.admitted(ctx)) return;
    const job = s.jobs.find((j) => (j.name === ctx.params.run || j.childRunId === ctx.params.run) && j.workspace.toLowerCase() === ctx.params.ws.toLowerCase());
    if (!job) return userError(ctx, 404, `Run ${ctx.params.run} was not found.`);
    const child = job.childRunId === ctx.params.run;
    const status = statusAt(job, s.clock.now());
    const failed = status === 'Failed' && job.plan.error;
    ctx.json(200, {
      runId: child ? job.childRunId : job.name,
      runUuid: child ? job.childRunId : job.name.replace('batchjob-', ''),
      parentRunUuid: child ? job.name.replace('batchjob-', '') : null,
      rootRunUuid: job.name.replace('batchjob-', ''),
      target: job.deployment,
      status,
      parentRunId: child ? job.name : null,
      createdTimeUtc: new Date(job.createdAt).toISOString(),
      startTimeUtc: new Date(job.createdAt).toISOString(),
      endTimeUtc: null,
      error: failed
        ? {
            error: { code: job.plan.error!.code, message: job.plan.error!.message, details: [], innerError: null },
            correlation: { operation: null, request: crypto.randomUUID() },
            environment: w.location,
            location: w.location,
            time: new Date(job.createdAt).toISOString(),
            componentName: 'execution',
          }
        : null,
      warnings: null,
      tags: job.tags,
      properties: { 'azureml.runsource': 'azureml.PipelineRun' },
      parameters: {},
      services: {},
      inputDatasets: [],
      outputDatasets: [],
      runDefinition: null,
      logFiles: history.logFiles(job, child),
      jobCost: null,
      revision: 1,
      runTypeV2: { orchestrator: 'Execution', traits: ['azureml.PipelineRun'], attribution: 'Aether', computeType: 'AmlcTrain' },
      settings: {},
      computeRequest: null,
      compute: null,
      createdBy: { userObjectId: job.createdByOid, userName: job.createdBy },
      computeDuration: null,
      effectiveStartTimeUtc: null,
      runNumber: 1,
      rootRunId: job.name,
      userId: job.createdByOid,
      statusRevision: 2,
      hasVirtualParent: false,
      currentComputeTime: null,
      lastStartTimeUtc: null,
      lastModifiedBy: { userObjectId: job.createdByOid, userName: job.createdBy },
      lastModifiedUtc: new Date(s.clock.now()).toISOString(),
      duration: null,
      inputs: null,
      outputs: null,
    });
  };

  return [
    { service: 'inference', method: 'POST', path: /^\/(?<ep>[a-z][a-z0-9-]*)\/jobs$/i, model: 'BatchJobResource', handler: invokeBatch },
    { service: 'inference', method: 'POST', path: /^\/(?<ep>[a-z][a-z0-9-]*)\/score$/i, handler: score },
    { service: 'mlapi', method: 'GET', path: /^\/discovery$/i, handler: discovery },
    {
      service: 'mlapi',
      method: 'GET',
      path: /^\/history\/v1\.0\/subscriptions\/(?<sub>[^/]+)\/resourceGroups\/(?<rg>[^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/(?<ws>[^/]+)\/runs\/(?<run>[^/]+)\/details$/i,
      model: 'RunDetails',
      handler: runDetails,
    },
    ...history.routes,
  ];
}
