// How a run uses the network and what it loads: the properties behind the bench's figures (npm run
// bench), checked exactly; the timings themselves belong to the bench. And a proxy is honoured.
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulator, QUICK, step, type Emulator } from './helpers.js';

const PRELOAD = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'loaded-modules.mjs');
const online = { 'endpoint-type': 'online', endpoint: 'score-key', request: '{"data": [[1]]}' };
const batch = { 'endpoint-type': 'batch', endpoint: 'score-batch', input: 'https://x.blob.core.windows.net/d/' };

let emu: Emulator;
beforeAll(async () => {
  emu = await emulator({
    batchEndpoints: [{ name: 'score-batch', jobPlan: QUICK }],
    identities: [{ secrets: ['lean-test-secret-value'] }, { name: 'vm', kind: 'managedIdentity', roles: [{ role: 'Contributor', scope: 'resourceGroup' }] }],
  });
});
afterAll(() => emu.close());

/** Runs the step and returns the built-in modules its process loaded. */
async function loadedBy(inputs: Record<string, string>, env: Record<string, string | undefined> = {}): Promise<string[]> {
  const file = join(mkdtempSync(join(tmpdir(), 'loaded-')), 'modules.txt');
  const r = await step(emu, inputs, { env: { NODE_OPTIONS: `--import=${pathToFileURL(PRELOAD).href}`, LOADED_MODULES_FILE: file, ...env } });
  expect(r.code, r.stdout).toBe(0);
  if (inputs['endpoint-type'] === 'batch') expect(r.outputs['job-status']).toBe('Completed');
  else expect(r.outputs['status-code']).toBe('200');
  return readFileSync(file, 'utf8').split('\n');
}

/** A run's requests as "service METHOD path" with the workspace folded, in arrival order. */
function sent(from: number): string[] {
  return emu.log.slice(from).map((e) => `${e.service} ${e.method} ${e.url.split('?')[0].replace(/^.*\/workspaces\/[^/]+/, '{ws}')}`);
}

function connectionsSince(from: number): Record<string, number> {
  const by: Record<string, number> = {};
  for (const c of emu.connections.slice(from)) by[c.service] = (by[c.service] ?? 0) + 1;
  return by;
}

