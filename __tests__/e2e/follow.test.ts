// Long batch jobs followed live (issue 21): progress that advances, rotates, stalls and uses an
// older wording; the job's own lines, each printed once across polls; stream-logs: false; and
// attaching to a job with job-name (running, completed, failed, unknown, not cancelled unless asked).
// Long jobs run on the emulator's manual clock, moved on after each read of the job's logs, so a
// job of an hour passes in a few polls.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulator, firstLine, JOB_POST, QUICK, step, stepWithPost, withEmulator, type Emulator, type StepResult } from './helpers.js';

const MIN = 60_000;
const batch = { 'endpoint-type': 'batch', endpoint: 'score-batch', input: 'https://example.blob.core.windows.net/data/heart/' };
const LOG_FILE = /\/azureml\/ExperimentRun\/dcid\.[^/]+\/(.+)$/;

/**
 * Runs the step with debug output on and moves the emulator's clock on by stepMs once the job is
 * created or attached to, and after each read of its logs (the follower's debug line), so each
 * poll finds the job further on.
 */
function stepOnClock(emu: Emulator, inputs: Record<string, string>, stepMs: number, extra: { identity?: string } = {}): Promise<StepResult> {
  let pending = '';
  return step(emu, inputs, {
    ...extra,
    env: { RUNNER_DEBUG: '1' },
    onStdout: (text) => {
      const lines = (pending + text).split('\n');
      pending = lines.pop()!;
      for (const line of lines) if (/^(Created job|Attached to job|::debug::Logs of batchjob-)/.test(line)) emu.clock.advance(stepMs);
    },
  });
}

/** The log blobs read, in order: file path, status, Range asked for. */
function logReads(emu: Emulator): { path: string; status: number; range?: string }[] {
  return emu.log
    .filter((e) => e.method === 'GET' && LOG_FILE.test(e.url.split('?')[0]))
    .map((e) => ({ path: LOG_FILE.exec(e.url.split('?')[0])![1], status: e.status, range: e.headers.range }));
}

/** Lines of the log that match, in order. */
const linesOf = (r: StepResult, pattern: RegExp) => r.visibleLog.split('\n').filter((l) => pattern.test(l));

function progressCounts(r: StepResult): number[] {
  return linesOf(r, /^Progress: /).map((l) => Number(/^Progress: (\d+) /.exec(l)![1]));
}

describe.concurrent('a running job followed live', () => {
  it('shows progress as it advances across an hour boundary, and each line of the job once (stream-logs: true)', () =>
    withEmulator(
      {
        clock: 'manual',
        jobPlan: {
          steps: [{ status: 'Running', durationMs: 75 * MIN }],
          progress: { miniBatches: 12, scriptLines: ['::error::a line of the job, not a command'] },
        },
      },
      async (emu) => {
        const r = await stepOnClock(emu, { ...batch, 'stream-logs': 'true' }, 16 * MIN);
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
        const overviews = logReads(emu)
          .map((f) => f.path)
          .filter((p) => p.startsWith('logs/job_progress_overview.'));
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
        const reads = logReads(emu);
        expect(reads.every((f) => [206, 304, 416].includes(f.status))).toBe(true);
        const starts = reads.filter((f) => f.status === 206).map((f) => `${f.path}@${f.range}`);
        expect(new Set(starts).size).toBe(starts.length);
        expect(reads.filter((f) => f.status === 304).length).toBeGreaterThan(0);
      },
    ));

  it('progress that stops moving is one notice, never a failure; stream-logs: progress shows none of the job’s lines', () =>
    withEmulator(
      { clock: 'manual', jobPlan: { steps: [{ status: 'Running', durationMs: 40 * MIN }], progress: { miniBatches: 10, stallAfterMs: 12 * MIN } } },
      async (emu) => {
        const r = await stepOnClock(emu, batch, 10 * MIN);
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
        expect(logReads(emu).every((f) => f.path.startsWith('logs/job_progress_overview.'))).toBe(true);
      },
    ));
});

