// The emulator's scoring ceiling, measured the way the action scores: a separate bare Node process
// POSTing `count` requests with `concurrency` in flight over keep-alive connections, with
// node:https and nothing else (the leanest client Node has). Prints {wallMs}: the bench takes the
// rate from the emulator's log, and this only as proof the run finished.
// Config in BENCH_CONFIG: {scoringUri, key, body, count, concurrency}.
import { Agent, request } from 'node:https';

const c = JSON.parse(process.env.BENCH_CONFIG);
const agent = new Agent({ keepAlive: true, maxSockets: c.concurrency });
const url = new URL(c.scoringUri);
let next = 0;

function post() {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { authorization: `Bearer ${c.key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(c.body) } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(c.body);
  });
}

const started = performance.now();
await Promise.all(
  Array.from({ length: c.concurrency }, async () => {
    while (next < c.count) {
      next++;
      await post();
    }
  }),
);
const wallMs = performance.now() - started;
agent.destroy();
console.log(JSON.stringify({ wallMs }));
