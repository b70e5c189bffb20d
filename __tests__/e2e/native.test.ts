// Every sign-in flow, the three clouds, and .jsonl smoke tests, as the runner runs them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulator, firstLine, JOB_POST, QUICK, requests, step, withEmulator, type Emulator } from './helpers.js';
import type { Cloud } from '../../emulator/src/index.js';

const online = { 'endpoint-type': 'online', endpoint: 'score-key', request: '{"data": [[1]]}' };
const batch = { 'endpoint-type': 'batch', endpoint: 'score-batch', input: 'https://x.blob.core.windows.net/d/' };

describe('sign-in flows', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await emulator({
      identities: [
        {},
        { name: 'vm', kind: 'managedIdentity', roles: [{ role: 'Contributor', scope: 'resourceGroup' }] },
        { name: 'cli-user', secrets: ['cli-session-secret-value'], federatedCredentials: [], roles: [{ role: 'Contributor', scope: 'resourceGroup' }] },
      ],
    });
  });
  afterAll(() => emu.close());

  it('managed-identity: a user-assigned identity on a self-hosted runner in Azure (IMDS)', async () => {
    const vm = emu.identities[1];
    const r = await step(
      emu,
      { ...online, 'auth-type': 'managed-identity', 'client-id': vm.clientId, 'tenant-id': '' },
      { env: { AZURE_POD_IDENTITY_AUTHORITY_HOST: emu.urls.imds, ACTIONS_ID_TOKEN_REQUEST_URL: undefined } },
    );
    expect(r.code, r.stdout).toBe(0);
    expect(r.visibleLog).toContain(`Signed in as service principal ${vm.clientId}`);
    expect(emu.log.some((e) => e.service === 'imds' && e.status === 200)).toBe(true);
  });

  it('managed-identity: no identity endpoint answers → a plain remedy', async () => {
    const r = await step(
      emu,
      { ...online, 'auth-type': 'managed-identity', 'client-id': emu.identities[1].clientId },
      { env: { AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://127.0.0.1:9' } },
    );
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe('Use auth-type: managed-identity only on a runner hosted in Azure with a managed identity; none answered here.');
  }, 90_000);

  it('azure-cli: reuses the session of an earlier az login', async () => {
    const cli = emu.identities[2];
    const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
    const r = await step(
      emu,
      { ...batch, 'auth-type': 'azure-cli', 'client-id': '', wait: 'false' },
      {
        env: {
          PATH: `${fixtures}:${process.env.PATH}`,
          FAKE_AZ_TOKEN_URL: `${emu.urls.login}/${emu.tenantId}/oauth2/v2.0/token`,
          FAKE_AZ_CLIENT_ID: cli.clientId,
          FAKE_AZ_SECRET: 'cli-session-secret-value',
          FAKE_AZ_TENANT: emu.tenantId,
          FAKE_AZ_SUBSCRIPTION: emu.subscriptionId,
          ACTIONS_ID_TOKEN_REQUEST_URL: undefined,
        },
      },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.visibleLog).toContain(`Signed in as service principal ${cli.clientId}`);
    expect(requests(emu, 'POST', JOB_POST).at(-1)!.token?.appid).toBe(cli.clientId);
  });

  it('azure-cli: no session → sign in first', async () => {
    const r = await step(emu, { ...online, 'auth-type': 'azure-cli' }, { env: { PATH: '/usr/bin:/bin' } });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe("Sign in with 'az login' or the azure/login action in an earlier step, or use auth-type: oidc.");
  });
});

