// No OIDC token, access token, endpoint key, aml token or client secret ever reaches the log, the
// outputs or the summary — in any scenario, debug logging included. The emulator knows every
// secret it handed out; the step may only mention one in the ::add-mask:: command itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulator, firstLine, QUICK, step, type Emulator, type StepResult } from './helpers.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await emulator({
    batchEndpoints: [{ name: 'score-batch', jobPlan: QUICK }],
    identities: [
      { secrets: ['s3cret-value-of-the-app-7f2'] },
      { name: 'reader', roles: [{ role: 'Reader', scope: 'resourceGroup' }] },
      { name: 'stranger', federatedCredentials: [{ subject: 'repo:other/repo:ref:refs/heads/main' }] },
    ],
  });
});
afterAll(() => emu.close());

/** Where a run's outcome is read: its first error line, or the output that reports its success. */
type Said = ['first line' | 'job-status' | 'status-code', RegExp];
const online = (endpoint: string) => ({ 'endpoint-type': 'online', endpoint, request: '{"data": [[1]]}' });
const OK: Said = ['status-code', /^200$/];

const scenarios: [string, Record<string, string>, number, Said, string?][] = [
  ['batch, completed', { 'endpoint-type': 'batch', endpoint: 'score-batch', input: 'https://x.blob.core.windows.net/d/' }, 0, ['job-status', /^Completed$/]],
  [
    'batch, wait: false',
    { 'endpoint-type': 'batch', endpoint: 'score-batch', input: 'https://x.blob.core.windows.net/d/', wait: 'false' },
    0,
    ['job-status', /^(NotStarted|Starting|Provisioning|Preparing|Queued|Running)$/],
  ],
  ['online, key', online('score-key'), 0, OK],
  ['online, aml_token', online('score-token'), 0, OK],
  ['online, aad_token', online('score-aad'), 0, OK],
  [
    'client secret',
    { 'endpoint-type': 'online', endpoint: 'score-key', request: '{}', 'auth-type': 'client-secret', 'client-secret': 's3cret-value-of-the-app-7f2' },
    0,
    OK,
  ],
  [
    'wrong client secret',
    { 'endpoint-type': 'online', endpoint: 'score-key', request: '{}', 'auth-type': 'client-secret', 'client-secret': 'not-the-s3cret-at-all-91x' },
    1,
    ['first line', /^Update 'client-secret': .+\(AADSTS7000215\)\.$/],
  ],
  [
    'missing permissions',
    { 'endpoint-type': 'online', endpoint: 'score-key', request: '{}' },
    1,
    ['first line', /^Grant .+\/listKeys\/action' on online endpoint 'score-key'/],
    'reader',
  ],
  ['federation mismatch', { 'endpoint-type': 'online', endpoint: 'score-key', request: '{}' }, 1, ['first line', /\(AADSTS700213\)\.$/], 'stranger'],
  [
    'bad input',
    { 'endpoint-type': 'online', endpoint: 'score-key', request: '{', 'client-secret': 'another-s3cret-in-an-input' },
    1,
    ['first line', /^Input 'client-secret' is set but auth-type is 'oidc'/],
  ],
];

function leaks(r: StepResult, secrets: string[]): string[] {
  const printed = r.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
  const places = { stdout: printed, stderr: r.stderr, outputs: JSON.stringify(r.outputs), summary: r.summary, state: JSON.stringify(r.state) };
  return secrets.flatMap((s) =>
    Object.entries(places)
      .filter(([, text]) => text.includes(s))
      .map(([where]) => `${where}: ${s.slice(0, 12)}…`),
  );
}

describe.each([
  ['normal logging', {}],
  ['debug logging', { RUNNER_DEBUG: '1', ACTIONS_STEP_DEBUG: 'true' }],
])('%s', (_mode, env) => {
  it.each(scenarios)('%s', async (_name, inputs, code, [where, outcome], identity) => {
    const r = await step(emu, inputs, { identity, env });
    expect(r.code, r.stdout).toBe(code);
    expect(where === 'first line' ? firstLine(r) : r.outputs[where]).toMatch(outcome);
    const secrets = [...emu.secrets(), 'not-the-s3cret-at-all-91x', 'another-s3cret-in-an-input'].filter((s) => s.length >= 8);
    expect(secrets.length).toBeGreaterThan(4);
    expect(leaks(r, secrets)).toEqual([]);
    if (inputs['client-secret']) expect(r.masked).toContain(inputs['client-secret']);
  });
});

describe('the leak check itself', () => {
  it('finds a secret printed anywhere but in ::add-mask::', () => {
    const r = { stdout: '::add-mask::tok-123456789\nusing tok-123456789 now', stderr: '', outputs: {}, summary: '', state: {} } as unknown as StepResult;
    expect(leaks(r, ['tok-123456789'])).toEqual(['stdout: tok-12345678…']);
    expect(leaks({ ...r, stdout: '::add-mask::tok-123456789' }, ['tok-123456789'])).toEqual([]);
  });
});