describe.concurrent('older runtimes and services', () => {
  it('an older runtime (logs/overview.txt, "Estimate remaining") on a service that ignores Range: each line still once', () =>
    withEmulator(
      {
        clock: 'manual',
        service: { logRangeReads: false },
        jobPlan: { steps: [{ status: 'Running', durationMs: 20 * MIN }], progress: { miniBatches: 6, runtime: 'older' } },
      },
      async (emu) => {
        const r = await stepOnClock(emu, { ...batch, 'stream-logs': 'true' }, 5 * MIN);
        expect(r.code, r.stdout).toBe(0);
        expect(linesOf(r, /^Progress: \d of 6 mini-batches \(\d+ %\), about \d+ min left$/).length).toBeGreaterThanOrEqual(1);
        expect(linesOf(r, /^Progress: /).at(-1)).toBe('Progress: 6 of 6 mini-batches (100 %)');
        expect(logReads(emu).some((f) => f.path === 'logs/overview.txt')).toBe(true);
        const scored = linesOf(r, /INFO batch_driver\.run: mini batch/).map((l) => Number(/mini batch (\d) of 6/.exec(l)![1]));
        expect(scored).toEqual([1, 2, 3, 4, 5, 6]);
        // Whole blobs come back (200), but a file that did not change is not sent again (304).
        expect(logReads(emu).some((f) => f.status === 200)).toBe(true);
        expect(logReads(emu).some((f) => f.status === 304)).toBe(true);
      },
    ));
});

// One emulator for the attach tests (its Blob storage starts once): an endpoint per kind of job, each test its own jobs.
const ATTACH_ONLY = [
  'Microsoft.MachineLearningServices/workspaces/read',
  'Microsoft.MachineLearningServices/workspaces/jobs/read',
  'Microsoft.MachineLearningServices/workspaces/experiments/runs/read',
  'Microsoft.MachineLearningServices/workspaces/datastores/read',
];
let shared: Emulator;
beforeAll(async () => {
  shared = await emulator({
    identities: [{}, { name: 'follower', roles: [{ role: 'Job follower', scope: 'workspace' }] }],
    roles: [{ name: 'Job follower', actions: ATTACH_ONLY }],
    batchEndpoints: [
      { name: 'running-batch', jobPlan: { steps: [{ status: 'Running', durationMs: 4_000 }], progress: { miniBatches: 4 } } },
      { name: 'quick-batch', jobPlan: QUICK },
      { name: 'failing-batch', jobPlan: { ...QUICK, final: 'Failed', error: { code: 'UserError', message: 'No module named sklearn' } } },
      { name: 'long-batch', jobPlan: { steps: [{ status: 'Running', durationMs: 120_000 }] } },
    ],
  });
});
afterAll(() => shared.close());

/** A job created by an earlier step on this endpoint (wait: false unless it should be done first). */
async function earlier(endpoint: string, wait = 'false'): Promise<string> {
  const r = await step(shared, { ...batch, endpoint, wait });
  expect(r.code, r.stdout).toBe(0);
  return r.outputs['job-name'];
}

/** What the emulator was asked about this job: its runs' details and its log files. */
const aboutJob = (name: string) => {
  const child = shared.jobs().find((j) => j.name === name)!.childRunId;
  return shared.log.filter((e) => e.url.includes(`/runs/${name}/`) || e.url.includes(`/runs/${child}/`) || e.url.includes(`dcid.${child}/`));
};

