// Faults Azure and GitHub really produce: retried reads, exactly one job whatever answer is lost,
// long polls past token lifetimes, cancellation by signal, timeout and the post step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulator, firstLine, JOB_POST, LAUNCH, QUICK, requests, step, stepWithPost, withEmulator, type Emulator } from './helpers.js';
import { runAndSignal } from '../../scripts/runner.js';
import type { WorldSpec } from '../../emulator/src/index.js';
import { faultedBatchRuns } from '../../scripts/fault-runs.js';

const batch = { 'endpoint-type': 'batch', endpoint: 'score-batch', input: 'https://example.blob.core.windows.net/data/' };
const LONG = { steps: [{ status: 'Running' as const, durationMs: 120_000 }], cancelDelayMs: 300 };

describe.concurrent('transient failures of reads are retried, with the reason logged', () => {
  it('503 twice on reading the endpoint, 429 with Retry-After on a poll', () =>
    withEmulator({ batchEndpoints: [{ name: 'score-batch', jobPlan: QUICK }] }, async (emu) => {
      emu.setFaults({
        rules: [
          { kind: '503', service: 'management', method: 'GET', path: /\/batchEndpoints\/score-batch$/, times: 2 },
          { kind: '429', service: 'management', method: 'GET', path: /\/jobs\/batchjob-/, retryAfterSeconds: 1 },
        ],
      });
      const r = await step(emu, batch);
      expect(r.code, r.stdout).toBe(0);
      expect(r.visibleLog).toMatch(/GET 127\.0\.0\.1:\d+\/subscriptions\/.+\/batchEndpoints\/score-batch: 503 Service Unavailable; retry 1 of 5 in \d+\.\d s/);
      expect(r.visibleLog).toMatch(/retry 2 of 5/);
      expect(r.visibleLog).toMatch(/\/jobs\/batchjob-\S+: 429 Too Many Requests; retry 1 of 5 in 1\.0 s \(as Retry-After asks\)/);
    }));

  it('a 404 is not retried', () =>
    withEmulator({}, async (emu) => {
      const r = await step(emu, { ...batch, endpoint: 'nope' });
      expect(r.code).toBe(1);
      expect(requests(emu, 'GET', /\/batchEndpoints\/nope$/)).toHaveLength(1);
      expect(r.visibleLog).not.toContain('retry');
    }));

  it('connection resets and a lost token answer are retried', () =>
    withEmulator({ batchEndpoints: [{ name: 'score-batch', jobPlan: QUICK }] }, async (emu) => {
      emu.setFaults({
        rules: [
          { kind: 'reset', service: 'management', method: 'GET', times: 1 },
          { kind: 'lost-response', service: 'login', method: 'POST', times: 1 },
          { kind: '503', service: 'github', times: 1 },
        ],
      });
      const r = await step(emu, batch);
      expect(r.code, r.stdout).toBe(0);
      expect(r.visibleLog).toMatch(/connection reset \(ECONNRESET\); retry 1 of 5/);
      expect(emu.jobs()).toHaveLength(1);
    }));
});

