// What the emulator gives a client that explains failures: deployment figures and provisioning over
// time, the operation status of a failed deployment, deployment logs (getLogs), every scoring
// condition of the troubleshooting table, private networks, compute clusters, and run history's
// child runs and log files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type ScoringCondition } from '../src/index.js';
import { accessToken, call, createBatchJob, mlClient } from './client.js';

const ML = 'Microsoft.MachineLearningServices';
const CONDITIONS: [ScoringCondition, number][] = [
  ['model-error', 424],
  ['timeout', 408],
  ['too-many-pending', 429],
  ['rate-limited', 429],
  ['infrastructure', 500],
  ['conflict', 409],
  ['crash', 502],
  ['spike', 503],
  ['gateway-timeout', 504],
];

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({
    clock: 'manual',
    batchEndpoints: [{ name: 'score-batch', deployments: [{ name: 'default', compute: 'gpu-cluster' }] }],
    computes: [{ name: 'gpu-cluster', minNodes: 0, maxNodes: 2, allocationState: 'Resizing', vmPriority: 'LowPriority' }],
    onlineEndpoints: [
      {
        name: 'score-key',
        authMode: 'key',
        provisioning: [{ state: 'Updating', durationMs: 5_000 }],
        deployments: [
          {
            name: 'blue',
            instanceCount: 3,
            requestSettings: { requestTimeout: 'PT0.2S', maxConcurrentRequestsPerInstance: 2 },
            provisioning: [{ state: 'Creating', durationMs: 1_000 }],
          },
          {
            name: 'broken',
            provisioningState: 'Failed',
            provisioningError: { code: 'ResourceNotReady', message: 'User container has crashed or terminated.' },
          },
          ...CONDITIONS.map(([condition]) => ({ name: condition, condition, requestSettings: { requestTimeout: 'PT0.1S' } })),
        ],
        traffic: { blue: 100 },
        latencyMs: 0,
      },
      {
        name: 'slow',
        authMode: 'key',
        latencyMs: 300,
        deployments: [{ name: 'blue', enforceRequestLimits: true, requestSettings: { requestTimeout: 'PT0.1S' } }],
      },
      { name: 'busy', authMode: 'key', latencyMs: 1_000, deployments: [{ name: 'blue', enforceRequestLimits: true }] },
      { name: 'private', authMode: 'key', publicNetworkAccess: 'Disabled' },
    ],
    workspaces: ['ws-scoring', 'ws-private'],
    network: { privateWorkspaces: ['ws-private'] },
    identities: [
      {},
      { name: 'reader', roles: [{ role: 'Reader', scope: 'resourceGroup' }] },
      { name: 'scientist', roles: [{ role: 'AzureML Data Scientist', scope: 'workspace' }] },
    ],
  });
});
afterAll(() => emu.close());

const keyOf = async (endpoint: string) => (await mlClient(emu).onlineEndpoints.listKeys(emu.resourceGroup, emu.workspace, endpoint)).primaryKey!;
const score = async (endpoint: string, deployment?: string, key?: string) =>
  call(emu, 'POST', `${emu.urls.inference}/${endpoint}/score`, {
    headers: {
      authorization: `Bearer ${key ?? (await keyOf(endpoint))}`,
      'content-type': 'application/json',
      ...(deployment ? { 'azureml-model-deployment': deployment } : {}),
    },
    body: '{"data": [[1, 2]]}',
  });

