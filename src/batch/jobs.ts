// Following a batch job: polling its status to the end and cancelling it. (A failed job's own
// error and logs are run history's: run-history.ts, job-logs.ts.)
import type { KnownJobStatus } from '@azure/arm-machinelearning';
import type { Arm } from '../azure/arm.js';
import { armCall, ArmError } from '../azure/arm.js';
import type { Log } from '../azure/http.js';
import type { Inputs } from '../inputs.js';
import { isRetryableStatus, pollIntervalMs } from '../azure/retry.js';
import { realClock, type Clock } from '../clock.js';
import { duration } from '../reporting/format.js';
import { ActionError } from '../reporting/errors.js';

export const FINAL_STATUSES = new Set(['Completed', 'Failed', 'Canceled']);
/**
 * JobStatus of the spec; the service may add more. Listed here rather than read from the SDK's
 * KnownJobStatus, whose module holds every enum of the API and would load them all with the step:
 * the type checks that the list is exactly the SDK's, no more, no less.
 */
const KNOWN_STATUSES: Record<`${KnownJobStatus}`, true> = {
  NotStarted: true,
  Starting: true,
  Provisioning: true,
  Preparing: true,
  Queued: true,
  Running: true,
  Finalizing: true,
  CancelRequested: true,
  Completed: true,
  Failed: true,
  Canceled: true,
  NotResponding: true,
  Paused: true,
  Unknown: true,
};

/** The line naming a status the action does not know, or undefined for a known one. */
export function unknownStatusLine(job: JobState): string | undefined {
  if (Object.hasOwn(KNOWN_STATUSES, job.status)) return undefined;
  return `Job ${job.name} reports status '${job.status}', which this action does not know: it is taken as not yet final, and the wait goes on until ${[...FINAL_STATUSES].join(', ')}.`;
}
/** Statuses that end a wait only when they persist: a job can come back from them. */
const UNRESPONSIVE_STATUSES = new Set(['NotResponding', 'Paused']);
/** How long they must persist (not stuck-after-minutes, which warns about a job that has not started). */
export const UNRESPONSIVE_AFTER_MS = 10 * 60_000;

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

export async function getJob(arm: Arm, inputs: Pick<Inputs, 'resourceGroup' | 'workspace'>, name: string, abortSignal?: AbortSignal): Promise<JobState> {
  return toState(name, await armCall(`read job '${name}'`, () => arm.ml.jobs.get(inputs.resourceGroup, inputs.workspace, name, { abortSignal })));
}

/** A job read unanswered this long is abandoned and counts as a failed read. */
export const READ_TIMEOUT_MS = 100_000;

export interface PollOptions {
  /** Reads the job; the signal aborts a read that went unanswered or a wait that was cancelled. */
  read(signal: AbortSignal): Promise<JobState>;
  /** The job as its creation reported it (what a wait cut short before any read returns). */
  initial: JobState;
  clock: Clock;
  signal: AbortSignal;
  timeoutMs: number;
  log: Log;
  onChange(change: StatusChange, job: JobState): void;
  /** Called after each read of the job, at the poll's pace (following its logs); not awaited. */
  onRead?(job: JobState): void;
  /** Consecutive failed reads tolerated (each already retried by the transport). */
  maxFailedReads?: number;
  /** Default READ_TIMEOUT_MS; real time, not the clock's (a hung connection does not follow it). */
  readTimeoutMs?: number;
  /** Called once when the job is still in one of `statuses` after `afterMs` (stuck-after-minutes). */
  notStarted?: { afterMs: number; statuses: ReadonlySet<string>; warn(job: JobState): Promise<void> };
}

/**
 * Reads the job until it ends, the wait times out or the signal aborts. Prints each status change
 * with the time waited. NotResponding and Paused end the wait only after UNRESPONSIVE_AFTER_MS.
 */
export async function pollJob(o: PollOptions): Promise<PollOutcome> {
  const start = o.clock.now();
  let last: JobState | undefined;
  let stuckSince: number | undefined;
  let failedReads = 0;
  let warned = false;
  const named = new Set<string>();
  for (;;) {
    const elapsed = o.clock.now() - start;
    if (o.signal.aborted) return { kind: 'aborted', job: last ?? o.initial };
    const readAt = o.clock.now();
    // Without a limit, a connection that stalls would hold the wait past timeout-minutes.
    const unanswered = AbortSignal.timeout(o.readTimeoutMs ?? READ_TIMEOUT_MS);
    try {
      const job = await o.read(AbortSignal.any([o.signal, unanswered]));
      failedReads = 0;
      if (!last || job.status !== last.status) {
        o.log.info(`${job.name}: ${job.status} (after ${duration(elapsed)})`);
        const unknown = named.has(job.status) ? undefined : unknownStatusLine(job);
        if (unknown) o.log.info(unknown);
        named.add(job.status);
        o.onChange({ status: job.status, at: elapsed }, job);
        stuckSince = UNRESPONSIVE_STATUSES.has(job.status) ? elapsed : undefined;
      }
      last = job;
      o.onRead?.(job);
      if (FINAL_STATUSES.has(job.status)) return { kind: 'final', job };
      if (stuckSince !== undefined && elapsed - stuckSince >= UNRESPONSIVE_AFTER_MS) return { kind: 'final', job };
      const n = o.notStarted;
      if (n && !warned && elapsed >= n.afterMs && n.statuses.has(job.status)) {
        warned = true;
        await n.warn(job);
      }
    } catch (err) {
      if (o.signal.aborted) return { kind: 'aborted', job: last ?? o.initial };
      // A read that failed for good (after the transport's retries) or went unanswered is tolerated
      // a few times: abandoning a paid job over a passing outage is worse than waiting a little longer.
      const why = unanswered.aborted
        ? `no answer in ${Math.round((o.readTimeoutMs ?? READ_TIMEOUT_MS) / 1000)} s`
        : err instanceof ArmError && isRetryableStatus(err.failure.status)
          ? err.failure.message
          : undefined;
      if (why === undefined) throw err;
      if (++failedReads > (o.maxFailedReads ?? 3)) {
        if (!unanswered.aborted) throw err;
        throw new ActionError(
          'azure',
          `Check Azure's status and the job in the studio: job ${o.initial.name}'s status went unanswered ${failedReads} times in a row (${why} each).`,
        );
      }
      o.log.warning(`Could not read the job's status (${why}); trying again.`);
    }
    if (o.clock.now() - start >= o.timeoutMs) return { kind: 'timeout', job: last ?? o.initial };
    // Reads start an interval apart, however long each takes to answer: on a slow link the end is
    // still seen within the interval (the wait alone would add a round trip to each).
    const sinceRead = o.clock.now() - readAt;
    const wait = Math.min(Math.max(0, pollIntervalMs(o.clock.now() - start) - sinceRead), Math.max(0, o.timeoutMs - (o.clock.now() - start)));
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
