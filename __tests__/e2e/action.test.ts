// The action end to end against the emulator: batch and online invokes as a workflow step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulator, firstLine, JOB_POST, QUICK, requests, step, type Emulator } from './helpers.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await emulator({
    batchEndpoints: [{ name: 'score-batch', deployments: ['dep-a', 'dep-b'], defaultDeployment: 'dep-a', jobPlan: QUICK }],
  });
});
afterAll(() => emu.close());

const batch = { 'endpoint-type': 'batch', endpoint: 'score-batch', input: 'https://example.blob.core.windows.net/data/heart/' };

describe('batch endpoint', () => {
  it('creates one job, polls it to Completed and reports it', async () => {
    emu.clearLog();
    const r = await step(emu, batch);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs['job-name']).toMatch(/^batchjob-[0-9a-f-]{36}$/);
    expect(r.outputs['job-status']).toBe('Completed');
    expect(r.outputs['job-url']).toContain(r.outputs['job-name']);
    expect(r.outputs['scoring-uri']).toBe(`${emu.urls.inference}/score-batch/jobs`);
    expect(r.outputs['missing-actions']).toBe('[]');
    expect(Number(r.outputs['duration-seconds'])).toBeGreaterThan(0);
    expect(r.visibleLog).toContain(`Created job ${r.outputs['job-name']}`);
    expect(r.visibleLog).toMatch(/batchjob-\S+: Completed \(after \d+ s\)/);
    expect(r.summary).toContain(r.outputs['job-name']);
    expect(r.summary).toContain('| Completed |');

    const posts = requests(emu, 'POST', JOB_POST);
    expect(posts).toHaveLength(1);
    expect(posts[0].token?.aud).toMatch(/^https:\/\/ml\.azure\.com\/?$/);
    expect(posts[0].headers['repeatability_request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(posts[0].headers['azureml-model-deployment']).toBeUndefined();
    const arm = emu.log.filter((e) => e.service === 'management');
    expect(arm.length).toBeGreaterThan(0);
    for (const e of arm) expect(e.token?.aud).toMatch(/^https:\/\/management\.azure\.com\/?$/);
    const job = emu.jobs().find((j) => j.name === r.outputs['job-name'])!;
    expect(job.deployment).toBe('dep-a');
    expect(job.tags['azureml-invoke.invocation-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(job.tags['github.repository']).toBe('contoso/scoring');
  });

  it('sends the deployment header when a deployment is named', async () => {
    emu.clearLog();
    const r = await step(emu, { ...batch, deployment: 'dep-b' });
    expect(r.code, r.stdout).toBe(0);
    const posts = requests(emu, 'POST', JOB_POST);
    expect(posts).toHaveLength(1);
    expect(posts[0].headers['azureml-model-deployment']).toBe('dep-b');
    expect(emu.jobs().find((j) => j.name === r.outputs['job-name'])!.deployment).toBe('dep-b');
  });

  it("fails with the job's own error when the job fails", async () => {
    emu.nextJobPlans.push({ ...QUICK, final: 'Failed', error: { code: 'UserError', message: 'score.py raised ValueError: bad column "age"' } });
    const r = await step(emu, batch);
    expect(r.code).toBe(1);
    expect(r.outputs['job-status']).toBe('Failed');
    expect(firstLine(r)).toBe(
      `Fix the error its logs name (below), then re-run: job ${r.outputs['job-name']} failed: score.py raised ValueError: bad column "age"`,
    );
    expect(r.annotations.filter((a) => a.level === 'error')).toHaveLength(1);
    expect(r.annotations[0].message).toContain('Studio: ');
    expect(r.summary).toContain('failed');
  });

  it('adds the compute identity remedy when the job could not read storage', async () => {
    emu.nextJobPlans.push({
      ...QUICK,
      final: 'Failed',
      error: { code: 'UserError', message: 'AuthorizationPermissionMismatch: This request is not authorized to perform this operation using this permission.' },
    });
    const r = await step(emu, { ...batch, deployment: 'dep-b' });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toMatch(/^Give the compute cluster's identity access to the data \(below\): job batchjob-\S+ failed: AuthorizationPermissionMismatch/);
    const text = r.annotations[0].message;
    expect(text).toContain('Storage Blob Data Reader');
    expect(text).toContain(`'${emu.workspace}/computes/cpu-cluster'`);
  });

  it('returns right after creating the job with wait: false', async () => {
    emu.clearLog();
    const r = await step(emu, { ...batch, wait: 'false' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs['job-name']).toMatch(/^batchjob-/);
    expect(r.outputs['job-status']).not.toBe('Completed');
    expect(requests(emu, 'POST', JOB_POST)).toHaveLength(1);
    expect(requests(emu, 'GET', /\/jobs\/batchjob-/)).toHaveLength(0);
    expect(r.state.pendingJob ?? '').toBe('');
  });

  it('names the endpoints that exist when the endpoint does not', async () => {
    emu.clearLog();
    const r = await step(emu, { ...batch, endpoint: 'score-batchx' });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe(`Check 'endpoint': workspace '${emu.workspace}' has no batch endpoint 'score-batchx' (its batch endpoints: score-batch).`);
    expect(requests(emu, 'POST', JOB_POST)).toHaveLength(0);
  });

  it('names the workspaces that exist when the workspace does not', async () => {
    const r = await step(emu, { ...batch, workspace: 'ws-scoringx' });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe(`Check 'workspace': resource group '${emu.resourceGroup}' has no workspace 'ws-scoringx' (its workspaces: ${emu.workspace}).`);
  });

  it('a resource group that does not exist (the permissions API tells it from a denial)', async () => {
    const r = await step(emu, { ...batch, 'resource-group': 'rg-typo' });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe(`Check 'resource-group': subscription ${emu.subscriptionId} has no resource group 'rg-typo'.`);
  });

  it('without the pre-flight check, the denial comes with a hint to check the names', async () => {
    const r = await step(emu, { ...batch, 'resource-group': 'rg-typo', 'check-permissions': 'false' });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toContain("on batch endpoint 'score-batch'");
    expect(r.annotations.find((a) => a.level === 'error')!.message).toContain("Azure answers the same way when 'resource-group' or 'workspace' is misspelled");
  });

  it('names the deployments that exist when the deployment does not', async () => {
    const r = await step(emu, { ...batch, deployment: 'dep-c' });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe("Check 'deployment': batch endpoint 'score-batch' has no deployment 'dep-c' (its deployments: dep-a, dep-b).");
  });
});

describe('online endpoint', () => {
  const online = (endpoint: string) => ({ 'endpoint-type': 'online', endpoint, request: '{"data": [[1, 2, 3], [4, 5, 6]]}' });

  it.each([
    ['score-key', 'key', /\/onlineEndpoints\/score-key\/listKeys$/],
    ['score-token', 'aml_token', /\/onlineEndpoints\/score-token\/token$/],
    ['score-aad', 'aad_token', undefined],
  ])('scores %s (%s) with the credential its auth mode needs', async (endpoint, mode, credentialCall) => {
    emu.clearLog();
    const r = await step(emu, online(endpoint));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs['status-code']).toBe('200');
    expect(JSON.parse(r.outputs.response)).toMatchObject({ deployment: 'blue' });
    expect(r.responseFile).toBe(r.outputs.response);
    expect(r.outputs['failed-requests']).toBe('0');
    expect(Number(r.outputs['latency-p95-ms'])).toBeGreaterThanOrEqual(0);
    expect(r.summary).toContain(mode);
    const scores = requests(emu, 'POST', /\/score$/);
    expect(scores).toHaveLength(1);
    expect(scores[0].token?.kind).toBe(mode === 'key' ? 'key' : mode === 'aml_token' ? 'aml' : 'entra');
    if (mode === 'aad_token') expect(scores[0].token?.aud).toMatch(/^https:\/\/ml\.azure\.com\/?$/);
    const credentialCalls = emu.log.filter((e) => e.service === 'management' && /\/(listKeys|token)$/.test(e.url.split('?')[0]));
    expect(credentialCalls.map((e) => e.url.split('?')[0].match(credentialCall ?? /$^/) !== null)).toEqual(credentialCall ? [true] : []);
  });

  it('sends the deployment header and fails on a non-2xx answer with the body', async () => {
    const r = await step(emu, { ...online('score-key'), deployment: 'blue' });
    expect(r.code).toBe(0);
    expect(r.outputs['status-code']).toBe('200');
    expect(requests(emu, 'POST', /\/score$/).at(-1)!.headers['azureml-model-deployment']).toBe('blue');
  });

  it('tells a batch endpoint named as online to switch endpoint-type', async () => {
    const r = await step(emu, online('score-batch'));
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe("Set 'endpoint-type: batch': 'score-batch' is a batch endpoint, not an online one.");
  });
});
