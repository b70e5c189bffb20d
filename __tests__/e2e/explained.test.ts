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

/** Failed (exit code 1) with a first line in the house form that says `outcome`, not Azure's `raw` words. */
function explained(r: StepResult, outcome: RegExp, raw: string[] = []): void {
  expect(r.code, r.stdout).toBe(1);
  const line = firstLine(r);
  expect(line).toMatch(outcome);
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

/** Each kind with what its first line says. */
const INJECTED: [FaultKind, RegExp][] = [
  ['429', /answered 429/],
  ['429-no-retry-after', /answered 429/],
  ['500', /answered 500/],
  ['502', /answered 502/],
  ['503', /answered 503/],
  ['504', /answered 504/],
  ['reset', /dropped the connection \(ECONNRESET\)/],
  ['lost-response', /dropped the connection \(ECONNRESET\)/],
  ['slow', /the p95 latency, \d+ ms, exceeds max-latency-ms 500/],
];

describe.concurrent('every injected fault kind, at the scoring URI', () => {
  it.each(INJECTED)('%s', (kind, outcome) =>
    withEmulator({ onlineEndpoints: smoke() }, async (emu) => {
      emu.setFaults({ rules: [{ kind, service: 'inference', times: Infinity, delayMs: 1_500 }] });
      // 'slow' answers, late: the latency gate is what fails.
      const r = await step(emu, online('smoke', kind === 'slow' ? { 'max-latency-ms': '500' } : {}));
      explained(r, outcome, ['The request is being throttled.', 'The service is temporarily unavailable. Please retry.']);
    }),
  );
});

const STEP_LIMIT_MS = 110_000;

describe.concurrent('injected faults that outlast the retries elsewhere', () => {
  // 429 with Retry-After 1 s keeps the retries short; the kinds themselves are all tried above.
  // They take 11-15 s alone; the step gets longer under load, and the test longer than the step, so a
  // hung step is killed by the runner (which prints its last lines) before vitest gives up.
  it.each<[Service, FaultKind, string, RegExp]>([
    ['management', '429', '/onlineEndpoints/smoke', /did not answer to read online endpoint 'smoke' after several retries \(HTTP 429/],
    ['mlapi', '429', '/discovery', /failed: \(run history answered 429/],
    ['inference', 'reset', '/jobs', /did not accept the job after \d+ attempts \(last: connection reset \(ECONNRESET\)\)/],
  ])(
    '%s %s (%s)',
    (service, kind, path, outcome) =>
      withEmulator(
        {
          onlineEndpoints: smoke(),
          batchEndpoints: [{ name: 'score-batch', jobPlan: { ...QUICK, final: 'Failed', error: { code: 'UserError', message: 'boom' } } }],
        },
        async (emu) => {
          emu.setFaults({ rules: [{ kind, service, path, times: Infinity, retryAfterSeconds: 1 }] });
          const r = await step(emu, service === 'management' ? online() : batch, { timeoutMs: STEP_LIMIT_MS });
          explained(r, outcome, ['The request is being throttled.', 'The service is temporarily unavailable. Please retry.']);
        },
      ),
    STEP_LIMIT_MS + 10_000,
  );
});

/** Each condition with the status its first line names. */
const CONDITIONS: [ScoringCondition, RegExp][] = [
  ['model-error', /answered 424/],
  ['timeout', /answered 408/],
  ['too-many-pending', /answered 429/],
  ['rate-limited', /answered 429/],
  ['infrastructure', /answered 500/],
  ['conflict', /answered 409 Conflict/],
  ['crash', /answered 502/],
  ['spike', /answered 503/],
  ['gateway-timeout', /answered 504/],
];

describe.concurrent('every scoring condition of the troubleshooting table', () => {
  it.each(CONDITIONS)('%s', (condition, outcome) =>
    withEmulator({ onlineEndpoints: smoke({ condition }) }, async (emu) => {
      explained(await step(emu, online()), outcome, ['upstream request timeout', 'no healthy upstream', 'Bad Gateway']);
    }),
  );

  it('enforced limits (429 past the limit)', () =>
    withEmulator(
      { onlineEndpoints: [{ name: 'smoke', authMode: 'key', latencyMs: 300, deployments: [{ name: 'blue', enforceRequestLimits: true }] }] },
      async (emu) => {
        const dir = mkdtempSync(join(tmpdir(), 'explained-'));
        writeFileSync(join(dir, 'r.jsonl'), Array.from({ length: 6 }, (_, n) => JSON.stringify({ n })).join('\n'));
        explained(await step(emu, { ...online(), request: '', 'request-file': 'r.jsonl', concurrency: '6' }, { cwd: dir }), /^Lower 'concurrency' to 2 /);
      },
    ));
});

describe.concurrent('every state a resource, a network or a job can be set to', () => {
  const failedDeployment = {
    provisioningState: 'Failed',
    provisioningError: { code: 'ResourceNotReady', message: 'User container has crashed or terminated.' },
  };
  it.each<[string, WorldSpec, Record<string, string>, RegExp, Record<string, string>?]>([
    [
      'deployment still updating, no wait',
      { onlineEndpoints: smoke({ provisioningState: 'Updating' }) },
      online(),
      /^Wait for deployment 'blue' .+its state is 'Updating'/,
    ],
    [
      'deployment still updating past wait-for-ready',
      { onlineEndpoints: smoke({ provisioningState: 'Scaling' }) },
      online('smoke', { 'wait-for-ready': '0.03' }),
      /^Raise wait-for-ready .+ still 'Scaling' after/,
    ],
    ['deployment failed', { onlineEndpoints: smoke(failedDeployment) }, online(), /'Failed' \(ResourceNotReady: User container has crashed or terminated\.\)/],
    [
      'deployment failed, no error kept',
      { onlineEndpoints: smoke({ provisioningState: 'Failed' }) },
      online(),
      /^Fix or redeploy deployment 'blue': its provisioning state is 'Failed',/,
    ],
    [
      'endpoint being created',
      { onlineEndpoints: [{ name: 'smoke', authMode: 'key', provisioningState: 'Creating' }] },
      online(),
      /online endpoint 'smoke' .+its state is 'Creating'/,
    ],
    [
      'endpoint canceled',
      { onlineEndpoints: [{ name: 'smoke', authMode: 'key', provisioningState: 'Canceled' }] },
      online(),
      /online endpoint 'smoke': its provisioning state is 'Canceled'/,
    ],
    [
      'batch deployment failed',
      { batchEndpoints: [{ name: 'score-batch', deployments: [{ name: 'default', ...failedDeployment }] }] },
      batch,
      /deployment 'default': its provisioning state is 'Failed'/,
    ],
    [
      'private endpoint, hosted runner',
      { onlineEndpoints: [{ name: 'smoke', authMode: 'key', publicNetworkAccess: 'Disabled' }] },
      online(),
      /online endpoint 'smoke' .+publicNetworkAccess is Disabled.+GitHub-hosted runner/,
      { RUNNER_ENVIRONMENT: 'github-hosted' },
    ],
    [
      'private endpoint, self-hosted runner outside',
      { onlineEndpoints: [{ name: 'smoke', authMode: 'key', publicNetworkAccess: 'Disabled' }] },
      online(),
      /online endpoint 'smoke' .+dropped the connection \(ECONNRESET\), and its publicNetworkAccess is Disabled/,
      { RUNNER_ENVIRONMENT: 'self-hosted' },
    ],
    [
      'private workspace, hosted runner',
      { network: { privateWorkspaces: ['ws-scoring'] } },
      batch,
      /workspace 'ws-scoring' has publicNetworkAccess Disabled.+GitHub-hosted runner/,
      { RUNNER_ENVIRONMENT: 'github-hosted' },
    ],
    [
      'private workspace, self-hosted runner outside',
      { network: { privateWorkspaces: ['ws-scoring'] } },
      batch,
      /private link configuration denies access from outside its virtual network/,
      { RUNNER_ENVIRONMENT: 'self-hosted' },
    ],
    [
      'job failed',
      { batchEndpoints: [{ name: 'score-batch', jobPlan: { ...QUICK, final: 'Failed', error: { code: 'UserError', message: 'boom' } } }] },
      batch,
      /job \S+ failed: boom$/,
    ],
    [
      'job failed, its logs unreadable',
      { batchEndpoints: [{ name: 'score-batch', jobPlan: { ...QUICK, final: 'Failed', error: { code: 'UserError', message: 'boom' }, logs: {} } }] },
      batch,
      /job \S+ failed: boom$/,
    ],
    [
      'job canceled by someone else',
      { batchEndpoints: [{ name: 'score-batch', jobPlan: { ...QUICK, final: 'Canceled' } }] },
      batch,
      /^Check in the studio who canceled job/,
    ],
    [
      'job still queued at timeout-minutes',
      { batchEndpoints: [{ name: 'score-batch', jobPlan: { steps: [{ status: 'Queued', durationMs: 600_000 }] } }] },
      { ...batch, 'timeout-minutes': '0.05' },
      /was still Queued after timeout-minutes \(0\.05\), so it was cancelled/,
    ],
    [
      'no permission to score (missing listKeys)',
      { identities: [{ roles: [{ role: 'Reader', scope: 'resourceGroup' }] }] },
      online('score-key'),
      /'Microsoft\.MachineLearningServices\/workspaces\/onlineEndpoints\/listKeys\/action' on online endpoint 'score-key'/,
    ],
    [
      'model log not readable',
      {
        onlineEndpoints: smoke({ condition: 'model-error' }),
        roles: [{ name: 'scorer', actions: [`${ML}/onlineEndpoints/read`, `${ML}/onlineEndpoints/listKeys/action`, `${ML}/onlineEndpoints/deployments/read`] }],
        identities: [{ roles: [{ role: 'scorer', scope: 'workspace' }] }],
      },
      online(),
      /answered 424/,
    ],
  ])('%s', (_name, world, inputs, outcome, env) =>
    withEmulator(world, async (emu) => {
      explained(await step(emu, inputs, { env }), outcome);
    }),
  );
});
