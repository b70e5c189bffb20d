// The simulated network (latencyMs): every service, every request, and the handshakes of a new
// connection pay the round trip; bytes arrive whole and in order; a reset still reaches the client.
// Only lower bounds are checked: a loaded machine can make a round trip longer, never shorter.
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type Service } from '../src/index.js';
import { assertionGrant, call, githubToken, viaProxy } from './client.js';

const RTT = 80;
let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ latencyMs: RTT });
});
afterAll(() => emu.close());

/** GET url over the agent; resolves with the status and the time to the end of the answer. */
function timedGet(url: string, agent: HttpsAgent | HttpAgent): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = send(url, { agent, ca: emu.caPem }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('round trip on every service', () => {
  it.each(['github', 'login', 'management', 'inference', 'mlapi', 'imds'] as Service[])(
    '%s: a new connection costs its handshakes, then each request one round trip',
    async (service) => {
      const secure = service !== 'imds';
      const agent = secure ? new HttpsAgent({ keepAlive: true, ca: emu.caPem }) : new HttpAgent({ keepAlive: true });
      const from = emu.connections.length;
      const url = `${emu.urls[service]}/no-such-route`;
      const first = await timedGet(url, agent);
      const second = await timedGet(url, agent);
      agent.destroy();
      expect([first.status, second.status]).toEqual([404, 404]);
      // TCP handshake, (TLS 1.3 handshake,) the request.
      expect(first.ms).toBeGreaterThanOrEqual((secure ? 3 : 2) * RTT);
      expect(second.ms).toBeGreaterThanOrEqual(RTT);
      expect(emu.connections.slice(from)).toEqual([{ time: expect.any(Number) as number, service }]);
    },
  );
});

describe('round trip to Blob storage', () => {
  it('the proxy is as far as any service: TCP, CONNECT, TLS and the request each pay it', async () => {
    const from = emu.connections.length;
    const started = performance.now();
    const { account, container } = emu.storage.datastore('workspaceblobstore');
    const r = await viaProxy(emu, 'GET', `${emu.storage.accountUrl(account)}/${container}?restype=container`);
    const ms = performance.now() - started;
    // Storage itself answered (no credential was sent: a refusal).
    expect(emu.proxyLog.at(-1)?.outcome).toBe('storage');
    expect(r.status).toBe(403);
    expect(ms).toBeGreaterThanOrEqual(4 * RTT);
    expect(emu.connections.slice(from)).toEqual([{ time: expect.any(Number) as number, service: 'storage' }]);
  });
});

describe('what passes through', () => {
  it('a whole exchange: a GitHub token, then Entra exchanging it', async () => {
    const assertion = await githubToken(emu);
    const r = await assertionGrant(emu, assertion);
    expect(r.status).toBe(200);
    expect(r.json<{ access_token: string }>().access_token.split('.')).toHaveLength(3);
  });

  it('a large body arrives whole and in order', async () => {
    const sent = { values: Array.from({ length: 100_000 }, (_, i) => i) };
    const r = await call(emu, 'POST', `${emu.urls.inference}/no-such-route`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sent),
    });
    expect(r.status).toBe(404);
    expect(emu.log.at(-1)!.body).toEqual(sent);
  });

  it('a reset still reaches the client', async () => {
    emu.setFaults({ rules: [{ kind: 'reset', path: '/discovery' }] });
    const agent = new HttpsAgent({ keepAlive: true, ca: emu.caPem });
    await expect(timedGet(`${emu.urls.mlapi}/discovery`, agent)).rejects.toThrow(/socket hang up|ECONNRESET/);
    agent.destroy();
    emu.setFaults(undefined);
  });
});
