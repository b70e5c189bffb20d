// Attaching to a batch job that exists with job-name (issue 21): a running one followed to its end
// by an identity that may only read it, and with stream-logs: false none of its logs read; a
// completed one's output downloaded; a failed one's failure explained; an unknown name; a job of
// another endpoint; an attached job not cancelled on timeout unless asked; its pull-request
// comment. The jobs are created through the scoring URI as any client (an earlier step, another
// workflow) would; one emulator, an endpoint per kind of job.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchJob } from '../../emulator/test/client.js';
import { PR, pullRequestEvent, REPOSITORY } from '../github-events.js';
import { emulator, firstLine, JOB_POST, QUICK, step, stepWithPost, type Emulator, type StepResult } from './helpers.js';

const ATTACH_ONLY = [
  'Microsoft.MachineLearningServices/workspaces/read',
  'Microsoft.MachineLearningServices/workspaces/jobs/read',
  'Microsoft.MachineLearningServices/workspaces/experiments/runs/read',
  'Microsoft.MachineLearningServices/workspaces/datastores/read',
];

let emu: Emulator;
beforeAll(async () => {
  emu = await emulator({
    identities: [{}, { name: 'follower', roles: [{ role: 'Job follower', scope: 'workspace' }] }],
    roles: [{ name: 'Job follower', actions: ATTACH_ONLY }],
    github: { pullRequests: [{ repository: REPOSITORY, number: PR.number, comments: 0 }] },
    batchEndpoints: [
      { name: 'running-batch', jobPlan: { steps: [{ status: 'Running', durationMs: 4_000 }], progress: { miniBatches: 4 } } },
      { name: 'quick-batch', jobPlan: QUICK },
      { name: 'failing-batch', jobPlan: { ...QUICK, final: 'Failed', error: { code: 'UserError', message: 'No module named sklearn' } } },
      { name: 'long-batch', jobPlan: { steps: [{ status: 'Running', durationMs: 120_000 }] } },
      // Still running once a loaded runner has started the step, yet done soon after.
      { name: 'slower-batch', jobPlan: { steps: [{ status: 'Running', durationMs: 20_000 }], progress: { miniBatches: 4 } } },
    ],
  });
});
afterAll(() => emu.close());

const attach = (name: string, more: Record<string, string> = {}) => ({ 'endpoint-type': 'batch', 'job-name': name, ...more });
const linesOf = (r: StepResult, pattern: RegExp) => r.visibleLog.split('\n').filter((l) => pattern.test(l));

/** Everything asked about this job's runs: details, children, log files. */
function aboutJob(name: string) {
  const child = emu.jobs().find((j) => j.name === name)!.childRunId;
  return emu.log.filter((e) => e.url.includes(`/runs/${name}/`) || e.url.includes(`/runs/${child}/`) || e.url.includes(`dcid.${child}/`));
}