describe.concurrent('exactly one job per run', () => {
  const cases: [string, WorldSpec['service'], 'lost-response' | '503' | '502' | 'reset'][] = [
    ['lost answer; the service keeps tags and dedupes', {}, 'lost-response'],
    ['lost answer; the service keeps no tags and does not dedupe', { keepClientTags: false, dedupeRepeatability: false }, 'lost-response'],
    ['lost answer; tags kept, no dedupe', { dedupeRepeatability: false }, 'lost-response'],
    ['503 before anything was created', { keepClientTags: false, dedupeRepeatability: false }, '503'],
    ['connection reset before anything was created', { keepClientTags: false, dedupeRepeatability: false }, 'reset'],
  ];
  it.each(cases)('%s', (_name, service, kind) =>
    withEmulator({ service, batchEndpoints: [{ name: 'score-batch', jobPlan: QUICK }] }, async (emu) => {
      emu.setFaults({ rules: [{ kind, service: 'inference', method: 'POST', path: '/jobs', times: 1 }] });
      const r = await step(emu, batch);
      expect(r.code, r.stdout).toBe(0);
      expect(emu.jobs()).toHaveLength(1);
      expect(r.outputs['job-name']).toBe(emu.jobs()[0].name);
      expect(r.outputs['job-status']).toBe('Completed');
      const posts = requests(emu, 'POST', JOB_POST);
      expect(posts.length).toBe(kind === 'lost-response' ? 1 : 2);
      expect(new Set(posts.map((p) => p.headers['repeatability_request-id'])).size).toBe(1);
      if (kind === 'lost-response') expect(r.visibleLog).toContain(`Found job ${emu.jobs()[0].name}, created by this run: following it.`);
      else expect(r.visibleLog).toContain('No job of this run exists; posting again (attempt 2 of 4)');
    }),
  );

  it('stops, naming them, when more than one job could be its own', () =>
    withEmulator({ service: { keepClientTags: false, dedupeRepeatability: false }, batchEndpoints: [{ name: 'score-batch', jobPlan: LONG }] }, async (emu) => {
      // An earlier run of the same identity, moments ago, whose tags the service also dropped.
      const first = await step(emu, { ...batch, wait: 'false' });
      expect(first.code, first.stdout).toBe(0);
      emu.setFaults({ rules: [{ kind: 'lost-response', service: 'inference', method: 'POST', path: '/jobs', times: 1 }] });
      const r = await step(emu, { ...batch, wait: 'false' });
      expect(r.code).toBe(1);
      expect(emu.jobs()).toHaveLength(2);
      expect(firstLine(r)).toMatch(/^Cancel the extra jobs in the studio: 2 jobs may have been created by this run \(batchjob-.+, batchjob-.+\)\.$/);
      expect(firstLine(r)).toContain(first.outputs['job-name']);
    }));

  it('never posts again when it cannot look for its job', () =>
    withEmulator({ batchEndpoints: [{ name: 'score-batch', jobPlan: QUICK }] }, async (emu) => {
      emu.setFaults({
        rules: [
          { kind: 'lost-response', service: 'inference', method: 'POST', path: '/jobs', times: 1 },
          { kind: '503', service: 'management', method: 'GET', path: /\/jobs$/, times: Infinity },
        ],
      });
      const r = await step(emu, batch);
      expect(r.code).toBe(1);
      expect(requests(emu, 'POST', JOB_POST)).toHaveLength(1);
      expect(emu.jobs()).toHaveLength(1);
      expect(firstLine(r)).toMatch(/^Check the studio before re-running: this run could not tell whether its job was created/);
      expect(r.annotations[0].message).toContain(`azureml-invoke.invocation-id=${emu.jobs()[0].tags['azureml-invoke.invocation-id']}`);
    }));
});

describe.concurrent('long polls', () => {
  it('keep working past the lifetime of the first OIDC token and of the access tokens', () =>
    withEmulator(
      {
        github: { tokenLifetimeSeconds: 62 },
        accessTokenLifetimeSeconds: 2,
        // Azure allows 300 s; 2 s still refuses any token kept past its life, while one attached
        // with a second left (core-rest-pipeline's forced refresh window) survives a loaded machine.
        accessTokenClockSkewSeconds: 2,
        batchEndpoints: [{ name: 'score-batch', jobPlan: { steps: [{ status: 'Running', durationMs: 9_000 }] } }],
      },
      async (emu) => {
        const r = await step(emu, batch);
        expect(r.code, r.stdout).toBe(0);
        expect(r.outputs['job-status']).toBe('Completed');
        // Each OIDC token is reused for at most 10 s and only while a minute of life remains.
        expect(emu.log.filter((e) => e.service === 'github').length).toBeGreaterThanOrEqual(2);
        expect(emu.log.filter((e) => e.service === 'login' && e.method === 'POST').length).toBeGreaterThanOrEqual(3);
        expect(emu.log.filter((e) => e.status === 401)).toEqual([]);
      },
    ));
});

/** Runs a batch step, sends it a signal once its job exists, and returns what happened. */
async function signalled(emu: Emulator, signal: NodeJS.Signals) {
  const { result: r, sentAt } = await runAndSignal(signal, (hooks) => step(emu, batch, hooks));
  const cancel = requests(emu, 'POST', /\/jobs\/batchjob-[^/]+\/cancel$/)[0];
  return { r, sentAt, cancelAt: cancel?.time, endedAt: Date.now() };
}

