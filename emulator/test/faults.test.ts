// Injected faults, as a client sees them; the request log, as a test reads it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/index.js';
import { accessToken, call, credential, githubToken, mlClient } from './client.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ onlineEndpoints: [{ name: 'score-key', authMode: 'key' }], identities: [{ secrets: ['hunter2-secret-value'] }] });
});
afterAll(() => emu.close());

const discovery = () => call(emu, 'GET', `${emu.urls.mlapi}/discovery`);

describe('fault injection', () => {
  it.each([
    ['500', 500],
    ['502', 502],
    ['503', 503],
    ['504', 504],
    ['429', 429],
    ['429-no-retry-after', 429],
  ] as const)('%s answers %i, then the route works again', async (kind, status) => {
    emu.setFaults({ rules: [{ kind, path: '/discovery', retryAfterSeconds: 7 }] });
    const r = await discovery();
    expect(r.status).toBe(status);
    expect(r.headers['retry-after']).toBe(kind === '429' ? '7' : undefined);
    expect((await discovery()).status).toBe(200);
    expect(emu.log.at(-2)!.fault).toBe(kind);
    emu.setFaults(undefined);
  });

  it('reset destroys the connection before answering', async () => {
    emu.setFaults({ rules: [{ kind: 'reset', path: '/discovery' }] });
    await expect(discovery()).rejects.toThrow(/socket hang up|ECONNRESET/);
    emu.setFaults(undefined);
  });

  it('slow delays the answer', async () => {
    emu.setFaults({ rules: [{ kind: 'slow', path: '/discovery', delayMs: 300 }] });
    const started = performance.now();
    expect((await discovery()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    emu.setFaults(undefined);
  });

  it('lost-response commits the job and never answers', async () => {
    const before = emu.jobs().length;
    emu.setFaults({ rules: [{ kind: 'lost-response', service: 'inference', method: 'POST' }] });
    const token = await accessToken(emu, 'https://ml.azure.com/.default');
    await expect(
      call(emu, 'POST', `${emu.urls.inference}/score-batch/jobs`, {
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ properties: { inputData: { a: { uri: 'https://x/y/', jobInputType: 'UriFolder' } } } }),
      }),
    ).rejects.toThrow();
    expect(emu.jobs().length).toBe(before + 1);
    emu.setFaults(undefined);
  });

  it('rules skip matches with after and fire times times', async () => {
    emu.setFaults({ rules: [{ kind: '503', path: '/discovery', after: 1, times: 2 }] });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await discovery()).status);
    expect(statuses).toEqual([200, 503, 503, 200, 200]);
    emu.setFaults(undefined);
  });

  it('random faults repeat exactly for the same seed and request order', async () => {
    const run = async (seed: number) => {
      emu.setFaults({ seed, rate: 0.3, kinds: ['500', '503'] });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await discovery()).status);
      emu.setFaults(undefined);
      return statuses;
    };
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    expect(a.filter((s) => s !== 200).length).toBeGreaterThan(3);
    expect(await run(8)).not.toEqual(a);
  });

  it('the real SDK retries through injected 503s', async () => {
    emu.setFaults({ rules: [{ kind: '503', service: 'management', method: 'GET', times: 2 }] });
    const e = await mlClient(emu).onlineEndpoints.get(emu.resourceGroup, emu.workspace, 'score-key');
    expect(e.name).toBe('score-key');
    emu.setFaults(undefined);
  });
});

describe('request log', () => {
  it('records service, action, token claims and faults, and redacts every secret', async () => {
    emu.clearLog();
    const oidc = await githubToken(emu);
    const cred = credential(emu);
    const arm = (await cred.getToken('https://management.azure.com/.default')).token;
    const ml = mlClient(emu);
    const keys = await ml.onlineEndpoints.listKeys(emu.resourceGroup, emu.workspace, 'score-key');
    await call(emu, 'POST', `${emu.urls.inference}/score-key/score`, { headers: { authorization: `Bearer ${keys.primaryKey}` }, body: '{}' });
    await call(emu, 'POST', `${emu.urls.login}/${emu.tenantId}/oauth2/v2.0/token`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: emu.identities[0].clientId,
        client_secret: 'hunter2-secret-value',
        grant_type: 'client_credentials',
        scope: 'https://ml.azure.com/.default',
      }).toString(),
    });
    const text = JSON.stringify(emu.log);
    for (const secret of [oidc, arm, keys.primaryKey!, emu.oidcRequestToken, 'hunter2-secret-value']) expect(text).not.toContain(secret);
    expect(emu.log.map((e) => e.service)).toEqual(expect.arrayContaining(['github', 'login', 'management', 'inference']));
    const listKeys = emu.log.find((e) => e.url.includes('/listKeys'))!;
    expect(listKeys.action).toBe('Microsoft.MachineLearningServices/workspaces/onlineEndpoints/listKeys/action');
    expect(listKeys.token).toMatchObject({ kind: 'entra', aud: 'https://management.azure.com/', oid: emu.identities[0].objectId });
    expect(listKeys.headers.authorization).toBe('Bearer <redacted>');
    expect(emu.log.find((e) => e.service === 'inference')!.token).toEqual({ kind: 'key' });
    const tokenPost = emu.log.find((e) => e.service === 'login' && e.method === 'POST')!;
    expect(tokenPost.body).toMatchObject({ client_assertion: '<redacted>' });
  });
});
