// One run, top to bottom: sign in, read the endpoint, check permissions, invoke, follow the job,
// report. Every phase lives in its own module; this file only puts them in order. It is also the
// entry of the second bundle (dist/main/), which holds the Azure libraries and never
// @actions/core: the first bundle hands that in.
import { DataAccess, deliverOutputs, hasLocalInputs } from './storage/data.js';
import { storagePreflight } from './permissions/storage.js';
import { ArmError, createArm, type Arm } from './azure/arm.js';
import { buildJobBody, createJob, newInvocation, resolveInputs } from './batch/batch.js';
import {
  batchRequirements,
  onlineRequirements,
  resourceScopes,
  BATCH_DATA_ACCESS_REMEDY,
  DIAGNOSTIC_ACTIONS,
  type Requirement,
  type Scopes,
} from './permissions/catalog.js';
import { Output, RESPONSE_OUTPUT_LIMIT, State } from './constants.js';
import { explain, explainDataPlane, type DiagnoseContext } from './permissions/diagnose.js';
import { readDeployment, readEndpoint, type Deployment, type Endpoint } from './azure/endpoints.js';
import { ActionError, describeThrown } from './reporting/errors.js';
import { createHttp, type Http, type Log } from './azure/http.js';
import type { Inputs } from './inputs.js';
import type { Clock } from './clock.js';
import type { RunContext } from './github/context.js';
import { cancelJob, getJob, pollJob, UNRESPONSIVE_AFTER_MS, type JobState } from './batch/jobs.js';
import { responseFileContent, score, scoringCredential } from './online/online.js';
import { operationError, waitUntilReady, type Watched } from './azure/readiness.js';
import {
  batchPrivacy,
  checkPrivateAccess,
  explainConnectionError,
  explainPrivateLinkDenial,
  hostOf,
  isPrivateLinkDenial,
  onlinePrivacy,
  workspacePrivate,
  type Privacy,
} from './azure/network.js';
import { readModelLog, showModelLog, type LogSink } from './online/model-logs.js';
import { scoringFailed } from './online/scoring-failures.js';
import { openRunHistory, RunHistoryRefusal, type RunError } from './batch/run-history.js';
import { readJobLogs, showJobLogs } from './batch/job-logs.js';
import { readCluster, stuckWarning, WAITING_TO_START } from './batch/stuck.js';
import { findMissing, permissionError, readPermissions } from './permissions/permissions.js';
import type { PermissionEntry } from './permissions/rbac.js';
import type { CoreLike, Report } from './reporting/report.js';
import { createSession, type Session } from './signin/signin.js';
import { toAzureFailure } from './azure/azure-errors.js';
import { truncateUtf8 } from './reporting/format.js';

export { post } from './post.js';
export { commentOnPullRequest } from './github/comment.js';

