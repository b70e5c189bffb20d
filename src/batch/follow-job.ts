// Following a batch job once it exists, whether this step created it or attached to it (job-name):
// its status to the end with its progress and, when asked, its own log lines; then its outputs, or
// its failure explained from run history; a job left behind by a timeout or a cancelled workflow is
// cancelled when cancel-on-timeout allows.
import { type Ctx, sink } from '../phases.js';
import { DataAccess, deliverOutputs } from '../storage/data.js';
import { BATCH_DATA_ACCESS_REMEDY } from '../permissions/catalog.js';
import { Output, State } from '../constants.js';
import type { Deployment } from '../azure/endpoints.js';
import { resourceName } from '../azure/arm.js';
import { ActionError, describeThrown } from '../reporting/errors.js';
import { cancelJob, FINAL_STATUSES, getJob, pollJob, UNRESPONSIVE_AFTER_MS, type JobState, type PollOutcome } from './jobs.js';
import { batchPrivacy, explainPrivateLinkDenial, isPrivateLinkDenial, type Privacy } from '../azure/network.js';
import { RunHistoryRefusal, type RunError } from './run-history.js';
import { readJobLogs, showJobLogs } from './job-logs.js';
import { readCluster, stuckWarning, WAITING_TO_START } from './stuck.js';
import { LogFollower } from './log-follower.js';
import { summarizeProgress } from './progress.js';

/** How long a cancel may take to confirm, so the runner's 7.5 s grace period is kept. */
const CANCEL_CONFIRM_MS = 5_000;

/** A job to follow, as its creation or the read of an existing one gave it. */
export interface StartedJob {
  job: JobState;
  studio: string;
  data: DataAccess;
  /** Whether this step created it (else it attached to it with job-name). */
  created: boolean;
  /** The batch endpoint it belongs to, when known. */
  endpoint?: string;
  /** The deployment it runs on, for diagnostics (undefined when it cannot be told or read). */
  deployment(): Promise<Deployment | undefined>;
}

/** Whether the batch endpoint is private: its workspace decides (read once, when first asked). */
export async function privacyOfBatch(ctx: Ctx, endpoint = ctx.inputs.endpoint): Promise<Privacy> {
  const privacy = batchPrivacy(endpoint, ctx.inputs.workspace, await ctx.workspacePrivate());
  // A job attached to by name, whose endpoint is not known: its workspace is what is private.
  return endpoint ? privacy : { ...privacy, resource: `workspace '${ctx.inputs.workspace}'` };
}

/** The job's outputs, summary line and log line, once it is known; returns its studio link. */
export function announceJob(ctx: Ctx, job: JobState, verb: 'Created' | 'Attached to'): string {
  const { report } = ctx.deps;
  const studio = job.studioUrl ?? `${ctx.inputs.cloud.studio}/runs/${job.name}?wsid=${ctx.scopes.workspace}`;
  report.output(Output.jobName, job.name);
  report.output(Output.jobStatus, job.status);
  report.output(Output.jobUrl, studio);
  report.fact('Job', `[${job.name}](${studio})`);
  ctx.log.info(`${verb} job ${job.name}: ${studio}`);
  return studio;
}

/** Reads the job's logs while it runs, unless stream-logs: false. */
function logFollower(ctx: Ctx, s: StartedJob, waitStart: number): LogFollower | undefined {
  const { inputs, deps, http } = ctx;
  if (inputs.streamLogs === 'false') return undefined;
  return new LogFollower({
    job: s.job.name,
    history: () => s.data.runHistory(),
    http,
    clock: deps.clock,
    lines: inputs.streamLogs === 'true',
    out: {
      info: (line) => deps.core.info(line),
      notice: (message) => deps.core.notice(message),
      debug: (message) => deps.core.debug(message),
      progress: (p) => deps.report.fact('Progress', summarizeProgress(p, deps.clock.now() - waitStart) ?? ''),
    },
  });
}

/** Waits for the job to end, then delivers its outputs or explains its end. */
export async function followJob(ctx: Ctx, s: StartedJob): Promise<void> {
  const { inputs, deps, arm, log } = ctx;
  const { report, core } = deps;
  const { job } = s;
  if (inputs.cancelOnTimeout) core.saveState(State.pendingJob, JSON.stringify({ name: job.name }));
  s.data.prepareOutputs();
  const waitStart = deps.clock.now();
  const follower = logFollower(ctx, s, waitStart);
  const outcome = await core.group(`Wait for ${job.name}`, async () => {
    const o = await pollJob({
      read: (signal) => getJob(arm, inputs, job.name, signal),
      initial: job,
      clock: deps.clock,
      signal: deps.signal,
      timeoutMs: inputs.timeoutMs,
      log,
      onChange: (change, state) => {
        report.status(change.status, change.at);
        report.output(Output.jobStatus, change.status);
        if (state.experimentName) report.fact('Experiment', `\`${state.experimentName}\``);
      },
      onRead: (j) => {
        if (!FINAL_STATUSES.has(j.status)) follower?.poll(j.status);
      },
      notStarted: { afterMs: inputs.stuckAfterMs, statuses: WAITING_TO_START, warn: (j) => warnNotStarted(ctx, j, s) },
    });
    // The last lines come before the outcome; a wait cut short reads nothing more.
    if (o.kind === 'final') await follower?.finish(o.job.status);
    else follower?.stop();
    return o;
  });
  if (outcome.kind === 'final') return jobEnded(ctx, s, outcome.job);
  return stopWaiting(ctx, s, outcome, waitStart);
}