describe('online deployments', () => {
  it('carry requestSettings, sku capacity, scale settings and their last operation, and move through their provisioning plan', async () => {
    const ml = mlClient(emu);
    const d = await ml.onlineDeployments.get(emu.resourceGroup, emu.workspace, 'score-key', 'blue');
    expect(d.sku).toMatchObject({ name: 'Default', tier: 'Standard', capacity: 3 });
    expect(d.properties.requestSettings).toEqual({ requestTimeout: 'PT0.2S', maxConcurrentRequestsPerInstance: 2, maxQueueWait: 'PT0.5S' });
    expect(d.properties.scaleSettings).toEqual({ scaleType: 'Default' });
    expect(d.properties.properties?.AzureAsyncOperationUri).toMatch(
      new RegExp(
        `^${emu.urls.management}/subscriptions/${emu.subscriptionId}/providers/${ML}/locations/eastus/mfeOperationsStatus/od:[0-9a-f-]+:[0-9a-f-]+\\?api-version=`,
      ),
    );
    expect(d.properties.provisioningState).toBe('Creating');
    const e = await ml.onlineEndpoints.get(emu.resourceGroup, emu.workspace, 'score-key');
    expect(e.properties).toMatchObject({ provisioningState: 'Updating', publicNetworkAccess: 'Enabled' });
    emu.clock.advance(1_000);
    expect((await ml.onlineDeployments.get(emu.resourceGroup, emu.workspace, 'score-key', 'blue')).properties.provisioningState).toBe('Succeeded');
    emu.clock.advance(4_000);
    expect((await ml.onlineEndpoints.get(emu.resourceGroup, emu.workspace, 'score-key')).properties.provisioningState).toBe('Succeeded');
  });

  it("a failed deployment's operation status carries its error (AzureML Data Scientist lacks mfeOperationsStatus/read)", async () => {
    const ml = mlClient(emu);
    const uri = (await ml.onlineDeployments.get(emu.resourceGroup, emu.workspace, 'score-key', 'broken')).properties.properties!.AzureAsyncOperationUri!;
    const token = await accessToken(emu, 'https://management.azure.com/.default');
    const r = await call(emu, 'GET', uri, { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({
      status: 'Failed',
      percentComplete: 100,
      error: { code: 'ResourceNotReady', message: 'User container has crashed or terminated.' },
    });
    const scientist = await accessToken(emu, 'https://management.azure.com/.default', emu.identities[2].clientId);
    const denied = await call(emu, 'GET', uri, { headers: { authorization: `Bearer ${scientist}` } });
    expect(denied.status).toBe(403);
    expect(denied.text).toContain(`${ML}/locations/mfeOperationsStatus/read`);
  });

  it('getLogs tails the inference server log; Reader lacks its action', async () => {
    const ml = mlClient(emu);
    const logs = await ml.onlineDeployments.getLogs(emu.resourceGroup, emu.workspace, 'score-key', 'blue', { containerType: 'InferenceServer', tail: 3 });
    const lines = logs.content!.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.at(-1)).toMatch(/ I \[21\] azmlinfsrv\.app - Azure ML Inference HTTP server is up and ready for requests!$/);
    const all = await ml.onlineDeployments.getLogs(emu.resourceGroup, emu.workspace, 'score-key', 'blue', {});
    expect(all.content).toMatch(/^Azure ML Inferencing HTTP server v/);
    const init = await ml.onlineDeployments.getLogs(emu.resourceGroup, emu.workspace, 'score-key', 'blue', { containerType: 'StorageInitializer' });
    expect(init.content).toContain('Model download completed');
    const err = await mlClient(emu, emu.identities[1].clientId)
      .onlineDeployments.getLogs(emu.resourceGroup, emu.workspace, 'score-key', 'blue', { tail: 10 })
      .catch((e: { statusCode: number; message: string }) => e);
    expect(err).toMatchObject({ statusCode: 403 });
    expect((err as { message: string }).message).toContain(`'${ML}/workspaces/onlineEndpoints/deployments/getLogs/action'`);
  });
});

describe('scoring conditions (the troubleshooting table)', () => {
  it.each(CONDITIONS)('%s answers %i', async (condition, status) => {
    const r = await score('score-key', condition);
    expect(r.status).toBe(status);
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.headers['azureml-model-deployment']).toBe(condition);
  });

  it("a model error carries the model's status and reason, and its traceback reaches the log", async () => {
    const r = await score('score-key', 'model-error');
    expect(r.headers['ms-azureml-model-error-statuscode']).toBe('500');
    expect(r.headers['ms-azureml-model-error-reason']).toBe('model_error');
    expect(r.json()).toEqual({ message: 'An unexpected error occurred in scoring script. Check the logs for more info.' });
    const logs = await mlClient(emu).onlineDeployments.getLogs(emu.resourceGroup, emu.workspace, 'score-key', 'model-error', { tail: 10 });
    expect(logs.content).toMatch(/ E \[21\] azmlinfsrv - Encountered Exception: Traceback/);
    expect(logs.content).toContain('ValueError: X has 3 features');
  });

  it('enforced limits: 429 past 2 × max concurrent × instances in flight, 408 past the request timeout', async () => {
    // 'slow' takes 300 ms against a 100 ms timeout: 408 after the timeout.
    const slow = await score('slow');
    expect(slow.status).toBe(408);
    expect(slow.text).toBe('upstream request timeout');
    // 'busy' takes 2 in flight (2 × 1 × 1) and holds each for 1 s: of 6 sent at once, 4 are refused.
    const key = await keyOf('busy');
    const statuses = (await Promise.all(Array.from({ length: 6 }, () => score('busy', undefined, key)))).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429]);
  });

  it('an endpoint with publicNetworkAccess Disabled drops a public caller; a caller in the virtual network is served', async () => {
    await expect(score('private')).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(emu.log.at(-1)).toMatchObject({ status: 0, url: '/private/score' });
    emu.world.network = { ...emu.world.network, callerInVirtualNetwork: true };
    expect((await score('private')).status).toBe(200);
    emu.world.network = { privateWorkspaces: ['ws-private'] };
  });
});

