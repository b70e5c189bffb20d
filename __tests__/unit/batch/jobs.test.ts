// The poller on a compressed clock: no real waiting.
import { describe, expect, it } from 'vitest';
import { pollJob, UNRESPONSIVE_AFTER_MS, type JobState } from '../../../src/batch/jobs.js';
import { ArmError } from '../../../src/azure/arm.js';
import type { Clock } from '../../../src/clock.js';
import { fakeClock } from '../fake-clock.js';
const quiet = { info: () => undefined, warning: () => undefined, debug: () => undefined };

/** A job whose status at time t is given by a timeline of [from ms, status]. */
function job(timeline: [number, string][], clock: Clock) {
  let reads = 0;
  return {
    reads: () => reads,
    read: (): Promise<JobState> => {
      reads++;
      const status = [...timeline].reverse().find(([from]) => clock.now() >= from)![1];
      return Promise.resolve({ name: 'batchjob-1', status });
    },
  };
}

function poll(clock: Clock, read: () => Promise<JobState>, o: { timeoutMs?: number; signal?: AbortSignal } = {}) {
  const changes: string[] = [];
  const done = pollJob({
    read,
    initial: { name: 'batchjob-1', status: 'Preparing' },
    clock,
    signal: o.signal ?? new AbortController().signal,
    timeoutMs: o.timeoutMs ?? 3600_000,
    log: quiet,
    onChange: (c) => changes.push(`${c.status}@${c.at}`),
  });
  return { done, changes };
}

