// npm run sdk-check: Microsoft's own Python SDK (azure-ai-ml, Debian's python3-azure) against the
// emulator, unmodified, through ../shared/tools/azure-ai-ml-check/check.py: batch invoke, poll and
// cancel, a local folder uploaded to the default datastore and the predictions downloaded (run
// history, the datastore, Blob storage through the emulator's proxy), a batch job followed with
// jobs.stream() as `az ml job stream` does (--stream: its run details, logFiles, SAS reads), and
// the online endpoints.
// Where the SDK fails, the emulator differs from Azure. Exits with the check's status.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { clientConfig, demoWorld } from '../emulator/src/demo.js';
import { startEmulator } from '../emulator/src/index.js';
import { ROOT } from './runner.js';

const PYTHON = '/usr/bin/python3';
const TOOL = resolve(ROOT, '..', 'shared', 'tools', 'azure-ai-ml-check');

/** Why the check cannot run here, if it cannot. */
function missingPrerequisite(): string | undefined {
  if (!existsSync(join(TOOL, 'check.py')))
    return `sdk-check: ${join(TOOL, 'check.py')} is missing; it comes with the project's shared folder beside the repository.`;
  const probe = spawnSync(PYTHON, ['-c', 'import azure.ai.ml, azure.storage.blob'], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: TOOL } });
  if (probe.status !== 0) {
    return [
      "sdk-check needs Microsoft's Python SDK for Azure Machine Learning (azure-ai-ml) from Debian, which is not installed:",
      '',
      '  sudo apt-get update && sudo apt-get install -y python3-azure',
      '',
      `(${PYTHON} said: ${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()})`,
    ].join('\n');
  }
  return undefined;
}

const missing = missingPrerequisite();
if (missing) {
  console.error(missing);
  process.exit(2);
}

const emu = await startEmulator(demoWorld());
const dir = mkdtempSync(join(tmpdir(), 'sdk-check-'));
const config = join(dir, 'emulator.json');
const cfg = clientConfig(emu);
writeFileSync(config, JSON.stringify(cfg));
const online = (cfg.onlineEndpoints as string[]).flatMap((e) => ['--online-endpoint', e]);
const args = [join(TOOL, 'check.py'), config, '--batch-endpoint', (cfg.batchEndpoints as string[])[0], ...online, '--data', '--stream'];
console.error(`sdk-check: ${PYTHON} check.py against the emulator at ${emu.url} (proxy ${emu.proxyUrl})`);
// Asynchronous, so the emulator in this process keeps answering while the SDK runs.
const code = await new Promise<number>((done) => {
  const child = spawn(PYTHON, args, { cwd: dir, env: { ...process.env, PYTHONPATH: TOOL }, stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('close', (c) => done(c ?? 1));
});
await emu.close();
rmSync(dir, { recursive: true, force: true });
console.error(code === 0 ? 'sdk-check: every step passed.' : `sdk-check: failed (exit ${code}).`);
process.exit(code);
