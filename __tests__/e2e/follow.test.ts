// Long batch jobs followed live (issue 21): progress that advances, rotates, stalls and uses an
// older wording; the job's own lines, each printed once across polls, or none (stream-logs:
// progress). One emulator on its manual clock, an endpoint per kind of job; the tests run one after
// the other, each moving the clock on after each read of its job's logs, so a job of an hour passes
// in a few polls. (Attaching to a job: attach.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulator, step, type Emulator, type StepResult } from './helpers.js';
import type { JobPlan } from '../../emulator/src/index.js';

const MIN = 60_000;
const batch = { 'endpoint-type': 'batch', input: 'https://example.blob.core.windows.net/data/heart/' };
const LOG_FILE = /\/azureml\/ExperimentRun\/dcid\.[^/]+\/(.+)$/;
const running = (minutes: number, progress: JobPlan['progress'] = {}): JobPlan => ({ steps: [{ status: 'Running', durationMs: minutes * MIN }], progress });

let emu: Emulator;
beforeAll(async () => {
  emu = await emulator({
    clock: 'manual',
    batchEndpoints: [
      { name: 'hours-batch', jobPlan: running(75, { miniBatches: 12, scriptLines: ['::error::a line of the job, not a command'] }) },
      { name: 'stalling-batch', jobPlan: running(40, { miniBatches: 10, stallAfterMs: 12 * MIN }) },
      { name: 'older-batch', jobPlan: running(20, { miniBatches: 6, runtime: 'older' }) },
    ],
  });
});
afterAll(() => emu.close());

/**
 * Runs the step with debug output on and moves the emulator's clock on by stepMs once the job is
 * created and after each read of its logs (the follower's debug line), so each poll finds the job
 * further on.
 */
function stepOnClock(inputs: Record<string, string>, stepMs: number): Promise<StepResult> {
  let pending = '';
  return step(emu, inputs, {
    env: { RUNNER_DEBUG: '1' },
    onStdout: (text) => {
      const lines = (pending + text).split('\n');
      pending = lines.pop()!;
      for (const line of lines) if (/^(Created job|::debug::Logs of batchjob-)/.test(line)) emu.clock.advance(stepMs);
    },
  });
}

/** The log blobs of this job read, in order: file path, status, Range asked for. */
function logReads(name: string): { path: string; status: number; range?: string }[] {
  const child = emu.jobs().find((j) => j.name === name)!.childRunId;
  return emu.log
    .filter((e) => e.method === 'GET' && e.url.includes(`/dcid.${child}/`) && LOG_FILE.test(e.url.split('?')[0]))
    .map((e) => ({ path: LOG_FILE.exec(e.url.split('?')[0])![1], status: e.status, range: e.headers.range }));
}

/** Lines of the log that match, in order. */
const linesOf = (r: StepResult, pattern: RegExp) => r.visibleLog.split('\n').filter((l) => pattern.test(l));

function progressCounts(r: StepResult): number[] {
  return linesOf(r, /^Progress: /).map((l) => Number(/^Progress: (\d+) /.exec(l)![1]));
}

