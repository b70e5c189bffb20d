// A batch run after sign-in: endpoint and deployment, pre-flight checks (storage included), local
// inputs uploaded, the job created and followed to its end, its outputs delivered, or its failure
// explained from run history; a job left behind by a timeout or a cancelled workflow is cancelled.
import { type Ctx, readEndpointAndPermissions, preflightFirst, sink, becomeReady, checkPermissions, onlyChecking, openScoringConnection } from '../phases.js';
import { DataAccess, deliverOutputs, hasLocalInputs } from '../storage/data.js';
import { storagePreflight } from '../permissions/storage.js';
import { buildJobBody, createJob, newInvocation, resolveInputs } from './batch.js';
import { batchRequirements, BATCH_DATA_ACCESS_REMEDY } from '../permissions/catalog.js';
import { Output, State } from '../constants.js';
import { explainDataPlane } from '../permissions/diagnose.js';
import { readDeployment, type Deployment } from '../azure/endpoints.js';
import { ActionError, describeThrown } from '../reporting/errors.js';
import { cancelJob, getJob, pollJob, UNRESPONSIVE_AFTER_MS, type JobState } from './jobs.js';
import {
  batchPrivacy,
  checkPrivateAccess,
  explainConnectionError,
  explainPrivateLinkDenial,
  hostOf,
  isPrivateLinkDenial,
  type Privacy,
} from '../azure/network.js';
import { RunHistoryRefusal, type RunError } from './run-history.js';
import { readJobLogs, showJobLogs } from './job-logs.js';
import { readCluster, stuckWarning, WAITING_TO_START } from './stuck.js';

/** How long a cancel may take to confirm, so the runner's 7.5 s grace period is kept. */
const CANCEL_CONFIRM_MS = 5_000;

/** Whether the batch endpoint is private: its workspace decides (read once, when first asked). */
async function privacyOfBatch(ctx: Ctx): Promise<Privacy> {
  return batchPrivacy(ctx.inputs.endpoint, ctx.inputs.workspace, await ctx.workspacePrivate());
}

export async function runBatch(ctx: Ctx): Promise<void> {
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
  openScoringConnection(ctx, read.endpoint);
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
  data.prepareOutputs();

  const waitStart = deps.clock.now();
  const outcome = await core.group(`Wait for ${job.name}`, () =>
    pollJob({
      read: (signal) => getJob(arm, inputs, job.name, signal),
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
    if (final.status === 'Failed') throw await jobFailed(ctx, data, final, studio, deployment);
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
async function jobFailed(ctx: Ctx, data: DataAccess, job: JobState, studio: string, deployment: Deployment): Promise<ActionError> {
  const { http, inputs, log } = ctx;
  let refusal: RunHistoryRefusal | undefined;
  const unread = (err: unknown) => {
    if (err instanceof RunHistoryRefusal) refusal = err;
    else log.warning(`Could not read the job's error from run history: ${describeThrown(err)}`);
    return undefined;
  };
  const history = await data.runHistory().catch(unread);
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
