// The ML data planes: batch invoke creates a job that advances on the emulator clock; online
// scoring by auth mode; run history; the service switches for repeatability and tags.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type WorldSpec } from '../src/index.js';
import { accessToken, call, mlClient } from './client.js';

const ML = 'Microsoft.MachineLearningServices';
let emu: Emulator;
const spec: WorldSpec = {
  clock: 'manual',
  batchEndpoints: [
    {
      name: 'score-batch',
      deployments: ['dep-a', { name: 'pipe', type: 'pipelineComponent' }],
      jobPlan: {
        steps: [
          { status: 'Preparing', durationMs: 1000 },
          { status: 'Running', durationMs: 5000 },
        ],
      },
    },
  ],
  onlineEndpoints: [
    { name: 'score-key', authMode: 'key', deployments: ['blue', 'green'], traffic: { blue: 100, green: 0 } },
    { name: 'score-token', authMode: 'aml_token' },
    { name: 'score-aad', authMode: 'aad_token' },
    { name: 'score-k8s', authMode: 'aad_token', compute: 'kubernetes' },
    {
      name: 'score-model-error',
      authMode: 'key',
      respond: () => ({
        status: 424,
        body: 'model crashed',
        headers: { 'ms-azureml-model-error-statuscode': '500', 'ms-azureml-model-error-reason': 'model_error' },
      }),
    },
  ],
  dataAssets: [{ name: 'heart', versions: ['1'] }],
  identities: [
    {},
    { name: 'scientist', roles: [{ role: 'AzureML Data Scientist', scope: 'workspace' }] },
    { name: 'reader', roles: [{ role: 'Reader', scope: 'resourceGroup' }] },
  ],
};
beforeAll(async () => {
  emu = await startEmulator(spec);
});
afterAll(() => emu.close());

const jobsUrl = () => `${emu.urls.inference}/score-batch/jobs`;
async function post(body: unknown, o: { identity?: string; deployment?: string; repeatability?: string; scope?: string } = {}) {
  const token = await accessToken(emu, o.scope ?? 'https://ml.azure.com/.default', o.identity);
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  if (o.deployment) headers['azureml-model-deployment'] = o.deployment;
  if (o.repeatability) headers['repeatability_request-id'] = o.repeatability;
  return call(emu, 'POST', jobsUrl(), { headers, body: JSON.stringify(body) });
}
const input = { properties: { inputData: { input1: { uri: 'https://x.blob.core.windows.net/d/', jobInputType: 'UriFolder' } } } };