describe('compute clusters', () => {
  it('GET computes/{name} as the AmlCompute example, a named default cluster too', async () => {
    const ml = mlClient(emu);
    const c = await ml.computeOperations.get(emu.resourceGroup, emu.workspace, 'gpu-cluster');
    expect(c.properties).toMatchObject({
      computeType: 'AmlCompute',
      properties: { scaleSettings: { minNodeCount: 0, maxNodeCount: 2 }, allocationState: 'Resizing', currentNodeCount: 0, vmPriority: 'LowPriority' },
    });
    await expect(ml.computeOperations.get(emu.resourceGroup, emu.workspace, 'no-such-cluster')).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('private workspaces', () => {
  it("answer a public caller's batch invoke and run history with the private link denial", async () => {
    const ws = `/subscriptions/${emu.subscriptionId}/resourceGroups/${emu.resourceGroup}/providers/${ML}/workspaces/ws-private`;
    const token = await accessToken(emu, 'https://management.azure.com/.default');
    const r = await call(emu, 'GET', `${emu.urls.mlapi}/history/v1.0${ws}/runs/x/details`, { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(403);
    expect(r.json()).toMatchObject({ error: { code: 'UserError', message: 'Access to workspace was denied based on workspace private link configuration.' } });
    const w = await mlClient(emu).workspaces.get(emu.resourceGroup, 'ws-private');
    expect(w.publicNetworkAccess).toBe('Disabled');
  });
});

describe('run history: the batchscoring child and its log files', () => {
  it('lists the child once the job runs; its details give SAS URLs read without a token; a failed job names its error', async () => {
    emu.nextJobPlans.push({
      steps: [{ status: 'Queued', durationMs: 1_000 }],
      final: 'Failed',
      error: { code: 'UserError', message: 'No module named sklearn' },
    });
    const job = await createBatchJob(emu);
    const token = await accessToken(emu, 'https://management.azure.com/.default');
    const runs = `${emu.urls.mlapi}/history/v1.0/subscriptions/${emu.subscriptionId}/resourceGroups/${emu.resourceGroup}/providers/${ML}/workspaces/${emu.workspace}/runs`;
    const get = (path: string) => call(emu, 'GET', `${runs}/${path}`, { headers: { authorization: `Bearer ${token}` } });

    expect((await get(`${job}/children`)).json()).toMatchObject({ value: [] });
    expect((await get(`${job}/details`)).json<{ logFiles: object }>().logFiles).toEqual({});
    emu.clock.advance(1_000);
    const children = (await get(`${job}/children`)).json<{ value: { runId: string; properties: Record<string, string>; target: string }[] }>().value;
    expect(children).toHaveLength(1);
    expect(children[0].properties['azureml.moduleName']).toBe('batchscoring');
    expect(children[0].target).toBe('gpu-cluster');

    const child = (await get(`${children[0].runId}/details`)).json<{ parentRunId: string; status: string; logFiles: Record<string, string> }>();
    expect(child).toMatchObject({ parentRunId: job, status: 'Failed' });
    expect(Object.keys(child.logFiles)).toEqual(
      expect.arrayContaining(['logs/user/error.txt', expect.stringMatching(/^logs\/job_progress_overview\.\d{10}\.txt$/), 'azureml-logs/70_driver_log.txt']),
    );
    const url = child.logFiles['logs/user/error.txt'];
    expect(url).toMatch(/\/st[0-9a-f]{8}\/azureml\/ExperimentRun\/dcid\.[0-9a-f-]+\/logs\/user\/error\.txt\?sv=2019-07-07&sr=b&sig=.+&se=.+&sp=r$/);
    const file = await call(emu, 'GET', url);
    expect(file.status).toBe(200);
    expect(file.text).toContain('UserError: No module named sklearn');
    const forged = await call(emu, 'GET', url.replace(/sig=[^&]+/, 'sig=AAAA'));
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('<Code>AuthenticationFailed</Code>');

    const parent = (await get(`${job}/details`)).json<{ logFiles: Record<string, string> }>();
    const exec = await call(emu, 'GET', parent.logFiles['logs/azureml/executionlogs.txt']);
    expect(exec.text).toContain('Execution of experiment failed');
  });
});
