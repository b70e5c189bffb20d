// No failure ends with only Azure's raw message: every fault the emulator can set — each injected
// fault kind, each scoring condition of the troubleshooting table, and each state a resource, a
// network or a job can be put in — ends the run with a first line that says what to do, then why.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FaultKind, ScoringCondition, Service, WorldSpec } from '../../emulator/src/index.js';
import { firstLine, QUICK, step, withEmulator, type StepResult } from './helpers.js';

/**
 * The house form of a first line: an imperative next step, a colon, then the cause. A missing
 * permission is said in one sentence that names both: grant <the action> on <the scope>.
 */
const NEXT_STEP = /^(Check|Grant|Raise|Lower|Wait|Re-run|Fix|Set|Run|Scale|Make|Give|Switch)\b[^:]*: (.+)$/;
const GRANT = /^(Grant) .+ ('Microsoft\.[^']+' on .+)$/;

function explained(r: StepResult, raw: string[] = []): void {
  expect(r.code, r.stdout).toBe(1);
  const line = firstLine(r);
  const m = NEXT_STEP.exec(line) ?? GRANT.exec(line);
  expect(m, `first line: ${line}`).not.toBeNull();
  const cause = m![2];
  // The cause is the action's own sentence, not Azure's answer passed on.
  expect(cause.length).toBeGreaterThan(20);
  for (const text of raw) expect(cause.trim()).not.toBe(text);
  expect(cause).not.toMatch(/^[{<]/);
  expect(line).not.toMatch(/unexpected error/);
}

const ML = 'Microsoft.MachineLearningServices/workspaces';
const online = (endpoint = 'smoke', extra: Record<string, string> = {}) => ({ 'endpoint-type': 'online', endpoint, request: '{"data": [[1, 2]]}', ...extra });
const batch = { 'endpoint-type': 'batch', endpoint: 'score-batch', input: 'https://example.blob.core.windows.net/data/' };
const smoke = (deployment: Record<string, unknown> = {}): WorldSpec['onlineEndpoints'] => [
  { name: 'smoke', authMode: 'key', deployments: [{ name: 'blue', requestSettings: { requestTimeout: 'PT0.1S' }, ...deployment }] },
];

const INJECTED: FaultKind[] = ['429', '429-no-retry-after', '500', '502', '503', '504', 'reset', 'lost-response', 'slow'];

describe.concurrent('every injected fault kind, at the scoring URI', () => {
  it.each(INJECTED)('%s', (kind) =>
    withEmulator({ onlineEndpoints: smoke() }, async (emu) => {
      emu.setFaults({ rules: [{ kind, service: 'inference', times: Infinity, delayMs: 1_500 }] });
      // 'slow' answers, late: the latency gate is what fails.
      const r = await step(emu, online('smoke', kind === 'slow' ? { 'max-latency-ms': '500' } : {}));
      explained(r, ['The request is being throttled.', 'The service is temporarily unavailable. Please retry.']);
    }),
  );
});

describe.concurrent('injected faults that outlast the retries elsewhere', () => {
  // 429 with Retry-After 1 s keeps the retries short; the kinds themselves are all tried above.
  it.each<[Service, FaultKind, string]>([
    ['management', '429', '/onlineEndpoints/smoke'],
    ['mlapi', '429', '/discovery'],
    ['inference', 'reset', '/jobs'],
  ])('%s %s (%s)', (service, kind, path) =>
    withEmulator(
      {
        onlineEndpoints: smoke(),
        batchEndpoints: [{ name: 'score-batch', jobPlan: { ...QUICK, final: 'Failed', error: { code: 'UserError', message: 'boom' } } }],
      },
      async (emu) => {
        emu.setFaults({ rules: [{ kind, service, path, times: Infinity, retryAfterSeconds: 1 }] });
        const r = await step(emu, service === 'management' ? online() : batch, { timeoutMs: 180_000 });
        explained(r, ['The request is being throttled.', 'The service is temporarily unavailable. Please retry.']);
      },
    ),
  );
});

const CONDITIONS: ScoringCondition[] = [
  'model-error',
  'timeout',
  'too-many-pending',
  'rate-limited',
  'infrastructure',
  'conflict',
  'crash',
  'spike',
  'gateway-timeout',
];

describe.concurrent('every scoring condition of the troubleshooting table', () => {
  it.each(CONDITIONS)('%s', (condition) =>
    withEmulator({ onlineEndpoints: smoke({ condition }) }, async (emu) => {
      explained(await step(emu, online()), ['upstream request timeout', 'no healthy upstream', 'Bad Gateway']);
    }),
  );

  it('enforced limits (429 past the limit)', () =>
    withEmulator(
      { onlineEndpoints: [{ name: 'smoke', authMode: 'key', latencyMs: 300, deployments: [{ name: 'blue', enforceRequestLimits: true }] }] },
      async (emu) => {
        const dir = mkdtempSync(join(tmpdir(), 'explained-'));
        writeFileSync(join(dir, 'r.jsonl'), Array.from({ length: 6 }, (_, n) => JSON.stringify({ n })).join('\n'));
        explained(await step(emu, { ...online(), request: '', 'request-file': 'r.jsonl', concurrency: '6' }, { cwd: dir }));
      },
    ));
});

describe.concurrent('every state a resource, a network or a job can be set to', () => {
  const failedDeployment = {
    provisioningState: 'Failed',
    provisioningError: { code: 'ResourceNotReady', message: 'User container has crashed or terminated.' },
  };
  it.each<[string, WorldSpec, Record<string, string>, Record<string, string>?]>([
    ['deployment still updating, no wait', { onlineEndpoints: smoke({ provisioningState: 'Updating' }) }, online()],
    [
      'deployment still updating past wait-for-ready',
      { onlineEndpoints: smoke({ provisioningState: 'Scaling' }) },
      online('smoke', { 'wait-for-ready': '0.03' }),
    ],
    ['deployment failed', { onlineEndpoints: smoke(failedDeployment) }, online()],
    ['deployment failed, no error kept', { onlineEndpoints: smoke({ provisioningState: 'Failed' }) }, online()],
    ['endpoint being created', { onlineEndpoints: [{ name: 'smoke', authMode: 'key', provisioningState: 'Creating' }] }, online()],
    ['endpoint canceled', { onlineEndpoints: [{ name: 'smoke', authMode: 'key', provisioningState: 'Canceled' }] }, online()],
    ['batch deployment failed', { batchEndpoints: [{ name: 'score-batch', deployments: [{ name: 'default', ...failedDeployment }] }] }, batch],
    [
      'private endpoint, hosted runner',
      { onlineEndpoints: [{ name: 'smoke', authMode: 'key', publicNetworkAccess: 'Disabled' }] },
      online(),
      { RUNNER_ENVIRONMENT: 'github-hosted' },
    ],
    [
      'private endpoint, self-hosted runner outside',
      { onlineEndpoints: [{ name: 'smoke', authMode: 'key', publicNetworkAccess: 'Disabled' }] },
      online(),
      { RUNNER_ENVIRONMENT: 'self-hosted' },
    ],
    ['private workspace, hosted runner', { network: { privateWorkspaces: ['ws-scoring'] } }, batch, { RUNNER_ENVIRONMENT: 'github-hosted' }],
    ['private workspace, self-hosted runner outside', { network: { privateWorkspaces: ['ws-scoring'] } }, batch, { RUNNER_ENVIRONMENT: 'self-hosted' }],
    ['job failed', { batchEndpoints: [{ name: 'score-batch', jobPlan: { ...QUICK, final: 'Failed', error: { code: 'UserError', message: 'boom' } } }] }, batch],
    [
      'job failed, its logs unreadable',
      { batchEndpoints: [{ name: 'score-batch', jobPlan: { ...QUICK, final: 'Failed', error: { code: 'UserError', message: 'boom' }, logs: {} } }] },
      batch,
    ],
    ['job canceled by someone else', { batchEndpoints: [{ name: 'score-batch', jobPlan: { ...QUICK, final: 'Canceled' } }] }, batch],
    [
      'job still queued at timeout-minutes',
      { batchEndpoints: [{ name: 'score-batch', jobPlan: { steps: [{ status: 'Queued', durationMs: 600_000 }] } }] },
      { ...batch, 'timeout-minutes': '0.05' },
    ],
    ['no permission to score (missing listKeys)', { identities: [{ roles: [{ role: 'Reader', scope: 'resourceGroup' }] }] }, online('score-key')],
    [
      'model log not readable',
      {
        onlineEndpoints: smoke({ condition: 'model-error' }),
        roles: [{ name: 'scorer', actions: [`${ML}/onlineEndpoints/read`, `${ML}/onlineEndpoints/listKeys/action`, `${ML}/onlineEndpoints/deployments/read`] }],
        identities: [{ roles: [{ role: 'scorer', scope: 'workspace' }] }],
      },
      online(),
    ],
  ])('%s', (_name, world, inputs, env) =>
    withEmulator(world, async (emu) => {
      explained(await step(emu, inputs, { env }));
    }),
  );
});