describe.concurrent('attaching to a job with job-name: running, completed, failed', () => {
  it('follows a running job another step started, with an identity that may only read it', async () => {
    const name = await earlier('running-batch');
    const follower = shared.identities[1].clientId;
    const r = await step(shared, { 'endpoint-type': 'batch', 'job-name': name }, { identity: 'follower' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.visibleLog).toContain(`Attached to job ${name}`);
    expect(r.visibleLog).toContain('All 4 required actions are allowed.');
    expect(r.outputs).toMatchObject({ 'job-name': name, 'job-status': 'Completed' });
    expect(r.outputs['output-uri']).toMatch(/^azureml:\/\/datastores\/workspaceblobstore\/paths\/azureml\/[0-9a-f-]+\/score\/$/);
    expect(linesOf(r, /^Progress: /).at(-1)).toBe('Progress: 4 of 4 mini-batches (100 %)');
    expect(r.summary).toContain(`batch job \`${name}\``);
    expect(r.summary).toContain('| Endpoint | `running-batch` (batch endpoint');
    // Nothing is invoked: no job created, no token for the ML data plane.
    const asFollower = shared.log.filter((e) => e.token?.appid === follower);
    expect(asFollower.filter((e) => e.method === 'POST' && JOB_POST.test(e.url))).toEqual([]);
    expect(asFollower.filter((e) => e.token?.aud?.startsWith('https://ml.azure.com'))).toEqual([]);
    const tokenScopes = shared.log
      .filter((e) => e.service === 'login' && e.method === 'POST' && (e.body as Record<string, string>).client_id === follower)
      .map((e) => (e.body as Record<string, string>).scope);
    expect(tokenScopes).toEqual(['https://management.azure.com/.default']);
  });

  it('a completed job: its output downloaded, and with stream-logs: false none of its logs read', async () => {
    const name = await earlier('quick-batch', 'true');
    const before = aboutJob(name).length;
    const cwd = mkdtempSync(join(tmpdir(), 'attach-'));
    const r = await step(
      shared,
      { 'endpoint-type': 'batch', endpoint: 'quick-batch', 'job-name': name, 'stream-logs': 'false', 'download-path': 'out' },
      { cwd },
    );
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs['job-status']).toBe('Completed');
    expect(JSON.parse(r.outputs['downloaded-files'])).toEqual(['predictions.csv']);
    expect(readdirSync(join(cwd, 'out'))).toEqual(['predictions.csv']);
    expect(r.visibleLog).not.toContain('Progress:');
    // Where its output is comes from its steps (children); no details, no log file.
    const asked = aboutJob(name).slice(before);
    expect(asked.map((e) => e.url.split('?')[0].split('/').pop())).toEqual(['children']);
  });

  it('a failed job: its failure explained as for a job this step created', async () => {
    const name = await earlier('failing-batch');
    const r = await step(shared, { 'endpoint-type': 'batch', 'job-name': name });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe(`Fix the error its logs name (below), then re-run: job ${name} failed: No module named sklearn`);
    expect(r.visibleLog).toContain('Exception: No module named sklearn');
  });
});

describe.concurrent('attaching to a job with job-name: the wrong job, and timeouts', () => {
  it('an unknown job is one line naming it and the workspace; a job of another endpoint is refused', async () => {
    const unknown = await step(shared, { 'endpoint-type': 'batch', 'job-name': 'batchjob-00000000-0000-0000-0000-000000000000' });
    expect(unknown.code).toBe(1);
    expect(firstLine(unknown)).toBe(`Check 'job-name': workspace '${shared.workspace}' has no job 'batchjob-00000000-0000-0000-0000-000000000000'.`);
    expect(unknown.annotations.find((a) => a.level === 'error')!.message).not.toContain('\n');
    const name = await earlier('quick-batch');
    const other = await step(shared, { 'endpoint-type': 'batch', endpoint: 'long-batch', 'job-name': name });
    expect(other.code).toBe(1);
    expect(firstLine(other)).toBe(`Check 'endpoint' or 'job-name': job ${name} belongs to batch endpoint 'quick-batch', not 'long-batch'.`);
  });

  it('an attached job is not cancelled on timeout unless cancel-on-timeout: true says so', async () => {
    const name = await earlier('long-batch');
    const cancels = () => shared.log.filter((e) => e.method === 'POST' && e.url.split('?')[0].endsWith(`/jobs/${name}/cancel`));
    const attach = { 'endpoint-type': 'batch', 'job-name': name, 'timeout-minutes': '0.05' };
    const kept = await stepWithPost(shared, attach);
    expect(kept.main.code).toBe(1);
    expect(firstLine(kept.main)).toMatch(
      new RegExp(
        `^Job ${name} is still Running after timeout-minutes \\(0\\.05\\); it keeps running in Azure \\(this step attached to it; cancel-on-timeout: true would cancel it\\): https://`,
      ),
    );
    expect(kept.main.state.pendingJob).toBeUndefined();
    expect(cancels()).toEqual([]);
    expect(shared.jobs().find((j) => j.name === name)!.status).toBe('Running');

    const cancelled = await step(shared, { ...attach, 'cancel-on-timeout': 'true' });
    expect(cancelled.code).toBe(1);
    expect(firstLine(cancelled)).toMatch(
      new RegExp(`^Raise timeout-minutes or speed up the job: job ${name} was still Running after timeout-minutes \\(0\\.05\\), so it was cancelled`),
    );
    expect(cancels()).toHaveLength(1);
  });
});