describe.concurrent('cancellation', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s cancels the running job, confirms it, writes the summary and exits in time', (signal) =>
    withEmulator({ batchEndpoints: [{ name: 'score-batch', jobPlan: LONG }] }, async (emu) => {
      const { r, sentAt, cancelAt, endedAt } = await signalled(emu, signal);
      expect(r.code).toBe(1);
      expect(cancelAt).toBeDefined();
      expect(cancelAt - sentAt).toBeLessThan(7_500);
      expect(endedAt - sentAt).toBeLessThan(7_500);
      expect(r.visibleLog).toContain(`Received ${signal}: the workflow was cancelled.`);
      expect(r.visibleLog).toMatch(/Job batchjob-\S+ cancel requested; its status is now Canceled\./);
      expect(emu.jobs()[0].status).toBe('Canceled');
      expect(firstLine(r)).toMatch(/^Job batchjob-\S+ was cancelled because the workflow was \(status Canceled\)\.$/);
      expect(r.summary).toContain('| Canceled |');
      expect(r.state.pendingJob).toBe('');
    }),
  );

  it('leaves a wait: false job alone', () =>
    withEmulator({ batchEndpoints: [{ name: 'score-batch', jobPlan: LONG }] }, async (emu) => {
      const { main, post } = await stepWithPost(emu, { ...batch, wait: 'false' });
      expect(main.code).toBe(0);
      expect(post.code).toBe(0);
      expect(requests(emu, 'POST', /\/cancel$/)).toHaveLength(0);
      expect(emu.jobs()[0].status).toBe('Running');
    }));

  it('cancel-on-timeout: false keeps the job and says so', () =>
    withEmulator({ batchEndpoints: [{ name: 'score-batch', jobPlan: LONG }] }, async (emu) => {
      const r = await step(emu, { ...batch, 'timeout-minutes': '0.05', 'cancel-on-timeout': 'false' });
      expect(r.code).toBe(1);
      expect(firstLine(r)).toMatch(/is still Running after timeout-minutes \(0\.05\); it keeps running in Azure \(cancel-on-timeout: false\)/);
      expect(requests(emu, 'POST', /\/cancel$/)).toHaveLength(0);
    }));

  it('timeout-minutes cancels the job', () =>
    withEmulator({ batchEndpoints: [{ name: 'score-batch', jobPlan: LONG }] }, async (emu) => {
      const r = await step(emu, { ...batch, 'timeout-minutes': '0.05' });
      expect(r.code).toBe(1);
      expect(firstLine(r)).toMatch(
        /^Raise timeout-minutes or speed up the job: job batchjob-\S+ was still Running after timeout-minutes \(0\.05\), so it was cancelled \(status Canceled\)\.$/,
      );
      expect(emu.jobs()[0].status).toBe('Canceled');
    }));

  it('the post step cancels a job the main step left running when it was killed', () =>
    withEmulator({ batchEndpoints: [{ name: 'score-batch', jobPlan: LONG }] }, async (emu) => {
      const { r } = await signalled(emu, 'SIGKILL');
      expect(r.signal).toBe('SIGKILL');
      expect(JSON.parse(r.state.pendingJob)).toEqual({ name: emu.jobs()[0].name });
      const post = await step(emu, batch, { state: r.state });
      expect(post.code).toBe(0);
      expect(post.visibleLog).toContain(`Job ${emu.jobs()[0].name} is still Running after the main step ended; cancelling it (cancel-on-timeout: true).`);
      expect(post.visibleLog).toMatch(/cancel requested; its status is now Canceled\./);
      expect(emu.jobs()[0].status).toBe('Canceled');
    }));
});

describe('resource state', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await emulator({
      batchEndpoints: [
        { name: 'score-batch', provisioningState: 'Updating' },
        { name: 'broken', provisioningState: 'Failed' },
      ],
      onlineEndpoints: [
        { name: 'score-key', authMode: 'key', deployments: ['blue', { name: 'green', provisioningState: 'Creating' }], traffic: { blue: 100 } },
      ],
    });
  });
  afterAll(() => emu.close());

  it('an endpoint still provisioning is reported as such', async () => {
    const r = await step(emu, batch);
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe("Wait for batch endpoint 'score-batch' to finish provisioning, or set wait-for-ready to wait for it: its state is 'Updating'.");
    const failed = await step(emu, { ...batch, endpoint: 'broken' });
    expect(failed.code).toBe(1);
    expect(firstLine(failed)).toBe("Fix or redeploy batch endpoint 'broken': its provisioning state is 'Failed', so it cannot be invoked.");
  });

  it('a deployment still being created is reported as such', async () => {
    const r = await step(emu, { 'endpoint-type': 'online', endpoint: 'score-key', deployment: 'green', request: '{}' });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe("Wait for deployment 'green' to finish provisioning, or set wait-for-ready to wait for it: its state is 'Creating'.");
  });
});

describe('seeded runs with a fifth of all responses faulted', () => {
  it('each ends correctly and creates at most one job (npm run faults runs 100)', async () => {
    // Two rounds of three: a step that hangs is killed (and its last lines shown) well inside the test's time.
    const verdicts = await faultedBatchRuns(1001, 6, 0.2, 3, { ...LAUNCH, timeoutMs: 80_000 });
    expect(verdicts.filter((v) => !v.correct)).toEqual([]);
    expect(verdicts.every((v) => v.jobs <= 1)).toBe(true);
    expect(verdicts.reduce((t, v) => t + v.faults, 0)).toBeGreaterThan(3);
  }, 180_000);
});
