// The bench's cold-start yardstick times a process at its first request's headers, not at its first
// connection: a process that opens a connection ahead and writes its request later (as the action's
// warm-up did) must not be credited with the connection's time.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../../emulator/src/index.js';
import { firstRequestProbe, invokePhases, type FirstRequestProbe, type InvokeRun } from '../../scripts/bench-kit.js';

let probe: FirstRequestProbe;
beforeAll(async () => {
  probe = await firstRequestProbe();
});
afterAll(() => probe.close());

/** A node process that connects to the probe and writes its request 50 ms later, saying when it connected. */
const stub = () => [
  process.execPath,
  '-e',
  `const s = require('node:net').connect(${new URL(probe.url).port}, '127.0.0.1', () => {
     const at = performance.timeOrigin + performance.now();
     setTimeout(() => s.write('GET /?connected=' + at + ' HTTP/1.1\\r\\nhost: x\\r\\n\\r\\n'), 50);
   });`,
];

it('times a process at its request, not at the connection it opened 50 ms before', async () => {
  let connected = NaN;
  const onRequest = (req: { url?: string }) => (connected = Number(new URL(req.url ?? '', probe.url).searchParams.get('connected')));
  probe.server.on('request', onRequest);
  const { ms, spawnedAt } = await probe.time(stub(), {});
  probe.server.off('request', onRequest);
  expect(connected, 'the request reached the probe').toBeGreaterThan(spawnedAt);
  // Timed at the connection, ms would be about connected - spawnedAt (the clocks of two processes
  // agree to well under the 5 ms allowed).
  expect(ms).toBeGreaterThanOrEqual(connected - spawnedAt + 45);
});

it('refuses a process that ends without a request', async () => {
  await expect(probe.time([process.execPath, '-e', 'process.exitCode = 3'], {})).rejects.toThrow(/exited \(3\) before any request/);
});

describe('invokePhases', () => {
  const entry = (service: RequestLogEntry['service'], method: string, time: number): RequestLogEntry => ({
    seq: 0,
    time,
    service,
    method,
    url: '/',
    status: 200,
    headers: {},
    durationMs: 1,
  });
  /** A run spawned at 1000 whose requests reach the services at the offsets given, ending at `end`. */
  const run = (at: { github?: number; token?: number; arm?: number; score?: number }, end: number): InvokeRun => ({
    spawnedAt: 1000,
    endedAt: 1000 + end,
    traffic: {
      connections: [],
      requests: [
        ...(at.github === undefined ? [] : [entry('github', 'GET', 1000 + at.github)]),
        // MSAL's read of the OpenID configuration is not the token request.
        ...(at.token === undefined ? [] : [entry('login', 'GET', 1000 + at.token - 1), entry('login', 'POST', 1000 + at.token)]),
        ...(at.arm === undefined ? [] : [entry('management', 'GET', 1000 + at.arm), entry('management', 'POST', 1000 + at.arm + 3)]),
        ...(at.score === undefined ? [] : [entry('inference', 'POST', 1000 + at.score)]),
      ],
    },
  });

  it('splits a run at the first request of each kind', () => {
    expect(invokePhases([run({ github: 10, token: 30, arm: 50, score: 70 }, 80)]).map((p) => p.ms)).toEqual([10, 20, 20, 20, 10]);
  });

  it('gives the median of each phase, leaving out the runs that skipped its request', () => {
    const phases = invokePhases([
      run({ github: 10, token: 30, arm: 50, score: 70 }, 80),
      run({ github: 20, token: 60, arm: 70, score: 90 }, 95),
      run({ github: 30, arm: 60, score: 80 }, 90),
    ]);
    expect(phases.map((p) => p.ms)).toEqual([20, 30, 15, 20, 10]);
    expect(invokePhases([run({ github: 5, arm: 9, score: 12 }, 15)])[1].ms).toBeNaN();
  });

  it('sums to the whole run, whatever its timings', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 5, maxLength: 5 }), (gaps) => {
        const [github, token, arm, score, end] = gaps.map((_, i) => gaps.slice(0, i + 1).reduce((a, b) => a + b, 0) + i);
        const total = invokePhases([run({ github, token, arm, score }, end)]).reduce((sum, p) => sum + p.ms, 0);
        expect(total).toBe(end);
      }),
    );
  });
});