describe.concurrent('clouds', () => {
  it.each([
    ['AzureUSGovernment', 'https://management.usgovcloudapi.net/', 'https://ml.azure.us'],
    ['AzureChinaCloud', 'https://management.chinacloudapi.cn/', 'https://ml.azure.cn'],
  ] as [Cloud, string, string][])('%s: tokens for its own audiences, hosts from the overrides', (cloud, arm, ml) =>
    withEmulator({ cloud, batchEndpoints: [{ name: 'score-batch', jobPlan: QUICK }] }, async (emu) => {
      const r = await step(emu, batch);
      expect(r.code, r.stdout).toBe(0);
      expect(r.visibleLog).toContain(`Signing in to ${cloud}`);
      expect(emu.log.filter((e) => e.service === 'management').every((e) => e.token?.aud === arm)).toBe(true);
      expect(requests(emu, 'POST', JOB_POST)[0].token?.aud).toBe(ml);
      const wrong = await step(emu, { ...batch, cloud: 'AzureCloud' });
      expect(wrong.code).toBe(1);
      expect(firstLine(wrong)).toMatch(/^Check 'cloud': tenant .+ does not know the resource this action asked a token for \(AADSTS500011\)\.$/);
    }),
  );
});

describe('.jsonl smoke tests', () => {
  let emu: Emulator;
  let dir: string;
  beforeAll(async () => {
    emu = await emulator({
      onlineEndpoints: [
        { name: 'score-key', authMode: 'key', latencyMs: 5 },
        {
          name: 'flaky',
          authMode: 'key',
          respond: (req) => {
            const { n } = JSON.parse(req.body.toString()) as { n: number };
            return n === 7
              ? { status: 424, body: 'model crashed', headers: { 'ms-azureml-model-error-statuscode': '500', 'ms-azureml-model-error-reason': 'model_error' } }
              : { status: 200, body: { n } };
          },
        },
        { name: 'slow', authMode: 'key', latencyMs: 150 },
      ],
    });
    dir = mkdtempSync(join(tmpdir(), 'jsonl-'));
    writeFileSync(join(dir, 'requests.jsonl'), Array.from({ length: 40 }, (_, n) => JSON.stringify({ n })).join('\n') + '\n');
  });
  afterAll(() => emu.close());

  it('sends one request per line with concurrency in flight, answers in input order', async () => {
    const r = await step(emu, { ...online, request: '', 'request-file': 'requests.jsonl', concurrency: '8', endpoint: 'flaky' }, { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.outputs['failed-requests']).toBe('1');
    expect(r.outputs['status-code']).toBe('424');
    expect(firstLine(r)).toBe(
      "Fix the model of deployment 'blue': it answered 424, Azure's answer when the model's container returns an error (the model answered 500 model_error).",
    );
    expect(r.annotations[0].message).toContain('1 of 40 scoring requests failed; the first is line 8 of requests.jsonl.');
    expect(r.summary).toContain('| 424 model error 500 | 1 | 8 |');
    const lines = r.responseFile!.trim().split('\n');
    expect(lines).toHaveLength(40);
    expect(lines[0]).toBe('{"n":0}');
    expect(lines[7]).toBe('"model crashed"');
    expect(lines[39]).toBe('{"n":39}');
    expect(r.summary).toContain('| Requests | 40 (1 failed) |');
  });

  it('reports p50/p95 and passes under the latency gate', async () => {
    const r = await step(emu, { ...online, request: '', 'request-file': 'requests.jsonl', concurrency: '4', 'max-latency-ms': '5000' }, { cwd: dir });
    expect(r.code, r.stdout).toBe(0);
    expect(Number(r.outputs['latency-p50-ms'])).toBeGreaterThanOrEqual(5);
    expect(Number(r.outputs['latency-p95-ms'])).toBeGreaterThanOrEqual(Number(r.outputs['latency-p50-ms']));
    expect(r.outputs['failed-requests']).toBe('0');
    const inFlight = requests(emu, 'POST', /\/score$/).slice(-40);
    expect(inFlight).toHaveLength(40);
    expect(r.summary).toMatch(/\| Latency p50 \/ p95 \| \d+ ms \/ \d+ ms \|/);
  });

  it('fails when the p95 latency is over max-latency-ms', async () => {
    const r = await step(emu, { ...online, endpoint: 'slow', 'max-latency-ms': '50' });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toMatch(/^Make the model faster or raise max-latency-ms: the p95 latency, \d+ ms, exceeds max-latency-ms 50\.$/);
    expect(Number(r.outputs['latency-p95-ms'])).toBeGreaterThan(50);
  });
});
