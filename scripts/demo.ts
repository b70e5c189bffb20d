// npm run demo: the bundled action, run exactly as the GitHub runner runs it, against the local
// Azure emulator — a batch job and an online request that succeed, then the failures a newcomer
// most needs to see explained: a missing permission, a model that fails, and a deployment that
// cannot start because its endpoint's own identity lacks a role — and a release gate that catches
// a new deployment answering unlike the live one, printing what a user would see: the log, the
// step outputs and the job summary.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator/src/index.js';
import { BUNDLE, runStep, type StepResult } from './runner.js';

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function show(title: string, r: StepResult): void {
  console.log(`\n${bold(`━━━ ${title} ━━━`)}`);
  console.log(bold('Log (as the runner shows it):'));
  console.log(
    r.visibleLog
      .trim()
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  );
  console.log(bold(`\nExit code: ${r.code}   (${(r.wallMs / 1000).toFixed(2)} s)`));
  console.log(bold('Outputs:'));
  for (const [k, v] of Object.entries(r.outputs)) console.log(`  ${k} = ${v.length > 200 ? `${v.slice(0, 200)}…` : v}`);
  console.log(bold('\nJob summary ($GITHUB_STEP_SUMMARY):'));
  console.log(
    r.summary
      .trim()
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  );
}

async function main(): Promise<void> {
  if (!existsSync(BUNDLE)) throw new Error('dist/index.cjs is missing: run npm run build');
  const emu = await startEmulator({
    jobPlan: {
      steps: [
        { status: 'Preparing', durationMs: 1500 },
        { status: 'Running', durationMs: 2500 },
        { status: 'Finalizing', durationMs: 500 },
      ],
    },
    onlineEndpoints: [
      { name: 'score-key', authMode: 'key' },
      // A release's smoke test against a deployment whose score.py raises.
      { name: 'heart-classifier', authMode: 'key', deployments: [{ name: 'green', condition: 'model-error' }] },
      // A new deployment on an endpoint whose user-assigned identity may read the storage account
      // but was never granted AcrPull on the workspace's registry: Azure cannot pull its image.
      {
        name: 'churn-model',
        authMode: 'key',
        identity: {
          type: 'UserAssigned',
          identities: [{ name: 'churn-model-identity', roles: [{ role: 'Storage Blob Data Reader', scope: 'storageAccount' }] }],
        },
      },
      // A blue/green rollout: green, a new model version, answers a fifth of the rows otherwise.
      {
        name: 'churn-predictor',
        authMode: 'key',
        deployments: [
          { name: 'blue', model: { version: '1' } },
          { name: 'green', model: { version: '2', changes: 0.2, jitter: 1e-7, requestId: true } },
        ],
        traffic: { blue: 100 },
      },
    ],
    identities: [{}, { name: 'ci-reader', roles: [{ role: 'Reader', scope: 'resourceGroup' }] }],
  });
  console.log(`Azure emulator on ${emu.url} (tenant ${emu.tenantId}, workspace ${emu.workspace})`);
  try {
    const batch = await runStep({
      inputs: {
        ...emu.actionInputs(),
        'endpoint-type': 'batch',
        endpoint: 'score-batch',
        input: 'https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data/',
      },
      env: emu.env(),
    });
    show('Batch endpoint: create a scoring job and wait for it', batch);
    const online = await runStep({
      inputs: {
        ...emu.actionInputs(),
        'endpoint-type': 'online',
        endpoint: 'score-key',
        request: '{"input_data": {"columns": ["age", "chol"], "data": [[63, 233], [37, 250]]}}',
      },
      env: emu.env(),
    });
    show('Online endpoint: score one request', online);
    const request = '{"input_data": {"columns": ["age", "chol"], "data": [[63, 233]]}}';
    const denied = await runStep({
      inputs: { ...emu.actionInputs('ci-reader'), 'endpoint-type': 'online', endpoint: 'score-key', request },
      env: emu.env(),
    });
    show('A missing permission: an identity with Reader only cannot list the endpoint keys', denied);
    const failing = await runStep({
      inputs: { ...emu.actionInputs(), 'endpoint-type': 'online', endpoint: 'heart-classifier', request },
      env: emu.env(),
    });
    show("A smoke test whose model fails: the cause, then the model's own log", failing);
    const unstarted = await runStep({
      inputs: { ...emu.actionInputs(), 'endpoint-type': 'online', endpoint: 'churn-model', request },
      env: emu.env(),
    });
    show("A deployment that cannot start: the role its endpoint's identity lacks, and the command", unstarted);
    const gated = await releaseGate(emu);
    show('A release gate: green, the new deployment, answers unlike blue, the live one', gated);
    // The failures are the point: the demo succeeds when they fail, explained.
    const explained = (r: StepResult) => r.code === 1 && r.annotations.some((a) => a.level === 'error');
    const failedExplained = [denied, failing, unstarted, gated].every(explained);
    process.exitCode = batch.code === 0 && online.code === 0 && failedExplained ? 0 : 1;
  } finally {
    await emu.close();
  }
}

/** Twelve requests to green and to blue, held to blue's answers and two thresholds. */
function releaseGate(emu: Awaited<ReturnType<typeof startEmulator>>): Promise<StepResult> {
  const dir = mkdtempSync(join(tmpdir(), 'demo-gate-'));
  const rows = Array.from({ length: 12 }, (_, i) => JSON.stringify({ input_data: { columns: ['tenure', 'plan'], data: [[i * 3, i % 3]] } }));
  writeFileSync(join(dir, 'requests.jsonl'), `${rows.join('\n')}\n`);
  return runStep({
    inputs: {
      ...emu.actionInputs(),
      'endpoint-type': 'online',
      endpoint: 'churn-predictor',
      deployment: 'green',
      'compare-to': 'blue',
      'request-file': 'requests.jsonl',
      'ignore-fields': '$..request_id',
      thresholds: 'agreement: rate>=0.95\nlatency: p(95)<1000',
      'junit-file': 'reports/release-gate.xml',
    },
    env: emu.env(),
    cwd: dir,
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
