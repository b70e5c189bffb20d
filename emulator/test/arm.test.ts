// The real @azure/arm-machinelearning and @azure/arm-authorization clients complete and
// deserialize every call the action makes; error bodies have the documented shapes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/index.js';
import { accessToken, authzClient, call, mlClient } from './client.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({
    clock: 'manual',
    batchEndpoints: [{ name: 'score-batch', deployments: ['dep-a', { name: 'dep-b', compute: 'gpu-cluster' }] }],
    onlineEndpoints: [
      { name: 'score-key', authMode: 'key', deployments: ['blue', 'green'], traffic: { blue: 90, green: 10 } },
      { name: 'score-token', authMode: 'aml_token' },
      { name: 'score-k8s', authMode: 'key', compute: 'kubernetes' },
    ],
    dataAssets: [{ name: 'heart', versions: ['1', '2'] }],
    identities: [
      {},
      { name: 'reader', roles: [{ role: 'Reader', scope: 'workspace' }] },
      { name: 'nobody', roles: [] },
      { name: 'sub-reader', roles: [{ role: 'Reader', scope: 'subscription' }] },
    ],
  });
});
afterAll(() => emu.close());

const rg = () => emu.resourceGroup;
const ws = () => emu.workspace;

async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of pages) out.push(p);
  return out;
}

async function invoke(): Promise<string> {
  const token = await accessToken(emu, 'https://ml.azure.com/.default');
  const r = await call(emu, 'POST', `${emu.urls.inference}/score-batch/jobs`, {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'repeatability_request-id': crypto.randomUUID() },
    body: JSON.stringify({
      properties: { inputData: { input1: { uri: 'https://x.blob.core.windows.net/d/', jobInputType: 'UriFolder' } }, tags: { team: 'risk' } },
    }),
  });
  expect(r.status).toBe(201);
  return r.json<{ name: string }>().name;
}

