// npm run emulator: the demo world on free ports; prints one JSON line with everything a client
// needs, logs requests to stderr, and runs until interrupted. --lean: answers carry only the
// fields their models require (WorldSpec.lean).
import { clientConfig, demoWorld } from './demo.js';
import { startEmulator } from './index.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const basePort = flag('base-port');
const emu = await startEmulator(
  {
    ...demoWorld({ seed: Number(flag('seed') ?? 1), latencyMs: Number(flag('latency-ms') ?? 0), clientSecret: flag('client-secret') }),
    lean: process.argv.includes('--lean'),
  },
  {
    basePort: basePort ? Number(basePort) : undefined,
    caDir: flag('ca-dir'),
  },
);
process.stdout.write(`${JSON.stringify(clientConfig(emu))}\n`);
let shown = 0;
const timer = setInterval(() => {
  for (; shown < emu.log.length; shown++) {
    const e = emu.log[shown];
    process.stderr.write(`${e.status} ${e.method} ${e.service} ${e.url.split('?')[0]}${e.fault ? ` [fault ${e.fault}]` : ''}\n`);
  }
}, 200);
const stop = async () => {
  clearInterval(timer);
  await emu.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
