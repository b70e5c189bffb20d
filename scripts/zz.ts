import { startEmulator } from '../emulator/src/index.js';
import { runStep } from './runner.js';
const emu = await startEmulator({ batchEndpoints: [{ name: 'score-batch', jobPlan: { steps: [{ status: 'Running', durationMs: 200 }] } }] });
emu.setFaults({ rules: [{ kind: 'lost-response', service: 'inference', method: 'POST', path: '/jobs', times: 1 }] });
const r = await runStep({ inputs: { ...emu.actionInputs(), 'endpoint-type': 'batch', endpoint: 'score-batch', input: 'https://x/y/' }, env: emu.env(), timeoutMs: 20000, onStdout: (t) => process.stdout.write(t) });
console.log('code', r.code, r.signal);
for (const e of emu.log) console.log(e.status, e.method, e.url.split('?')[0].slice(-60), e.fault ?? '');
await emu.close();