describe('resource manager through the real SDK', () => {
  it('workspaces', async () => {
    const ml = mlClient(emu);
    const w = await ml.workspaces.get(rg(), ws());
    expect(w.name).toBe(ws());
    expect(w.discoveryUrl).toBe(`${emu.urls.mlapi}/discovery`);
    expect((await all(ml.workspaces.listByResourceGroup(rg()))).map((x) => x.name)).toEqual([ws()]);
  });

  it('batch endpoints and deployments', async () => {
    const ml = mlClient(emu);
    const e = await ml.batchEndpoints.get(rg(), ws(), 'score-batch');
    expect(e.properties).toMatchObject({
      scoringUri: `${emu.urls.inference}/score-batch/jobs`,
      authMode: 'AADToken',
      provisioningState: 'Succeeded',
      defaults: { deploymentName: 'dep-a' },
    });
    expect((await all(ml.batchEndpoints.list(rg(), ws()))).map((x) => x.name)).toEqual(['score-batch']);
    const d = await ml.batchDeployments.get(rg(), ws(), 'score-batch', 'dep-b');
    expect(d.properties.compute).toMatch(/\/computes\/gpu-cluster$/);
    expect((await all(ml.batchDeployments.list(rg(), ws(), 'score-batch'))).map((x) => x.name)).toEqual(['dep-a', 'dep-b']);
  });

  it('online endpoints, keys, tokens and deployments', async () => {
    const ml = mlClient(emu);
    const e = await ml.onlineEndpoints.get(rg(), ws(), 'score-key');
    expect(e.properties).toMatchObject({ authMode: 'Key', traffic: { blue: 90, green: 10 }, scoringUri: `${emu.urls.inference}/score-key/score` });
    expect(e.properties.compute).toBeFalsy();
    expect((await ml.onlineEndpoints.get(rg(), ws(), 'score-k8s')).properties.compute).toMatch(/computes\/k8s-compute$/);
    expect((await all(ml.onlineEndpoints.list(rg(), ws()))).length).toBe(3);
    const keys = await ml.onlineEndpoints.listKeys(rg(), ws(), 'score-key');
    expect(keys.primaryKey).toMatch(/^\w{32}$/);
    const token = await ml.onlineEndpoints.getToken(rg(), ws(), 'score-token');
    expect(token.accessToken).toBeTruthy();
    expect(token.expiryTimeUtc).toBeGreaterThan(Date.now() / 1000);
    const managed = await ml.onlineDeployments.get(rg(), ws(), 'score-key', 'green');
    expect(managed.properties.endpointComputeType).toBe('Managed');
    const k8s = await ml.onlineDeployments.get(rg(), ws(), 'score-k8s', 'blue');
    expect(k8s.properties.endpointComputeType).toBe('Kubernetes');
    expect((await all(ml.onlineDeployments.list(rg(), ws(), 'score-key'))).map((x) => x.name)).toEqual(['blue', 'green']);
  });

  it('data assets: container with latestVersion, versions', async () => {
    const ml = mlClient(emu);
    expect((await ml.dataContainers.get(rg(), ws(), 'heart')).properties.latestVersion).toBe('2');
    expect((await ml.dataVersions.get(rg(), ws(), 'heart', '1')).properties.dataUri).toBe('azureml://datastores/workspaceblobstore/paths/heart/1/');
    expect((await all(ml.dataVersions.list(rg(), ws(), 'heart'))).map((v) => v.name)).toEqual(['2', '1']);
  });

  it('jobs: get, list by tag with paging, cancel through the LRO poller', async () => {
    const ml = mlClient(emu);
    const names: string[] = [];
    for (let i = 0; i < 23; i++) names.push(await invoke());
    const job = await ml.jobs.get(rg(), ws(), names[0]);
    expect(job.properties).toMatchObject({ jobType: 'Pipeline', status: 'Preparing', experimentName: 'score-batch' });
    expect(job.properties.tags).toMatchObject({ team: 'risk', 'azureml.batchrun': 'true', 'azureml.deploymentname': 'dep-a' });
    expect(job.properties.services?.Studio?.endpoint).toContain(names[0]);
    expect(job.systemData?.createdBy).toBe(emu.identities[0].clientId);
    const listed = await all(ml.jobs.list(rg(), ws(), { tag: 'team' }));
    expect(listed.map((j) => j.name).sort()).toEqual([...names].sort());
    expect(await all(ml.jobs.list(rg(), ws(), { tag: 'no-such-tag' }))).toEqual([]);

    const cancelled = ml.jobs.beginCancelAndWait(rg(), ws(), names[1], { updateIntervalInMs: 10 });
    await new Promise((r) => setTimeout(r, 50));
    emu.clock.advance(1000);
    await cancelled;
    expect((await ml.jobs.get(rg(), ws(), names[1])).properties.status).toBe('Canceled');
    emu.clock.advance(10_000);
    expect((await ml.jobs.get(rg(), ws(), names[2])).properties.status).toBe('Completed');
    await ml.jobs.beginCancelAndWait(rg(), ws(), names[2]);
    expect((await ml.jobs.get(rg(), ws(), names[2])).properties.status).toBe('Completed');
  });

  it('permissions at resource group and resource scope', async () => {
    const authz = authzClient(emu);
    const atRg = await all(authz.permissions.listForResourceGroup(rg()));
    expect(atRg[0].actions).toEqual(['*']);
    expect(atRg[0].notActions).toContain('Microsoft.Authorization/*/Write');
    const reader = await all(
      authzClient(emu, emu.identities[1].clientId).permissions.listForResource(
        rg(),
        'Microsoft.MachineLearningServices',
        `workspaces/${ws()}`,
        'batchEndpoints',
        'score-batch',
      ),
    );
    expect(reader).toEqual([{ actions: ['*/read'], notActions: [], dataActions: [], notDataActions: [] }]);
    expect(await all(authzClient(emu, emu.identities[1].clientId).permissions.listForResourceGroup(rg()))).toEqual([]);
  });
});