async function jobEnded(ctx: Ctx, s: StartedJob, final: JobState): Promise<void> {
  const { inputs, deps, log } = ctx;
  if (inputs.cancelOnTimeout) deps.core.saveState(State.pendingJob, '');
  if (final.status === 'Completed') {
    await deps.core.group('Outputs', () => deliverOutputs(s.data, final.name, { report: deps.report, log, downloadPath: inputs.downloadPath }));
    return;
  }
  if (final.status === 'Failed') throw await jobFailed(ctx, s, final);
  if (final.status === 'Canceled')
    throw new ActionError('job-canceled', `Check in the studio who canceled job ${final.name}: it was canceled, not by this run: ${s.studio}`);
  throw new ActionError(
    'job-failed',
    `Check job ${final.name} in the studio: it has been ${final.status} for ${UNRESPONSIVE_AFTER_MS / 60_000} minutes, so this run stopped waiting: ${s.studio}`,
  );
}

/** A wait that timed out or was cancelled: the job is cancelled when cancel-on-timeout allows, and the step fails saying so. */
async function stopWaiting(ctx: Ctx, s: StartedJob, outcome: Exclude<PollOutcome, { kind: 'final' }>, waitStart: number): Promise<never> {
  const { inputs, deps, arm, log } = ctx;
  const final = outcome.job;
  const kind = outcome.kind === 'timeout' ? 'timeout' : 'cancelled';
  const why = outcome.kind === 'timeout' ? `still ${final.status} after timeout-minutes (${inputs.timeoutMs / 60_000})` : 'the workflow was cancelled';
  if (!inputs.cancelOnTimeout) {
    const because = s.created ? 'cancel-on-timeout: false' : 'this step attached to it; cancel-on-timeout: true would cancel it';
    throw new ActionError(kind, `Job ${final.name} is ${why}; it keeps running in Azure (${because}): ${s.studio}`);
  }
  let status: string | undefined;
  try {
    status = await cancelJob(arm, inputs, final.name, log, CANCEL_CONFIRM_MS, deps.clock);
    deps.core.saveState(State.pendingJob, '');
  } catch (err) {
    throw new ActionError('cancelled', `Cancel job ${final.name} in the studio: it is ${why}, and cancelling it failed (${describeThrown(err)}): ${s.studio}`);
  }
  deps.report.status(status ?? 'CancelRequested', deps.clock.now() - waitStart);
  deps.report.output(Output.jobStatus, status ?? 'CancelRequested');
  throw new ActionError(
    kind,
    outcome.kind === 'timeout'
      ? `Raise timeout-minutes or speed up the job: job ${final.name} was ${why}, so it was cancelled (status ${status ?? 'CancelRequested'}).`
      : `Job ${final.name} was cancelled because the workflow was (status ${status ?? 'CancelRequested'}).`,
  );
}

/** stuck-after-minutes: one warning naming the cluster, its nodes and the likely cause. */
async function warnNotStarted(ctx: Ctx, job: JobState, s: StartedJob): Promise<void> {
  const { arm, inputs, deps } = ctx;
  const deployment = await s.deployment();
  const cluster = deployment?.compute
    ? await readCluster(arm, inputs, deployment.compute)
    : deployment
      ? `deployment '${deployment.name}' names none`
      : 'the job does not say which deployment it runs on';
  const text = stuckWarning({
    job: job.name,
    status: job.status,
    minutes: +(inputs.stuckAfterMs / 60_000).toFixed(2),
    clusterName: deployment?.compute === undefined ? undefined : resourceName(deployment.compute),
    cluster,
    nodesPerJob: deployment?.nodesPerJob,
  });
  deps.core.warning(text);
  deps.report.section(`> ⚠️ ${text}`);
}

/** A failed job's own error and the lines of its logs that name the failure, from run history. */
async function jobFailed(ctx: Ctx, s: StartedJob, job: JobState): Promise<ActionError> {
  const { http, inputs, log } = ctx;
  let refusal: RunHistoryRefusal | undefined;
  const unread = (err: unknown) => {
    if (err instanceof RunHistoryRefusal) refusal = err;
    else log.warning(`Could not read the job's error from run history: ${describeThrown(err)}`);
    return undefined;
  };
  const history = await s.data.runHistory().catch(unread);
  const error: RunError | undefined = history ? await history.details(job.name).then((d) => d.error, unread) : undefined;
  const message = error?.message ?? (refusal ? `(${refusal.message})` : 'run history gave no error message; see the job logs in the studio');
  const details = [`Studio: ${s.studio}`];
  let logLines = 0;
  if (refusal && isPrivateLinkDenial(refusal.said)) {
    details.push('', explainPrivateLinkDenial({ what: 'its run history', resource: `workspace '${inputs.workspace}'` }).headline);
  } else if (history) {
    const privacy = await privacyOfBatch(ctx, s.endpoint);
    const logs = await ctx.deps.core.group(`Job logs: ${job.name}`, () => readJobLogs({ history, http, job: job.name, privacy }));
    logLines = logs.files.length;
    details.push('', ...showJobLogs(sink(ctx), job.name, logs));
  }
  let step = logLines ? 'Fix the error its logs name (below), then re-run' : "Fix the job's error (its logs are in the studio), then re-run";
  if (error && isStorageAuthError(`${error.code ?? ''} ${error.message}`)) {
    const compute = (await s.deployment())?.compute;
    const cluster = compute === undefined ? undefined : resourceName(compute);
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