describe('batch invoke', () => {
  it("answers 201 with the recorded reply's shape, and the job advances on the clock", async () => {
    const r = await post(input);
    expect(r.status).toBe(201);
    const body = r.json<{ id: string; name: string; properties: Record<string, unknown> }>();
    expect(body.name).toMatch(/^batchjob-[0-9a-f-]{36}$/);
    expect(body.id).toMatch(new RegExp(`/batchEndpoints/score-batch/deployments/dep-a/jobs/${body.name}$`));
    expect(body.properties.status).toBe('Preparing');
    expect(body.properties.name).toMatch(/^[a-z]+_[a-z]+_[a-z0-9]{8}$/);
    expect((body.properties.interactionEndpoints as { Studio: { endpoint: string } }).Studio.endpoint).toContain(body.name);
    expect(r.headers['azureml-model-deployment']).toBe('dep-a');
    expect(r.headers.location).toBeTruthy();
    const ml = mlClient(emu);
    const status = async () => (await ml.jobs.get(emu.resourceGroup, emu.workspace, body.name)).properties.status;
    expect(await status()).toBe('Preparing');
    emu.clock.advance(1000);
    expect(await status()).toBe('Running');
    emu.clock.advance(5000);
    expect(await status()).toBe('Completed');
  });

  it('takes PascalCase, a data asset id, the deployment header and a pipeline experiment name', async () => {
    const id = `/subscriptions/${emu.subscriptionId}/resourceGroups/${emu.resourceGroup}/providers/${ML}/workspaces/${emu.workspace}/data/heart/versions/1`;
    const r = await post(
      {
        Properties: {
          InputData: { d: { Uri: id, JobInputType: 'UriFile' }, n: { jobInputType: 'Literal', value: '3' } },
          properties: { experimentName: 'nightly' },
        },
      },
      { deployment: 'pipe' },
    );
    expect(r.status).toBe(201);
    const job = emu.jobs().find((j) => j.name === r.json<{ name: string }>().name)!;
    expect(job).toMatchObject({ deployment: 'pipe', experimentName: 'nightly' });
  });

  it('rejects bad bodies, unknown deployments and missing data assets', async () => {
    expect((await post({ properties: { inputData: { a: { uri: 'x', jobInputType: 'MLTable' } } } })).status).toBe(400);
    expect((await post({ properties: { inputData: { a: { jobInputType: 'Literal', value: '1' } } } })).status).toBe(400);
    expect((await post(input, { deployment: 'nope' })).status).toBe(404);
    const missing = await post({
      properties: {
        inputData: {
          a: { uri: `/subscriptions/s/resourceGroups/r/providers/${ML}/workspaces/${emu.workspace}/data/none/versions/9`, jobInputType: 'UriFolder' },
        },
      },
    });
    expect(missing.status).toBe(400);
    expect(missing.json<{ error: { message: string } }>().error.message).toContain('none:9');
  });

  it('needs an ML-audience token and all 35 batch actions', async () => {
    expect((await post(input, { scope: 'https://management.azure.com/.default' })).status).toBe(401);
    const scientist = emu.identities[1];
    const r = await post(input, { identity: scientist.clientId });
    expect(r.status).toBe(403);
    expect(r.json<{ error: { code: string; message: string } }>().error).toEqual({
      code: 'AuthorizationFailed',
      message: `The client '${scientist.clientId}' with object id '${scientist.objectId}' does not have authorization to perform action '${ML}/workspaces/read' over scope '/subscriptions/${emu.subscriptionId}/resourceGroups/${emu.resourceGroup}/providers/${ML}/workspaces/${emu.workspace}/batchEndpoints/score-batch' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    });
  });

  it('dedupes a repeated repeatability id, or not, as the world says', async () => {
    const id = crypto.randomUUID();
    const a = (await post(input, { repeatability: id })).json<{ name: string }>().name;
    const b = (await post(input, { repeatability: id })).json<{ name: string }>().name;
    expect(b).toBe(a);
    emu.world.service = { dedupeRepeatability: false };
    const c = (await post(input, { repeatability: id })).json<{ name: string }>().name;
    expect(c).not.toBe(a);
    emu.world.service = {};
  });

  it('keeps client tags, or drops them, as the world says', async () => {
    const tagged = { properties: { ...input.properties, tags: { 'azureml-invoke.invocation-id': 'abc' } } };
    const keptName = (await post(tagged)).json<{ name: string }>().name;
    const kept = emu.jobs().find((j) => j.name === keptName)!;
    expect(kept.tags).toMatchObject({ 'azureml-invoke.invocation-id': 'abc', 'azureml.batchrun': 'true' });
    emu.world.service = { keepClientTags: false };
    const droppedName = (await post(tagged)).json<{ name: string }>().name;
    const dropped = emu.jobs().find((j) => j.name === droppedName)!;
    expect(dropped.tags['azureml-invoke.invocation-id']).toBeUndefined();
    expect(dropped.tags['azureml.batchrun']).toBe('true');
    emu.world.service = {};
  });

  it("run history carries a failed job's own error", async () => {
    emu.nextJobPlans.push({ steps: [], final: 'Failed', error: { code: 'UserError', message: 'No module named sklearn' } });
    const name = (await post(input)).json<{ name: string }>().name;
    const discovery = (await call(emu, 'GET', `${emu.urls.mlapi}/discovery`)).json<{ history: string }>();
    const token = await accessToken(emu, 'https://management.azure.com/.default');
    const url = `${discovery.history}/history/v1.0/subscriptions/${emu.subscriptionId}/resourceGroups/${emu.resourceGroup}/providers/${ML}/workspaces/${emu.workspace}/runs/${name}/details`;
    const details = (await call(emu, 'GET', url, { headers: { authorization: `Bearer ${token}` } })).json<{
      status: string;
      error: { error: { code: string; message: string } };
    }>();
    expect(details.status).toBe('Failed');
    expect(details.error.error).toMatchObject({ code: 'UserError', message: 'No module named sklearn' });
  });
});

describe('online scoring', () => {
  const score = (endpoint: string, auth: string | undefined, headers: Record<string, string> = {}) =>
    call(emu, 'POST', `${emu.urls.inference}/${endpoint}/score`, {
      headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), 'content-type': 'application/json', ...headers },
      body: '{"data": [[1], [2], [3]]}',
    });

  it('key: the listed key scores, another is key_auth_access_denied', async () => {
    const keys = await mlClient(emu).onlineEndpoints.listKeys(emu.resourceGroup, emu.workspace, 'score-key');
    const ok = await score('score-key', keys.secondaryKey);
    expect(ok.status).toBe(200);
    expect(ok.json()).toEqual({ deployment: 'blue', predictions: [0, 1, 0] });
    const denied = await score('score-key', 'not-the-key');
    expect(denied.status).toBe(401);
    expect(denied.text).toBe('key_auth_access_denied');
  });

  it('routes by the deployment header; an unknown deployment is 404', async () => {
    const keys = await mlClient(emu).onlineEndpoints.listKeys(emu.resourceGroup, emu.workspace, 'score-key');
    expect((await score('score-key', keys.primaryKey, { 'azureml-model-deployment': 'green' })).json()).toMatchObject({ deployment: 'green' });
    expect((await score('score-key', keys.primaryKey, { 'azureml-model-deployment': 'red' })).status).toBe(404);
  });

  it('aml_token: the endpoint token scores', async () => {
    const t = await mlClient(emu).onlineEndpoints.getToken(emu.resourceGroup, emu.workspace, 'score-token');
    expect((await score('score-token', t.accessToken)).status).toBe(200);
    expect((await score('score-token', 'x.y.z')).status).toBe(401);
  });

  it('aad_token: needs score/action (401 without it, not 403) and the ML audience; Kubernetes refuses it', async () => {
    expect((await score('score-aad', await accessToken(emu, 'https://ml.azure.com/.default'))).status).toBe(200);
    expect((await score('score-aad', await accessToken(emu, 'https://ml.azure.com/.default', emu.identities[1].clientId))).status).toBe(200);
    expect((await score('score-aad', await accessToken(emu, 'https://ml.azure.com/.default', emu.identities[2].clientId))).status).toBe(401);
    expect((await score('score-aad', await accessToken(emu, 'https://management.azure.com/.default'))).status).toBe(401);
    expect((await score('score-k8s', await accessToken(emu, 'https://ml.azure.com/.default'))).status).toBe(401);
  });

  it('passes model errors through with their headers', async () => {
    const keys = await mlClient(emu).onlineEndpoints.listKeys(emu.resourceGroup, emu.workspace, 'score-model-error');
    const r = await score('score-model-error', keys.primaryKey);
    expect(r.status).toBe(424);
    expect(r.headers['ms-azureml-model-error-statuscode']).toBe('500');
  });
});