describe.concurrent('attaching to a job with job-name', () => {
  it('follows a running job another client started, with an identity that may only read it', async () => {
    const name = await createBatchJob(emu, 'running-batch');
    const follower = emu.identities[1].clientId;
    const r = await step(emu, attach(name), { identity: 'follower' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.visibleLog).toContain(`Attached to job ${name}`);
    expect(r.visibleLog).toContain('All 4 required actions are allowed.');
    expect(r.outputs).toMatchObject({ 'job-name': name, 'job-status': 'Completed' });
    expect(r.outputs['output-uri']).toMatch(/^azureml:\/\/datastores\/workspaceblobstore\/paths\/azureml\/[0-9a-f-]+\/score\/$/);
    expect(linesOf(r, /^Progress: /).at(-1)).toBe('Progress: 4 of 4 mini-batches (100 %)');
    expect(r.summary).toContain(`batch job \`${name}\``);
    expect(r.summary).toContain('| Endpoint | `running-batch` (batch endpoint');
    // Nothing is invoked: no job created, no token for the ML data plane.
    expect(emu.log.filter((e) => e.token?.appid === follower && e.method === 'POST' && JOB_POST.test(e.url))).toEqual([]);
    const tokenScopes = emu.log
      .filter((e) => e.service === 'login' && e.method === 'POST' && (e.body as Record<string, string>).client_id === follower)
      .map((e) => (e.body as Record<string, string>).scope);
    expect(tokenScopes).toEqual(['https://management.azure.com/.default']);
  });

  it('a completed job: its output downloaded, and with stream-logs: false none of its logs read', async () => {
    const name = await createBatchJob(emu, 'quick-batch');
    const cwd = mkdtempSync(join(tmpdir(), 'attach-'));
    const r = await step(emu, attach(name, { endpoint: 'quick-batch', 'stream-logs': 'false', 'download-path': 'out' }), { cwd });
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs['job-status']).toBe('Completed');
    expect(JSON.parse(r.outputs['downloaded-files'])).toEqual(['predictions.csv']);
    expect(readdirSync(join(cwd, 'out'))).toEqual(['predictions.csv']);
    expect(r.visibleLog).not.toContain('Progress:');
    // Where its output is comes from its steps (children); no details, no log file.
    expect(aboutJob(name).map((e) => e.url.split('?')[0].split('/').pop())).toEqual(['children']);
  });

  it('stream-logs: false on a running job: its status changes only, none of its progress or logs read', async () => {
    const name = await createBatchJob(emu, 'slower-batch');
    const r = await step(emu, attach(name, { 'stream-logs': 'false' }));
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs['job-status']).toBe('Completed');
    expect(r.visibleLog).toMatch(new RegExp(`^${name}: Running`, 'm'));
    expect(r.visibleLog).not.toContain('Progress:');
    expect(r.summary).not.toContain('| Progress |');
    expect(aboutJob(name).map((e) => e.url.split('?')[0].split('/').pop())).toEqual(['children']);
  });

  it('a failed job: its failure explained as for a job this step created', async () => {
    const name = await createBatchJob(emu, 'failing-batch');
    const r = await step(emu, attach(name));
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe(`Fix the error its logs name (below), then re-run: job ${name} failed: No module named sklearn`);
    expect(r.visibleLog).toContain('Exception: No module named sklearn');
  });

  it('an unknown job is one line naming it and the workspace', async () => {
    const r = await step(emu, attach('batchjob-00000000-0000-0000-0000-000000000000'));
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe(`Check 'job-name': workspace '${emu.workspace}' has no job 'batchjob-00000000-0000-0000-0000-000000000000'.`);
    expect(r.annotations.find((a) => a.level === 'error')!.message).not.toContain('\n');
  });

  it('a job of another endpoint is refused, naming both', async () => {
    const name = await createBatchJob(emu, 'quick-batch');
    const r = await step(emu, attach(name, { endpoint: 'long-batch' }));
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe(`Check 'endpoint' or 'job-name': job ${name} belongs to batch endpoint 'quick-batch', not 'long-batch'.`);
  });

  it('comments on the pull request as a new job does: a comment per job followed when no endpoint is named', async () => {
    const names = [await createBatchJob(emu, 'quick-batch'), await createBatchJob(emu, 'quick-batch')];
    const e = pullRequestEvent();
    const token = emu.githubToken({ repository: REPOSITORY, permissions: { 'id-token': 'write', 'pull-requests': 'write' } });
    for (const name of names) {
      const r = await step(emu, attach(name, { 'comment-on-pr': 'true', 'stream-logs': 'false' }), { event: e.event, githubToken: token, env: e.env });
      expect(r.code, r.stdout).toBe(0);
      expect(r.outputs['job-status']).toBe('Completed');
    }
    const comments = emu.pullRequestComments(REPOSITORY, PR.number).filter((c) => c.author === 'github-actions[bot]');
    expect(comments.map((c) => /endpoint=\S+\/job%3A(\S+) /.exec(c.body)?.[1])).toEqual(names);
    for (const [i, c] of comments.entries()) expect(c.body).toContain(`batch job \`${names[i]}\``);
  });

  it('an attached job is not cancelled on timeout unless cancel-on-timeout: true says so', async () => {
    const name = await createBatchJob(emu, 'long-batch');
    const cancels = () => emu.log.filter((e) => e.method === 'POST' && e.url.split('?')[0].endsWith(`/jobs/${name}/cancel`));
    const kept = await stepWithPost(emu, attach(name, { 'timeout-minutes': '0.05' }));
    expect(kept.main.code).toBe(1);
    expect(firstLine(kept.main)).toMatch(
      new RegExp(
        `^Job ${name} is still Running after timeout-minutes \\(0\\.05\\); it keeps running in Azure \\(this step attached to it; cancel-on-timeout: true would cancel it\\): https://`,
      ),
    );
    expect(kept.main.state.pendingJob).toBeUndefined();
    expect(cancels()).toEqual([]);
    expect(emu.jobs().find((j) => j.name === name)!.status).toBe('Running');

    const cancelled = await step(emu, attach(name, { 'timeout-minutes': '0.05', 'cancel-on-timeout': 'true' }));
    expect(cancelled.code).toBe(1);
    expect(firstLine(cancelled)).toMatch(
      new RegExp(`^Raise timeout-minutes or speed up the job: job ${name} was still Running after timeout-minutes \\(0\\.05\\), so it was cancelled`),
    );
    expect(cancels()).toHaveLength(1);
  });
});
