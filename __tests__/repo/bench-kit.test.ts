// The bench's cold-start yardstick times a process at its first request's headers, not at its first
// connection: a process that opens a connection ahead and writes its request later (as the action's
// warm-up did) must not be credited with the connection's time.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { firstRequestProbe, type FirstRequestProbe } from '../../scripts/bench-kit.js';

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
