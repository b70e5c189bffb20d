// Following a batch job: polling its status to the end, cancelling it, and reading a failed job's
// own error from run history (the resource manager's Job carries none).
import type { Arm } from '../azure/arm.js';
import { armCall, ArmError } from '../azure/arm.js';
import { send, type Http, type Log } from '../azure/http.js';
import type { Inputs } from '../inputs.js';
import { isRetryableStatus, pollIntervalMs } from '../azure/retry.js';
import { parseErrorBody } from '../azure/azure-errors.js';
import { realClock, type Clock } from '../clock.js';
import { duration } from '../reporting/format.js';

export const FINAL_STATUSES = new Set(['Completed', 'Failed', 'Canceled']);
/** Statuses that end a wait only when they persist: a job can come back from them. */
const STUCK_STATUSES = new Set(['NotResponding', 'Paused']);
export const STUCK_AFTER_MS = 10 * 60_000;

export interface JobState {
  name: string;
  status: string;
  studioUrl?: string;
  experimentName?: string;
}

export interface StatusChange {
  status: string;
  /** ms since the wait began. */
  at: number;
}

export type PollOutcome = { kind: 'final'; job: JobState } | { kind: 'timeout'; job: JobState } | { kind: 'aborted'; job: JobState };

type JobBase = Awaited<ReturnType<Arm['ml']['jobs']['get']>>;

/** The fields of a resource manager Job this action follows. */
export function toState(name: string, job: JobBase): JobState {
  const p = job.properties;
  return {
    name,
    status: p.status ?? 'Unknown',
    studioUrl: p.services?.Studio?.endpoint,
    experimentName: p.experimentName,
  };
}

export async function getJob(arm: Arm, inputs: Pick<Inputs, 'resourceGroup' | 'workspace'>, name: string): Promise<JobState> {
  return toState(name, await armCall(`read job '${name}'`, () => arm.ml.jobs.get(inputs.resourceGroup, inputs.workspace, name)));
}

export interface PollOptions {
  read(): Promise<JobState>;
  /** The job as its creation reported it (what a wait cut short before any read returns). */
  initial: JobState;
  clock: Clock;
  signal: AbortSignal;
  timeoutMs: number;
  log: Log;
  onChange(change: StatusChange, job: JobState): void;
  /** Consecutive failed reads tolerated (each already retried by the transport). */
  maxFailedReads?: number;
}

/**
 * Reads the job until it ends, the wait times out or the signal aborts. Prints each status change
 * with the time waited. NotResponding and Paused end the wait only after STUCK_AFTER_MS.
 */
export async function pollJob(o: PollOptions): Promise<PollOutcome> {
  const start = o.clock.now();
  let last: JobState | undefined;
  let stuckSince: number | undefined;
  let failedReads = 0;
  for (;;) {
    const elapsed = o.clock.now() - start;
    if (o.signal.aborted) return { kind: 'aborted', job: last ?? o.initial };
    try {
      const job = await o.read();
      failedReads = 0;
      if (!last || job.status !== last.status) {
        o.log.info(`${job.name}: ${job.status} (after ${duration(elapsed)})`);
        o.onChange({ status: job.status, at: elapsed }, job);
        stuckSince = STUCK_STATUSES.has(job.status) ? elapsed : undefined;
      }
      last = job;
      if (FINAL_STATUSES.has(job.status)) return { kind: 'final', job };
      if (stuckSince !== undefined && elapsed - stuckSince >= STUCK_AFTER_MS) return { kind: 'final', job };
    } catch (err) {
      // A read that failed for good (after the transport's retries) is tolerated a few times:
      // abandoning a paid job over a passing outage is worse than waiting a little longer.
      const transient = err instanceof ArmError && isRetryableStatus(err.failure.status);
      if (!transient || ++failedReads > (o.maxFailedReads ?? 3)) throw err;
      o.log.warning(`Could not read the job's status (${err.failure.message}); trying again.`);
    }
    if (o.clock.now() - start >= o.timeoutMs) return { kind: 'timeout', job: last ?? o.initial };
    const wait = Math.min(pollIntervalMs(o.clock.now() - start), Math.max(0, o.timeoutMs - (o.clock.now() - start)));
    await o.clock.sleep(wait, o.signal);
  }
}