export interface MainCore extends CoreLike {
  // Function properties, not methods: they are handed on detached from core.
  setSecret: (value: string) => void;
  getIDToken: (audience: string) => Promise<string>;
  saveState: (name: string, value: string) => void;
  notice: (message: string) => void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export interface RunDeps {
  core: MainCore;
  report: Report;
  env: Record<string, string | undefined>;
  /** The workflow run (read by the entry bundle from @actions/github's Context). */
  run: RunContext;
  clock: Clock;
  /** Aborted when the workflow is cancelled (SIGINT/SIGTERM). */
  signal: AbortSignal;
  prefetchedAssertion?: Promise<string>;
  writeResponse(name: string, content: string): string;
}

/** How long a cancel may take to confirm, so the runner's 7.5 s grace period is kept. */
const CANCEL_CONFIRM_MS = 5_000;

interface Ctx {
  inputs: Inputs;
  deps: RunDeps;
  log: Log;
  http: Http;
  session: Session;
  arm: Arm;
  scopes: Scopes;
  diag: DiagnoseContext;
  /** Whether the workspace is private (publicNetworkAccess Disabled), read once when first asked. */
  workspacePrivate(): Promise<boolean | undefined>;
}

export async function run(inputs: Inputs, deps: RunDeps): Promise<void> {
  const { core, report } = deps;
  const log: Log = core;
  const http = createHttp(log);
  const scopes = resourceScopes(inputs);
  const kind = inputs.endpointType === 'batch' ? 'batch endpoint' : 'online endpoint';
  report.setTitle(`${kind} \`${inputs.endpoint}\``);
  report.fact('Endpoint', `\`${inputs.endpoint}\` (${kind}, workspace \`${inputs.workspace}\`)`);
  report.output(Output.missingActions, '[]');
  let ctx: Ctx | undefined;
  try {
    const session = createSession(inputs, {
      http,
      log,
      setSecret: core.setSecret,
      getIdToken: core.getIDToken,
      env: deps.env,
      prefetchedAssertion: deps.prefetchedAssertion,
    });
    const arm = createArm(inputs, session, http);
    const diag: DiagnoseContext = {
      scopes,
      endpointType: inputs.endpointType,
      endpoint: inputs.endpoint,
      principal: session.principal,
      cloudName: inputs.cloud.name,
      subscriptionId: inputs.subscriptionId,
      tenantId: inputs.tenantId,
    };
    let workspace: Promise<boolean | undefined> | undefined;
    ctx = { inputs, deps, log, http, session, arm, scopes, diag, workspacePrivate: () => (workspace ??= workspacePrivate(arm, inputs)) };
    await core.group('Sign in', () => signIn(ctx!));
    if (inputs.endpointType === 'batch') await runBatch(ctx);
    else await runOnline(ctx);
  } catch (err) {
    const failure = ctx ? explain(err, ctx.diag) : err;
    if (failure instanceof ActionError && failure.missingActions) report.output(Output.missingActions, JSON.stringify(failure.missingActions));
    report.fail(failure);
  }
}

async function signIn({ inputs, session, log }: Ctx): Promise<void> {
  const how = {
    oidc: 'GitHub OIDC (federated credential)',
    'client-secret': 'a client secret',
    'managed-identity': 'the managed identity',
    'azure-cli': 'the Azure CLI session',
  }[inputs.authType];
  log.info(`Signing in to ${inputs.cloud.name} with ${how}...`);
  await session.token(inputs.cloud.armScope);
  const p = session.principal;
  log.info(`Signed in as ${p.clientId ? `service principal ${p.clientId}` : 'the identity'}${p.objectId ? ` (object id ${p.objectId})` : ''}.`);
}

/**
 * Reads the endpoint and, unless turned off, the identity's permissions at its scope, together.
 * A permissions API that cannot be read is one warning, not a failure: Azure's own answers will
 * then say what is missing. When the endpoint itself cannot be read, a missing endpoint is
 * reported first, then the whole list of missing actions, then the single denial.
 */
async function readEndpointAndPermissions(ctx: Ctx, requiredBeforeRead: Requirement[]): Promise<{ endpoint: Endpoint; entries?: PermissionEntry[] }> {
  const { inputs, arm, log } = ctx;
  const [endpoint, permissions] = await Promise.allSettled([
    readEndpoint(arm, inputs),
    inputs.checkPermissions === 'false' ? Promise.resolve(undefined) : readPermissions(arm.authz, inputs),
  ]);
  let entries: PermissionEntry[] | undefined;
  if (permissions.status === 'fulfilled') entries = permissions.value;
  else {
    const f = toAzureFailure(permissions.reason);
    // The permissions API needs no role, so it can tell a missing resource group from a denial.
    if (f.code === 'ResourceGroupNotFound') {
      throw new ActionError('not-found', `Check 'resource-group': subscription ${inputs.subscriptionId} has no resource group '${inputs.resourceGroup}'.`);
    }
    const why = [f.status ? `HTTP ${f.status}` : undefined, f.code].filter(Boolean).join(' ') || 'no answer';
    if (inputs.checkPermissions === 'only') {
      throw new ActionError(
        'permission',
        `Grant the identity 'Microsoft.Authorization/permissions/read' or run the check as a user who can: its permissions could not be read (${why}).`,
        [f.message],
      );
    }
    log.warning(
      `Could not read this identity's permissions (Microsoft.Authorization/permissions: ${why}); skipping the pre-flight check, Azure's own answers will name anything missing.`,
    );
  }
  if (endpoint.status === 'rejected') throw preflightFirst(ctx, endpoint.reason, entries, requiredBeforeRead);
  return { endpoint: endpoint.value, entries };
}

/** A read that failed: when it was denied, the whole list of missing actions is reported first. */
function preflightFirst(ctx: Ctx, err: unknown, entries: PermissionEntry[] | undefined, required: Requirement[]): unknown {
  const failure = explain(err, ctx.diag);
  if (failure instanceof ActionError && failure.kind === 'permission' && entries && ctx.inputs.checkPermissions !== 'warn') preflight(ctx, entries, required);
  return failure;
}

/** Where a model log and other diagnostics are shown: a log group, the log and the summary. */
function sink(ctx: Ctx): LogSink {
  const { core, report } = ctx.deps;
  return { group: (name, fn) => core.group(name, fn), info: (m) => core.info(m), warning: (m) => core.warning(m), section: (md) => report.section(md) };
}

/**
 * Waits (wait-for-ready) until the endpoint and its deployments are ready; a failed one stops the
 * run with its own error: its last operation's, else (online) the model's log. Returns the
 * endpoint as last read (its scoring URI is set only once it exists).
 */
async function becomeReady(ctx: Ctx, endpoint: Endpoint, deployments: Deployment[]): Promise<Endpoint> {
  const { inputs, arm, deps } = ctx;
  let current = endpoint;
  const resources: Watched[] = [
    {
      kind: `${inputs.endpointType} endpoint`,
      name: endpoint.name,
      state: endpoint.provisioningState,
      operationUri: endpoint.operationUri,
      read: async () => (current = await readEndpoint(arm, inputs)).provisioningState,
    },
    ...deployments.map((d) => ({
      kind: 'deployment',
      name: d.name,
      state: d.provisioningState,
      operationUri: d.operationUri,
      read: async () => Object.assign(d, await readDeployment(arm, inputs, d.name)).provisioningState,
    })),
  ];
  await waitUntilReady({
    resources,
    waitMs: inputs.waitForReadyMs,
    clock: deps.clock,
    signal: deps.signal,
    log: ctx.log,
    whyFailed: async (r) => {
      const op = await operationError(arm, r.operationUri, inputs.resourceManagerEndpoint);
      if (op.reason) return { reason: op.reason, details: [] };
      const details: string[] = [];
      if (op.unread)
        details.push(
          `Its last operation's status was not read (${op.unread})${/403/.test(op.unread) ? `: grant '${DIAGNOSTIC_ACTIONS.operationStatus}' to see Azure's error here` : ''}.`,
        );
      if (inputs.endpointType === 'online' && r.kind === 'deployment') {
        details.push(...(await showModelLog(sink(ctx), await readModelLog(arm, inputs, r.name))));
        details.push(
          `More: az ml online-deployment get-logs --name ${r.name} --endpoint-name ${inputs.endpoint} --resource-group ${inputs.resourceGroup} --workspace-name ${inputs.workspace}`,
        );
      } else details.push(`Its provisioning error is shown in the studio, on the ${r.kind}'s page.`);
      return { details };
    },
  });
  return current;
}

/** Whether the batch endpoint is private: its workspace decides (read once, when first asked). */
async function privacyOfBatch(ctx: Ctx): Promise<Privacy> {
  return batchPrivacy(ctx.inputs.endpoint, ctx.inputs.workspace, await ctx.workspacePrivate());
}

/**
 * Applies the pre-flight result: fail, warn or go on, as check-permissions says. `more` is what a
 * check elsewhere (storage accounts) found missing. Returns whether all is allowed.
 */
function preflight(ctx: Ctx, entries: PermissionEntry[] | undefined, required: Requirement[], more: Requirement[] = []): boolean {
  const { inputs, deps, log, session } = ctx;
  if (!entries && more.length === 0) return false;
  const missing = [...(entries ? findMissing(entries, required) : []), ...more];
  if (missing.length === 0) {
    log.info(`All ${required.length} required actions are allowed.`);
    return true;
  }
  const gap = permissionError({ principal: session.principal, missing, source: 'pre-flight' }, ctx.diag);
  if (inputs.checkPermissions !== 'warn') throw gap;
  // warn: the same report the failure would give, as a warning, and the run goes on.
  deps.report.output(Output.missingActions, JSON.stringify(gap.missingActions));
  deps.core.warning([gap.message, '', ...gap.details].join('\n'));
  deps.report.section(gap.summary!);
  return false;
}

/** The Permissions phase; returns whether the check ran and found nothing missing. `more` checks elsewhere (storage). */
function checkPermissions(ctx: Ctx, entries: PermissionEntry[] | undefined, required: Requirement[], more?: () => Promise<Requirement[]>): Promise<boolean> {
  return ctx.deps.core.group('Permissions', async () => {
    if (ctx.inputs.checkPermissions === 'false') {
      ctx.log.info('Pre-flight permission check skipped (check-permissions: false).');
      return false;
    }
    return preflight(ctx, entries, required, more ? await more() : []);
  });
}

/** check-permissions: only ends the run after the check. */
function onlyChecking(ctx: Ctx): boolean {
  if (ctx.inputs.checkPermissions !== 'only') return false;
  ctx.deps.report.setOutcome('permissions verified');
  ctx.log.info('check-permissions: only: nothing was invoked.');
  return true;
}

async function runBatch(ctx: Ctx): Promise<void> {
  const { inputs, deps, arm, log, session, http } = ctx;
  const { report, core } = deps;
  const required = batchRequirements(ctx.scopes, inputs);
  const read = await core.group('Endpoint and permissions', async () => {
    const r = await readEndpointAndPermissions(ctx, required);
    log.info(
      `Batch endpoint '${r.endpoint.name}': scoring URI ${r.endpoint.scoringUri || '(none yet)'}, default deployment ${r.endpoint.defaultDeployment ?? '(none)'}.`,
    );
    return r;
  });
  const deploymentName = inputs.deployment ?? read.endpoint.defaultDeployment;
  if (!deploymentName) {
    throw new ActionError('input', `Set 'deployment': batch endpoint '${read.endpoint.name}' has no default deployment.`);
  }
  const deployment = await readDeployment(arm, inputs, deploymentName).catch((err: unknown) => {
    throw preflightFirst(ctx, err, read.entries, required);
  });
  report.fact('Deployment', `\`${deploymentName}\`${inputs.deployment ? '' : ' (default)'}`);

  const data = new DataAccess({
    arm,
    http,
    log,
    inputs,
    tokens: session.credential,
    principal: session.principal,
    ctx: ctx.diag,
    armToken: () => session.token(inputs.cloud.armScope),
    setSecret: core.setSecret,
  });
  const preflightPassed = await checkPermissions(ctx, read.entries, required, async () =>
    storagePreflight({
      arm,
      inputs,
      uses: await data.uses(),
      mountAccounts: await data.mountAccounts(),
      computeId: () => Promise.resolve(deployment.compute),
      log,
      notice: core.notice,
    }),
  );
  if (onlyChecking(ctx)) return;
  const endpoint = await becomeReady(ctx, read.endpoint, [deployment]);
  report.output(Output.scoringUri, endpoint.scoringUri);
  // The workspace is read for this only on a hosted runner, the one place a private one is stopped up front.
  if (deps.env.RUNNER_ENVIRONMENT === 'github-hosted') {
    await checkPrivateAccess({ privacy: await privacyOfBatch(ctx), scoringUri: endpoint.scoringUri, runnerEnvironment: 'github-hosted', log });
  }

  const uploaded = hasLocalInputs(inputs) ? await core.group('Upload local inputs', () => data.uploadInputs()) : {};

  const job = await core.group('Create the job', async () => {
    const resolved = await resolveInputs(arm, inputs, ctx.scopes.workspace, uploaded);
    const invocation = newInvocation(deps.run);
    const body = buildJobBody(resolved, {
      outputPath: inputs.outputPath,
      outputs: inputs.batchOutputs,
      settings: inputs.jobSettings,
      experimentName: inputs.experimentName,
      tags: invocation.tags,
    });
    if (deps.signal.aborted) throw new ActionError('cancelled', 'The workflow was cancelled before the job was created; nothing is running in Azure.');
    let mlToken = '';
    return createJob(
      {
        arm,
        http,
        log,
        clock: deps.clock,
        principal: session.principal,
        mlToken: async () => (mlToken = await session.token(inputs.cloud.mlScope)),
        refused: (status, text) =>
          isPrivateLinkDenial(text)
            ? privateLinkError(endpoint.scoringUri, `batch endpoint '${endpoint.name}'`)
            : explainDataPlane(status, text, { ctx: ctx.diag, token: mlToken, expectedAudience: inputs.cloud.mlScope, preflightPassed }),
        unreachable: async (code) => {
          const privacy = await privacyOfBatch(ctx);
          return privacy.isPrivate
            ? networkError(explainConnectionError({ code, what: 'the scoring URI', host: hostOf(endpoint.scoringUri), privacy }))
            : undefined;
        },
      },
      { inputs, endpoint, deployment: inputs.deployment, body, invocation },
    );
  });
  const studio = job.studioUrl ?? `${inputs.cloud.studio}/runs/${job.name}?wsid=${ctx.scopes.workspace}`;
  report.output(Output.jobName, job.name);
  report.output(Output.jobStatus, job.status);
  report.output(Output.jobUrl, studio);
  report.fact('Job', `[${job.name}](${studio})`);
  log.info(`Created job ${job.name}: ${studio}`);

  if (!inputs.wait) {
    report.setOutcome(`job created (${job.status})`);
    log.info('wait: false: not waiting for the job; it keeps running in Azure.');
    return;
  }
  const mayCancel = inputs.cancelOnTimeout;
  if (mayCancel) core.saveState(State.pendingJob, JSON.stringify({ name: job.name }));

  const waitStart = deps.clock.now();
  const outcome = await core.group(`Wait for ${job.name}`, () =>
    pollJob({
      read: () => getJob(arm, inputs, job.name),
      initial: { name: job.name, status: job.status },
      clock: deps.clock,
      signal: deps.signal,
      timeoutMs: inputs.timeoutMs,
      log,
      onChange: (change, state) => {
        report.status(change.status, change.at);
        report.output(Output.jobStatus, change.status);
        if (state.experimentName) report.fact('Experiment', `\`${state.experimentName}\``);
      },
      notStarted: { afterMs: inputs.stuckAfterMs, statuses: WAITING_TO_START, warn: (j) => warnNotStarted(ctx, j, deployment) },
    }),
  );
  const final = outcome.job;
  if (outcome.kind === 'final') {
    if (mayCancel) core.saveState(State.pendingJob, '');
    if (final.status === 'Completed') {
      await core.group('Outputs', () => deliverOutputs(data, final.name, { report, log, downloadPath: inputs.downloadPath }));
      return;
    }
    if (final.status === 'Failed') throw await jobFailed(ctx, final, studio, deployment);
    if (final.status === 'Canceled')
      throw new ActionError('job-canceled', `Check in the studio who canceled job ${final.name}: it was canceled, not by this run: ${studio}`);
    throw new ActionError(
      'job-failed',
      `Check job ${final.name} in the studio: it has been ${final.status} for ${UNRESPONSIVE_AFTER_MS / 60_000} minutes, so this run stopped waiting: ${studio}`,
    );
  }

  const why = outcome.kind === 'timeout' ? `still ${final.status} after timeout-minutes (${inputs.timeoutMs / 60_000})` : 'the workflow was cancelled';
  if (!mayCancel) {
    throw new ActionError(
      outcome.kind === 'timeout' ? 'timeout' : 'cancelled',
      `Job ${final.name} is ${why}; it keeps running in Azure (cancel-on-timeout: false): ${studio}`,
    );
  }
  let status: string | undefined;
  try {
    status = await cancelJob(arm, inputs, final.name, log, CANCEL_CONFIRM_MS, deps.clock);
    core.saveState(State.pendingJob, '');
  } catch (err) {
    throw new ActionError('cancelled', `Cancel job ${final.name} in the studio: it is ${why}, and cancelling it failed (${describeThrown(err)}): ${studio}`);
  }
  report.status(status ?? 'CancelRequested', deps.clock.now() - waitStart);
  report.output(Output.jobStatus, status ?? 'CancelRequested');
  throw new ActionError(
    outcome.kind === 'timeout' ? 'timeout' : 'cancelled',
    outcome.kind === 'timeout'
      ? `Raise timeout-minutes or speed up the job: job ${final.name} was ${why}, so it was cancelled (status ${status ?? 'CancelRequested'}).`
      : `Job ${final.name} was cancelled because the workflow was (status ${status ?? 'CancelRequested'}).`,
  );
}

function privateLinkError(scoringUri: string, resource: string): ActionError {
  return networkError(explainPrivateLinkDenial({ what: `the scoring URI ${hostOf(scoringUri)}`, resource }));
}

function networkError(e: { headline: string; details: string[] }): ActionError {
  return new ActionError('network', e.headline, e.details);
}

/** stuck-after-minutes: one warning naming the cluster, its nodes and the likely cause. */
async function warnNotStarted(ctx: Ctx, job: JobState, deployment: Deployment): Promise<void> {
  const { arm, inputs, deps } = ctx;
  const cluster = deployment.compute ? await readCluster(arm, inputs, deployment.compute) : `deployment '${deployment.name}' names none`;
  const text = stuckWarning({
    job: job.name,
    status: job.status,
    minutes: +(inputs.stuckAfterMs / 60_000).toFixed(2),
    clusterName: deployment.compute?.split('/').pop(),
    cluster,
    nodesPerJob: deployment.nodesPerJob,
  });
  deps.core.warning(text);
  deps.report.section(`> ⚠️ ${text}`);
}

/** A failed job's own error and the lines of its logs that name the failure, from run history. */
async function jobFailed(ctx: Ctx, job: JobState, studio: string, deployment: Deployment): Promise<ActionError> {
  const { arm, http, inputs, session, log } = ctx;
  let refusal: RunHistoryRefusal | undefined;
  const unread = (err: unknown) => {
    if (err instanceof RunHistoryRefusal) refusal = err;
    else log.warning(`Could not read the job's error from run history: ${describeThrown(err)}`);
    return undefined;
  };
  const history = await openRunHistory(arm, http, inputs, () => session.token(inputs.cloud.armScope)).catch(unread);
  const error: RunError | undefined = history ? await history.details(job.name).then((d) => d.error, unread) : undefined;
  const message = error?.message ?? (refusal ? `(${refusal.message})` : 'run history gave no error message; see the job logs in the studio');
  const details = [`Studio: ${studio}`];
  let logLines = 0;
  if (refusal && isPrivateLinkDenial(refusal.said)) {
    details.push('', explainPrivateLinkDenial({ what: 'its run history', resource: `workspace '${inputs.workspace}'` }).headline);
  } else if (history) {
    const privacy = await privacyOfBatch(ctx);
    const logs = await ctx.deps.core.group(`Job logs: ${job.name}`, () => readJobLogs({ history, http, job: job.name, privacy }));
    logLines = logs.files.length;
    details.push('', ...showJobLogs(sink(ctx), job.name, logs));
  }
  let step = logLines ? 'Fix the error its logs name (below), then re-run' : "Fix the job's error (its logs are in the studio), then re-run";
  if (error && isStorageAuthError(`${error.code ?? ''} ${error.message}`)) {
    const cluster = deployment.compute?.split('/').pop();
    step = "Give the compute cluster's identity access to the data (below)";
    details.push('', `The job could not read or write storage. ${BATCH_DATA_ACCESS_REMEDY}`);
    if (cluster) details.push(`Here that identity is '${inputs.workspace}/computes/${cluster}'.`);
  }
  return new ActionError('job-failed', `${step}: job ${job.name} failed: ${message}`, details);
}

/** Storage authorization failures a batch job reports (protocol.md lists them). */
export function isStorageAuthError(text: string): boolean {
  return /AuthorizationPermissionMismatch|AuthorizationFailure|This request is not authorized to perform this operation|StreamAccess\.Authentication|WriteStreams\.Authentication|Authentication failed when trying to access|workspace msi failed to authenticate storage/i.test(
    text,
  );
}

async function runOnline(ctx: Ctx): Promise<void> {
  const { inputs, deps, arm, log, session, http } = ctx;
  const { report, core } = deps;
  // Until the endpoint is read its auth mode is unknown: reading it is the one action to check.
  const read = await core.group('Endpoint and permissions', async () => {
    const r = await readEndpointAndPermissions(ctx, onlineRequirements(ctx.scopes, 'key').slice(0, 1));
    const e = r.endpoint;
    const traffic =
      Object.entries(e.traffic)
        .map(([d, w]) => `${d} ${w}%`)
        .join(', ') || 'none';
    log.info(
      `Online endpoint '${e.name}': auth mode ${e.authMode}, ${e.kubernetes ? 'Kubernetes' : 'managed'}, traffic ${traffic}, scoring URI ${e.scoringUri || '(none yet)'}.`,
    );
    return r;
  });
  report.fact('Auth mode', read.endpoint.authMode ?? '?');
  const routed = inputs.deployment ? [inputs.deployment] : Object.keys(read.endpoint.traffic).filter((d) => read.endpoint.traffic[d] > 0);
  if (routed.length === 0) {
    throw new ActionError(
      'input',
      `Set 'deployment' or give a deployment traffic: online endpoint '${read.endpoint.name}' routes no traffic to any deployment.`,
    );
  }
  // The deployments' state and the scoring credential do not depend on each other: once the
  // pre-flight check has passed and the endpoint is ready, both are read at once, so reading the
  // deployments costs the run no round trip.
  const deploymentsRead = readOnlineDeployments(ctx, routed);
  deploymentsRead.catch(() => undefined); // awaited below, unless the pre-flight check stops the run first
  const required = onlineRequirements(ctx.scopes, read.endpoint.authMode!);
  const preflightPassed = await checkPermissions(ctx, read.entries, required);
  let mlToken: string | undefined;
  const credentialFor = (e: Endpoint) => scoringCredential(arm, inputs, e, async () => (mlToken = await session.token(inputs.cloud.mlScope)), core.setSecret);
  const early = inputs.checkPermissions !== 'only' && read.endpoint.provisioningState === 'Succeeded' ? credentialFor(read.endpoint) : undefined;
  early?.catch(() => undefined); // awaited before scoring, unless a deployment stops the run first
  const deployments = await deploymentsRead;
  if (inputs.deployment && !(read.endpoint.traffic[inputs.deployment] > 0)) {
    log.info(`Deployment '${inputs.deployment}' takes 0 % of the endpoint's traffic: it is scored through the azureml-model-deployment header.`);
  }
  report.fact('Deployment', inputs.deployment ? `\`${inputs.deployment}\`` : 'by traffic');
  if (onlyChecking(ctx)) return;
  const endpoint = await becomeReady(ctx, read.endpoint, [...deployments.values()]);
  report.output(Output.scoringUri, endpoint.scoringUri);
  const privacy = onlinePrivacy(endpoint.name, endpoint.publicNetworkAccess);
  await checkPrivateAccess({ privacy, scoringUri: endpoint.scoringUri, runnerEnvironment: deps.env.RUNNER_ENVIRONMENT, log });

  const request = inputs.request!;
  const concurrency = request.jsonl ? inputs.concurrency : 1;
  const result = await core.group(`Score (${request.bodies.length} request${request.bodies.length === 1 ? '' : 's'})`, async () => {
    const credential = await (early ?? credentialFor(endpoint));
    return score({
      http,
      log,
      endpoint,
      deployment: inputs.deployment,
      credential,
      contentType: inputs.contentType,
      bodies: request.bodies,
      concurrency,
    });
  });

  const first = result.results[0];
  const firstFailure = result.results.find((r) => r.status < 200 || r.status >= 300);
  const content = responseFileContent(result.results, request.jsonl);
  const file = deps.writeResponse(request.jsonl ? 'response.jsonl' : 'response.json', content);
  report.output(Output.statusCode, (firstFailure ?? first).status);
  report.output(Output.response, truncateUtf8(content, RESPONSE_OUTPUT_LIMIT));
  report.output(Output.responseFile, file);
  report.output(Output.latencyP50Ms, Math.round(result.p50));
  report.output(Output.latencyP95Ms, Math.round(result.p95));
  report.output(Output.failedRequests, result.failed);
  report.fact('Requests', `${result.results.length} (${result.failed} failed)`);
  report.fact('Latency p50 / p95', `${Math.round(result.p50)} ms / ${Math.round(result.p95)} ms`);
  report.fact('Status code', String((firstFailure ?? first).status));
  report.section(
    [
      '| Requests | Failed | Concurrency | p50 | p95 | max |',
      '| --- | --- | --- | --- | --- | --- |',
      `| ${result.results.length} | ${result.failed} | ${concurrency} | ${Math.round(result.p50)} ms | ${Math.round(result.p95)} ms | ${Math.round(result.max)} ms |`,
    ].join('\n'),
  );
  log.info(`${result.results.length} request(s): ${result.failed} failed, latency p50 ${Math.round(result.p50)} ms, p95 ${Math.round(result.p95)} ms.`);

  if (firstFailure) {
    throw await scoringFailed(
      result.results,
      {
        endpoint: endpoint.name,
        host: hostOf(endpoint.scoringUri),
        deployment: inputs.deployment,
        onlyDeployment: routed.length === 1 ? routed[0] : undefined,
        concurrency,
        privacy,
        figures: async (name) => (routed.includes(name) ? deployments : await readOnlineDeployments(ctx, [name])).get(name)?.figures,
      },
      request,
      {
        sink: sink(ctx),
        readModelLog: (name) => readModelLog(arm, inputs, name),
        authorization: (r) =>
          explainDataPlane(r.status, r.body, {
            ctx: ctx.diag,
            token: mlToken,
            expectedAudience: inputs.cloud.mlScope,
            authMode: endpoint.authMode,
            preflightPassed,
          }),
      },
    );
  }
  if (inputs.maxLatencyMs !== undefined && result.p95 > inputs.maxLatencyMs) {
    throw new ActionError(
      'scoring',
      `Make the model faster or raise max-latency-ms: the p95 latency, ${Math.round(result.p95)} ms, exceeds max-latency-ms ${inputs.maxLatencyMs}.`,
    );
  }
  report.setOutcome(`${result.results.length} request(s) scored`);
}

/**
 * The online deployments a run scores, by name. A deployment that does not exist stops the run,
 * naming those that do; one that cannot be read (its read action is not among those an online
 * invoke needs) is left out: its state and figures stay unknown, and the log says so.
 */
async function readOnlineDeployments(ctx: Ctx, names: string[]): Promise<Map<string, Deployment>> {
  const read = new Map<string, Deployment>();
  const results = await Promise.allSettled(names.map((name) => readDeployment(ctx.arm, ctx.inputs, name)));
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') return void read.set(names[i], r.value);
    const err: unknown = r.reason;
    if (err instanceof ActionError) throw err;
    const why = err instanceof ArmError ? [err.failure.status, err.failure.code].filter(Boolean).join(' ') : describeThrown(err);
    ctx.log.info(`Deployment '${names[i]}' was not read (${why || 'no answer'}); its state and settings are not checked.`);
  });
  return read;
}