describe('requests and connections', () => {
  it("a key-mode invoke: only the protocol's requests, over the connections opened ahead", async () => {
    const from = { log: emu.log.length, connections: emu.connections.length };
    const r = await step(emu, online);
    expect(r.code, r.stdout).toBe(0);
    const requests = sent(from.log);
    // The authority is overridden (authority-host): MSAL reads its configuration, read ahead.
    expect([...requests].sort()).toEqual(
      [
        'github GET /_apis/distributedtask/hubs/Actions/plans/' + emu.oidcRequestUrl.split('/plans/')[1].split('?')[0],
        `login GET /${emu.tenantId}/v2.0/.well-known/openid-configuration`,
        `login POST /${emu.tenantId}/oauth2/v2.0/token`,
        'management GET {ws}/onlineEndpoints/score-key',
        'management GET {ws}/onlineEndpoints/score-key/providers/Microsoft.Authorization/permissions',
        'management GET {ws}/onlineEndpoints/score-key/deployments/blue',
        'management POST {ws}/onlineEndpoints/score-key/listKeys',
        'inference POST /score-key/score',
      ].sort(),
    );
    // One connection per request in flight at once, each opened before anything could use it; the
    // step's environment names a proxy (HTTPS_PROXY) that NO_PROXY exempts the emulator's hosts from.
    expect(connectionsSince(from.connections)).toEqual({ github: 1, login: 1, management: 2, inference: 1 });
    const log = emu.log.slice(from.log);
    const token = log.find((e) => e.service === 'login' && e.method === 'POST')!;
    const listKeys = log.find((e) => e.url.includes('/listKeys'))!;
    const opened = (service: string) => emu.connections.slice(from.connections).filter((c) => c.service === service);
    for (const c of opened('management')) expect(c.time).toBeLessThanOrEqual(token.time);
    for (const c of opened('inference')) expect(c.time).toBeLessThanOrEqual(listKeys.time);
  });

  it('a batch invoke asks for both tokens at once, on one GitHub token', async () => {
    const from = { log: emu.log.length, connections: emu.connections.length };
    const r = await step(emu, batch);
    expect(r.code, r.stdout).toBe(0);
    const log = emu.log.slice(from.log);
    expect(log.filter((e) => e.service === 'github')).toHaveLength(1);
    const tokens = log.filter((e) => e.service === 'login' && e.method === 'POST');
    expect(tokens.map((e) => (e.body as Record<string, string>).scope).sort()).toEqual([
      'https://management.azure.com/.default',
      'https://ml.azure.com/.default',
    ]);
    // Both before the resource manager is read: neither waited for the other.
    const firstRead = log.find((e) => e.service === 'management')!;
    for (const t of tokens) expect(t.seq).toBeLessThan(firstRead.seq);
    expect(connectionsSince(from.connections)).toMatchObject({ github: 1, login: 2, inference: 1 });
  });

  it("a batch invoke finds its default output's service while the job runs: after the job's end, one request", async () => {
    const from = emu.log.length;
    const r = await step(emu, batch);
    expect(r.code, r.stdout).toBe(0);
    const log = emu.log.slice(from);
    const reads = log.filter((e) => e.method === 'GET' && /\/jobs\/[^/]+$/.test(e.url.split('?')[0]));
    const sawEnd = log.indexOf(reads.at(-1)!);
    expect(sent(from + sawEnd + 1).map((s) => s.replace(/runs\/[^/]+/, 'runs/{job}'))).toEqual(['mlapi GET {ws}/runs/{job}/children']);
    expect(r.outputs['output-uri']).toMatch(/^azureml:\/\/datastores\/workspaceblobstore\/paths\/azureml\/.+\/score\/$/);
  });
});

describe("Node's fetch implementation (undici, ~40 ms to load) is never loaded", () => {
  it.each([
    ['an online invoke, oidc', online, {}],
    ['a batch invoke followed to its end, oidc', batch, {}],
    ['an online invoke, client-secret', { ...online, 'auth-type': 'client-secret', 'client-secret': 'lean-test-secret-value' }, {}],
  ] as const)('%s', async (_, inputs, env) => {
    const loaded = await loadedBy(inputs, env);
    expect(loaded).toContain('NativeModule https');
    expect(loaded.filter((m) => /undici/.test(m))).toEqual([]);
  });

  it('an online invoke, managed-identity', async () => {
    const vm = emu.identities[1];
    const loaded = await loadedBy(
      { ...online, 'auth-type': 'managed-identity', 'client-id': vm.clientId, 'tenant-id': '' },
      { AZURE_POD_IDENTITY_AUTHORITY_HOST: emu.urls.imds, ACTIONS_ID_TOKEN_REQUEST_URL: undefined },
    );
    expect(loaded.filter((m) => /undici/.test(m))).toEqual([]);
  });
});

describe('behind a proxy (HTTPS_PROXY)', () => {
  let proxy: Server;
  const tunnels: string[] = [];
  beforeAll(async () => {
    // A forward proxy that only tunnels (CONNECT), as corporate proxies do for HTTPS.
    proxy = createServer((_, res) => res.writeHead(405).end());
    proxy.on('connect', (req, client: import('node:net').Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => {
    proxy.closeAllConnections();
    proxy.close();
  });

  it('sign-in, the resource manager and scoring all go through it', async () => {
    const r = await step(emu, online, { env: { HTTPS_PROXY: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, NO_PROXY: '' } });
    expect(r.code, r.stdout).toBe(0);
    const host = (url: string) => new URL(url).host;
    expect(new Set(tunnels)).toEqual(new Set([host(emu.urls.login), host(emu.urls.management), host(emu.urls.inference)]));
  });
});