describe('resource manager errors', () => {
  const base = () =>
    `${emu.urls.management}/subscriptions/${emu.subscriptionId}/resourceGroups/${rg()}/providers/Microsoft.MachineLearningServices/workspaces/${ws()}`;

  it('401 without a token, with the challenge header', async () => {
    const r = await call(emu, 'GET', `${base()}?api-version=2022-10-01`);
    expect(r.status).toBe(401);
    expect(r.json()).toEqual({ error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." } });
    expect(r.headers['www-authenticate']).toMatch(/^Bearer authorization_uri="https:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+", error="invalid_token"/);
  });

  it('401 for a token of the wrong audience', async () => {
    const token = await accessToken(emu, 'https://ml.azure.com/.default');
    const r = await call(emu, 'GET', `${base()}?api-version=2022-10-01`, { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(401);
    expect(r.json<{ error: { code: string; message: string } }>().error.code).toBe('InvalidAuthenticationTokenAudience');
  });

  it('403 AuthorizationFailed naming client, object id, action and scope', async () => {
    const nobody = emu.identities[2];
    const token = await accessToken(emu, 'https://management.azure.com/.default', nobody.clientId);
    const r = await call(emu, 'GET', `${base()}/onlineEndpoints/score-key?api-version=2022-10-01`, { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(403);
    expect(r.json()).toEqual({
      error: {
        code: 'AuthorizationFailed',
        message: `The client '${nobody.clientId}' with object id '${nobody.objectId}' does not have authorization to perform action 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read' over scope '/subscriptions/${emu.subscriptionId}/resourceGroups/${rg()}/providers/Microsoft.MachineLearningServices/workspaces/${ws()}/onlineEndpoints/score-key' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      },
    });
  });

  it('404s: resource group, workspace, endpoint (after the RBAC check); 400 without api-version', async () => {
    const token = await accessToken(emu, 'https://management.azure.com/.default');
    const auth = { authorization: `Bearer ${token}` };
    const otherRg = `${emu.urls.management}/subscriptions/${emu.subscriptionId}/resourceGroups/rg-x/providers/Microsoft.MachineLearningServices/workspaces/w?api-version=2022-10-01`;
    // Contributor on rg-mlops holds nothing on rg-x: Azure answers 403 before it looks for it.
    expect((await call(emu, 'GET', otherRg, { headers: auth })).status).toBe(403);
    const subReader = await accessToken(emu, 'https://management.azure.com/.default', emu.identities[3].clientId);
    const rgMissing = await call(emu, 'GET', otherRg, { headers: { authorization: `Bearer ${subReader}` } });
    expect(rgMissing.json()).toEqual({ error: { code: 'ResourceGroupNotFound', message: "Resource group 'rg-x' could not be found." } });
    const wsMissing = await call(emu, 'GET', `${base()}x?api-version=2022-10-01`, { headers: auth });
    expect(wsMissing.status).toBe(404);
    expect(wsMissing.json<{ error: { code: string } }>().error.code).toBe('ResourceNotFound');
    const epMissing = await call(emu, 'GET', `${base()}/batchEndpoints/nope?api-version=2022-10-01`, { headers: auth });
    expect(epMissing.status).toBe(404);
    const noVersion = await call(emu, 'GET', base(), { headers: auth });
    expect(noVersion.json<{ error: { code: string } }>().error.code).toBe('MissingApiVersionParameter');
  });

  it('the permissions API can be made to refuse or fail', async () => {
    const authz = authzClient(emu);
    emu.world.permissionsApi = 'denied';
    await expect(all(authz.permissions.listForResourceGroup(rg()))).rejects.toMatchObject({ statusCode: 403, code: 'AuthorizationFailed' });
    emu.world.permissionsApi = 'error';
    await expect(all(authzClient(emu).permissions.listForResourceGroup(rg()))).rejects.toMatchObject({ statusCode: 500 });
    emu.world.permissionsApi = 'ok';
  });
});