describe('pollJob', () => {
  it('takes a status it does not know as not final, and names it once however often it comes back', async () => {
    const clock = fakeClock();
    const j = job(
      [
        [0, 'Running'],
        [5_000, 'Hibernating'],
        [20_000, 'Running'],
        [30_000, 'Hibernating'],
        [60_000, 'Completed'],
      ],
      clock,
    );
    const lines: string[] = [];
    const outcome = await pollJob({
      read: j.read,
      initial: { name: 'batchjob-1', status: 'Preparing' },
      clock,
      signal: new AbortController().signal,
      timeoutMs: 3600_000,
      log: { ...quiet, info: (m) => lines.push(m) },
      onChange: () => undefined,
    });
    expect(outcome.kind).toBe('final');
    expect(outcome.job.status).toBe('Completed');
    expect(lines.filter((l) => /^batchjob-1: Hibernating/.test(l))).toHaveLength(2);
    expect(lines.filter((l) => l.includes("status 'Hibernating'"))).toEqual([
      "Job batchjob-1 reports status 'Hibernating', which this action does not know: it is taken as not yet final, and the wait goes on until Completed, Failed, Canceled.",
    ]);
    // Every status of the spec is known: none is named.
    expect(lines.filter((l) => /does not know/.test(l))).toHaveLength(1);
  });

  it('reports each status change with the time waited and ends on Completed', async () => {
    const clock = fakeClock();
    const j = job(
      [
        [0, 'Preparing'],
        [5_000, 'Running'],
        [60_000, 'Completed'],
      ],
      clock,
    );
    const { done, changes } = poll(clock, j.read);
    expect((await done).kind).toBe('final');
    expect(changes.slice(0, 2)).toEqual(['Preparing@0', 'Running@6000']);
    const completedAt = Number(changes[2].replace('Completed@', ''));
    // Noticed within max(2 s, 10 % of the time waited).
    expect(completedAt).toBeGreaterThanOrEqual(60_000);
    expect(completedAt - 60_000).toBeLessThanOrEqual(6_000);
  });

  it('starts reads an interval apart however long each takes to answer, so a slow link still sees the end in time', async () => {
    const clock = fakeClock();
    const starts: number[] = [];
    const slowRead = (): Promise<JobState> => {
      starts.push(clock.t);
      const status = clock.t >= 9_100 ? 'Completed' : 'Running';
      clock.t += 300; // each read takes 300 ms to answer
      return Promise.resolve({ name: 'batchjob-1', status });
    };
    expect((await poll(clock, slowRead).done).kind).toBe('final');
    expect(starts).toEqual([0, 2_000, 4_000, 6_000, 8_000, 10_000]);
    // The job ended at 9.1 s and the read that saw it left 0.9 s later, within the 2 s allowed.
    expect(starts.at(-1)! - 9_100).toBeLessThanOrEqual(2_000);
  });

  it('treats NotResponding as final only once it persists', async () => {
    const clock = fakeClock();
    const blip = job(
      [
        [0, 'Running'],
        [10_000, 'NotResponding'],
        [40_000, 'Running'],
        [100_000, 'Completed'],
      ],
      clock,
    );
    const first = poll(clock, blip.read);
    expect((await first.done).job.status).toBe('Completed');
    const clock2 = fakeClock();
    const stuck = job(
      [
        [0, 'Running'],
        [10_000, 'NotResponding'],
      ],
      clock2,
    );
    const second = await poll(clock2, stuck.read).done;
    expect(second).toMatchObject({ kind: 'final', job: { status: 'NotResponding' } });
    expect(clock2.t).toBeGreaterThanOrEqual(10_000 + UNRESPONSIVE_AFTER_MS);
  });

  it('times out without overshooting the deadline', async () => {
    const clock = fakeClock();
    const j = job([[0, 'Running']], clock);
    const r = await poll(clock, j.read, { timeoutMs: 95_000 }).done;
    expect(r.kind).toBe('timeout');
    expect(clock.t).toBe(95_000);
  });

  it('stops at once when the signal aborts, returning the job as created if nothing was read', async () => {
    const clock = fakeClock();
    const aborted = new AbortController();
    aborted.abort();
    const r = await poll(clock, job([[0, 'Running']], clock).read, { signal: aborted.signal }).done;
    expect(r).toEqual({ kind: 'aborted', job: { name: 'batchjob-1', status: 'Preparing' } });
  });

  it('tolerates a few reads that failed for good, but not a denial', async () => {
    const clock = fakeClock();
    let n = 0;
    const flaky = (): Promise<JobState> =>
      ++n <= 3
        ? Promise.reject(new ArmError('read job', { status: 503, message: 'unavailable' }))
        : Promise.resolve({ name: 'batchjob-1', status: 'Completed' });
    expect((await poll(clock, flaky).done).kind).toBe('final');
    const denied = (): Promise<JobState> => Promise.reject(new ArmError('read job', { status: 403, code: 'AuthorizationFailed', message: 'no' }));
    await expect(poll(fakeClock(), denied).done).rejects.toBeInstanceOf(ArmError);
    let m = 0;
    const down = (): Promise<JobState> => {
      m++;
      return Promise.reject(new ArmError('read job', { status: 500, message: 'down' }));
    };
    await expect(poll(fakeClock(), down).done).rejects.toBeInstanceOf(ArmError);
    expect(m).toBe(4);
  });

  it('abandons a read that goes unanswered, tries again, and fails clearly when none is answered', async () => {
    // A read that never answers on its own: it settles only when its signal aborts.
    const hangs = (signal: AbortSignal) => new Promise<JobState>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    const warnings: string[] = [];
    const log = { ...quiet, warning: (m: string) => warnings.push(m) };
    const base = { initial: { name: 'batchjob-1', status: 'Running' }, timeoutMs: 3600_000, onChange: () => undefined, log, readTimeoutMs: 20 };
    let n = 0;
    const once = await pollJob({
      ...base,
      clock: fakeClock(),
      signal: new AbortController().signal,
      read: (signal) => (++n === 1 ? hangs(signal) : Promise.resolve({ name: 'batchjob-1', status: 'Completed' })),
    });
    expect(once).toMatchObject({ kind: 'final', job: { status: 'Completed' } });
    expect(warnings).toEqual(["Could not read the job's status (no answer in 0 s); trying again."]);
    const never = pollJob({ ...base, clock: fakeClock(), signal: new AbortController().signal, read: hangs });
    await expect(never).rejects.toThrow("job batchjob-1's status went unanswered 4 times in a row");
  });

  it('a cancelled workflow ends a read that hangs', async () => {
    const cancelled = new AbortController();
    const r = pollJob({
      initial: { name: 'batchjob-1', status: 'Running' },
      clock: fakeClock(),
      signal: cancelled.signal,
      timeoutMs: 3600_000,
      log: quiet,
      onChange: () => undefined,
      read: (signal) => {
        setTimeout(() => cancelled.abort(), 10);
        return new Promise<JobState>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
      },
    });
    expect(await r).toEqual({ kind: 'aborted', job: { name: 'batchjob-1', status: 'Running' } });
  });

  it('a 6-hour job costs about 750 reads (the interval is capped at 30 s)', async () => {
    const clock = fakeClock();
    const j = job(
      [
        [0, 'Running'],
        [6 * 3600_000, 'Completed'],
      ],
      clock,
    );
    await poll(clock, j.read, { timeoutMs: 7 * 3600_000 }).done;
    expect(j.reads()).toBeGreaterThan(700);
    expect(j.reads()).toBeLessThan(800);
  });

  it('warns once about a job that has not started after stuck-after-minutes, and not about one that has', async () => {
    const notStarted = (timeline: [number, string][]) => {
      const clock = fakeClock();
      const warned: string[] = [];
      const done = pollJob({
        read: job(timeline, clock).read,
        initial: { name: 'batchjob-1', status: 'NotStarted' },
        clock,
        signal: new AbortController().signal,
        timeoutMs: 3600_000,
        log: quiet,
        onChange: () => undefined,
        notStarted: {
          afterMs: 600_000,
          statuses: new Set(['NotStarted', 'Queued', 'Preparing']),
          warn: (j) => {
            warned.push(`${j.status}@${clock.t}`);
            return Promise.resolve();
          },
        },
      });
      return { done, warned };
    };
    const queued = notStarted([
      [0, 'Queued'],
      [1800_000, 'Running'],
      [1900_000, 'Completed'],
    ]);
    expect((await queued.done).kind).toBe('final');
    expect(queued.warned).toHaveLength(1);
    expect(queued.warned[0]).toMatch(/^Queued@(\d+)$/);
    expect(Number(queued.warned[0].split('@')[1])).toBeGreaterThanOrEqual(600_000);
    expect(Number(queued.warned[0].split('@')[1])).toBeLessThan(600_000 + 60_000);
    const started = notStarted([
      [0, 'Queued'],
      [60_000, 'Running'],
      [1900_000, 'Completed'],
    ]);
    await started.done;
    expect(started.warned).toEqual([]);
  });
});