/**
 * Asks Azure to cancel the job and waits (up to waitMs) to see it end, so the log can confirm the
 * final status. Returns the last status read.
 */
export async function cancelJob(
  arm: Arm,
  inputs: Pick<Inputs, 'resourceGroup' | 'workspace'>,
  name: string,
  log: Log,
  waitMs: number,
  clock: Clock = realClock,
): Promise<string | undefined> {
  const deadline = clock.now() + waitMs;
  log.info(`Cancelling job ${name}...`);
  const poller = await armCall(`cancel job '${name}'`, () =>
    arm.ml.jobs.beginCancel(inputs.resourceGroup, inputs.workspace, name, { updateIntervalInMs: 500 }),
  );
  // The cancel operation and the job's own status are both watched until the deadline.
  const done = poller.pollUntilDone().then(
    () => true,
    () => false,
  );
  const timeout = new Promise<false>((r) => setTimeout(() => r(false), Math.max(0, deadline - clock.now())).unref());
  await Promise.race([done, timeout]);
  poller.stopPolling();
  let status: string | undefined;
  while (clock.now() < deadline) {
    status = await getJob(arm, inputs, name).then(
      (j) => j.status,
      () => undefined,
    );
    if (status && FINAL_STATUSES.has(status)) break;
    await clock.sleep(Math.min(500, Math.max(0, deadline - clock.now())));
  }
  log.info(status ? `Job ${name} cancel requested; its status is now ${status}.` : `Job ${name} cancel requested; its final status could not be read in time.`);
  return status;
}

export interface RunError {
  code?: string;
  message: string;
}

/**
 * The workspace's run history base, …/history/v1.0/subscriptions/…/workspaces/<ws>, as azure-ai-ml
 * finds it: the workspace's discovery URL names the host. Undefined when the workspace has none.
 */
export async function runHistoryUrl(arm: Arm, http: Http, inputs: Pick<Inputs, 'subscriptionId' | 'resourceGroup' | 'workspace'>): Promise<string | undefined> {
  const ws = await armCall(`read workspace '${inputs.workspace}'`, () => arm.ml.workspaces.get(inputs.resourceGroup, inputs.workspace));
  if (!ws.discoveryUrl) return undefined;
  const discovery = await send(http, http.reads, { url: ws.discoveryUrl, method: 'GET' });
  if (discovery.status !== 200 || !discovery.bodyAsText) return undefined;
  const urls = JSON.parse(discovery.bodyAsText) as Record<string, string>;
  const host = (urls.history ?? urls.api ?? '').replace(/\/+$/, '');
  if (!host) return undefined;
  return `${host}/history/v1.0/subscriptions/${inputs.subscriptionId}/resourceGroups/${inputs.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${inputs.workspace}`;
}

/**
 * A failed job's own error, as azure-ai-ml reads it: the workspace's discovery URL gives the run
 * history host, whose run details carry error.error.{code,message}.
 */
export async function readRunError(
  arm: Arm,
  http: Http,
  inputs: Pick<Inputs, 'subscriptionId' | 'resourceGroup' | 'workspace'>,
  name: string,
  armToken: () => Promise<string>,
): Promise<RunError | undefined> {
  const history = await runHistoryUrl(arm, http, inputs);
  if (!history) return undefined;
  const details = await send(http, http.reads, {
    url: `${history}/runs/${encodeURIComponent(name)}/details`,
    method: 'GET',
    headers: { authorization: `Bearer ${await armToken()}`, accept: 'application/json' },
  });
  if (details.status !== 200 || !details.bodyAsText) {
    const said = parseErrorBody(details.bodyAsText).message;
    return { message: `(run history answered ${details.status}${said ? `: ${said}` : ''})` };
  }
  const body = JSON.parse(details.bodyAsText) as { error?: { error?: { code?: string; message?: string; details?: { message?: string }[] } } };
  const e = body.error?.error;
  if (!e?.message) return undefined;
  const extra = (e.details ?? []).map((d) => d.message).filter(Boolean);
  return { code: e.code, message: [e.message, ...extra].join(' ') };
}
