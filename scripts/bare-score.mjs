// The emulator's scoring ceiling, measured the way the action scores: a separate bare Node process
// POSTing `count` requests with `concurrency` in flight over keep-alive connections, with
// node:https and nothing else (the leanest client Node has). Prints {wallMs, p50, p95}.
// Config in BENCH_CONFIG: {scoringUri, key, body, count, concurrency}.
import { Agent, request } from 'node:https';

const c = JSON.parse(process.env.BENCH_CONFIG);
const agent = new Agent({ keepAlive: true, maxSockets: c.concurrency });
const url = new URL(c.scoringUri);
const latencies = [];
let next = 0;

function post() {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { authorization: `Bearer ${c.key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(c.body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(c.body);
  });
}

const started = performance.now();
await Promise.all(
  Array.from({ length: c.concurrency }, async () => {
    while (next < c.count) {
      next++;
      const t = performance.now();
      await post();
      latencies.push(performance.now() - t);
    }
  }),
);
const wallMs = performance.now() - started;
agent.destroy();
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.max(0, Math.ceil((p / 100) * latencies.length) - 1)];
console.log(JSON.stringify({ wallMs, p50: pct(50), p95: pct(95) }));