describe('a running job followed live', () => {
  it('shows progress as it advances across an hour boundary, and each line of the job once (stream-logs: true)', async () => {
    const r = await stepOnClock({ ...batch, endpoint: 'hours-batch', 'stream-logs': 'true' }, 16 * MIN);
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs['job-status']).toBe('Completed');
    // Progress: one line per change, always further on, ending at all of them.
    const counts = progressCounts(r);
    expect(counts.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThan(counts[i - 1]);
    expect(linesOf(r, /^Progress: /).at(-1)).toBe('Progress: 12 of 12 mini-batches (100 %)');
    expect(
      linesOf(r, /^Progress: /)
        .slice(1, -1)
        .join('\n'),
    ).toMatch(/^Progress: \d+ of 12 mini-batches \(\d+ %\), about \d+ min left$/m);
    expect(r.summary).toMatch(/\| Progress \| 12 of 12 mini-batches \(100 %\) · \d+ h \d+ min elapsed · as of \d\d:\d\d:\d\d UTC \|/);
    // Rotation: the newest hour's overview is read, never an older one after it.
    const reads = logReads(r.outputs['job-name']);
    const overviews = reads.map((f) => f.path).filter((p) => p.startsWith('logs/job_progress_overview.'));
    expect(new Set(overviews).size).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < overviews.length; i++) expect(overviews[i] >= overviews[i - 1]).toBe(true);
    // The job's own lines: each once, in order, each file headed once, the empty one never.
    const scored = linesOf(r, /INFO batch_driver\.run: mini batch/).map((l) => Number(/mini batch (\d+) of 12 → 10 rows scored$/.exec(l)![1]));
    expect(scored).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(linesOf(r, /^Scoring mini batch \d+: 10 files$/)).toHaveLength(12);
    expect(linesOf(r, /^── user_logs\/std_log\.txt$/)).toHaveLength(1);
    expect(linesOf(r, /^── logs\/azureml\/executionlogs\.txt$/)).toHaveLength(1);
    expect(r.visibleLog).not.toContain('process000.stderr.txt');
    expect(linesOf(r, /Completing processing run id/)).toHaveLength(1);
    // A line of the job that looks like a workflow command is shown, never run.
    expect(linesOf(r, /^::error::a line of the job, not a command$/)).toHaveLength(1);
    expect(r.annotations.filter((a) => a.level === 'error')).toEqual([]);
    // Only what grew is read: Range reads from where the last one ended, never a byte twice.
    expect(reads.every((f) => [206, 304, 416].includes(f.status))).toBe(true);
    const starts = reads.filter((f) => f.status === 206).map((f) => `${f.path}@${f.range}`);
    expect(new Set(starts).size).toBe(starts.length);
    expect(reads.filter((f) => f.status === 304).length).toBeGreaterThan(0);
  });

  it('progress that stops moving is one notice, never a failure; stream-logs: progress shows none of the job’s lines', async () => {
    const r = await stepOnClock({ ...batch, endpoint: 'stalling-batch' }, 10 * MIN);
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs['job-status']).toBe('Completed');
    const notices = r.annotations.filter((a) => a.level === 'notice');
    expect(notices).toHaveLength(1);
    expect(notices[0].message).toMatch(
      /^Job batchjob-\S+'s progress has not moved for \d+ min \d+ s \(\d of 10 mini-batches \(\d+ %\), about \d+ min left\) while it is Running\. The runtime can stop updating its progress overview while the job goes on \(azure-sdk-for-python#30421\)/,
    );
    expect(progressCounts(r).length).toBeGreaterThanOrEqual(1);
    expect(r.visibleLog).not.toMatch(/^── /m);
    expect(r.visibleLog).not.toContain('mini batch 1 of 10');
    expect(logReads(r.outputs['job-name']).every((f) => f.path.startsWith('logs/job_progress_overview.'))).toBe(true);
  });

  it('an older runtime (logs/overview.txt, "Estimate remaining") on a service that ignores Range: each line still once', async () => {
    emu.world.service = { ...emu.world.service, logRangeReads: false };
    const r = await stepOnClock({ ...batch, endpoint: 'older-batch', 'stream-logs': 'true' }, 5 * MIN).finally(
      () => (emu.world.service = { ...emu.world.service, logRangeReads: true }),
    );
    expect(r.code, r.stdout).toBe(0);
    expect(linesOf(r, /^Progress: \d of 6 mini-batches \(\d+ %\), about \d+ min left$/).length).toBeGreaterThanOrEqual(1);
    expect(linesOf(r, /^Progress: /).at(-1)).toBe('Progress: 6 of 6 mini-batches (100 %)');
    const reads = logReads(r.outputs['job-name']);
    expect(reads.some((f) => f.path === 'logs/overview.txt')).toBe(true);
    const scored = linesOf(r, /INFO batch_driver\.run: mini batch/).map((l) => Number(/mini batch (\d) of 6/.exec(l)![1]));
    expect(scored).toEqual([1, 2, 3, 4, 5, 6]);
    // Whole blobs come back (200), but a file that did not change is not sent again (304).
    expect(reads.some((f) => f.status === 200)).toBe(true);
    expect(reads.some((f) => f.status === 304)).toBe(true);
  });
});
