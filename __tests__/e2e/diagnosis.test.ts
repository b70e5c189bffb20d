// Failures explained end to end: scoring status codes with the deployment's figures, the model's
// log (and its permission missing), wait-for-ready, private networks, a failed batch job's own log
// lines and a job that does not start.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulator, firstLine, JOB_POST, QUICK, requests, step, withEmulator, type Emulator } from './helpers.js';

const ML = 'Microsoft.MachineLearningServices/workspaces';
const online = (endpoint: string, extra: Record<string, string> = {}) => ({ 'endpoint-type': 'online', endpoint, request: '{"data": [[1, 2]]}', ...extra });
const batch = { 'endpoint-type': 'batch', endpoint: 'score-batch', input: 'https://example.blob.core.windows.net/data/' };
const errorOf = (r: { annotations: { level: string; message: string }[] }) => r.annotations.find((a) => a.level === 'error')!.message;
const scores = (emu: Emulator) => requests(emu, 'POST', /\/score$/);

describe.concurrent('scoring status codes, with the deployment figures', () => {
  let emu: Emulator;
  let dir: string;
  beforeAll(async () => {
    emu = await emulator({
      onlineEndpoints: [
        {
          name: 'smoke',
          authMode: 'key',
          deployments: [
            { name: 'blue', condition: 'model-error' },
            { name: 'slow', condition: 'timeout', requestSettings: { requestTimeout: 'PT0.1S' } },
            { name: 'busy', condition: 'too-many-pending', instanceCount: 2 },
            { name: 'conflict', condition: 'conflict' },
            { name: 'infra', condition: 'infrastructure' },
            { name: 'crash', condition: 'crash' },
            { name: 'spiky', condition: 'spike', instanceCount: 3 },
            { name: 'gateway', condition: 'gateway-timeout', requestSettings: { requestTimeout: 'PT0.1S' } },
          ],
          traffic: { blue: 100 },
        },
        // Two in flight at most (2 × 1 × 1), each held 400 ms: a .jsonl at concurrency 6 exceeds it.
        { name: 'narrow', authMode: 'key', latencyMs: 400, deployments: [{ name: 'blue', enforceRequestLimits: true }] },
        // Half the traffic to a crashing model, half to a slow one: two causes in one smoke test.
        {
          name: 'mixed',
          authMode: 'key',
          deployments: [
            { name: 'crash', condition: 'model-error' },
            { name: 'slow', condition: 'timeout', requestSettings: { requestTimeout: 'PT0.05S' } },
          ],
          traffic: { crash: 50, slow: 50 },
        },
      ],
      roles: [{ name: 'scorer', actions: [`${ML}/onlineEndpoints/read`, `${ML}/onlineEndpoints/listKeys/action`, `${ML}/onlineEndpoints/deployments/read`] }],
      identities: [{}, { name: 'scorer', roles: [{ role: 'scorer', scope: 'workspace' }] }],
    });
    dir = mkdtempSync(join(tmpdir(), 'diagnosis-'));
    writeFileSync(join(dir, 'requests.jsonl'), Array.from({ length: 12 }, (_, n) => JSON.stringify({ n })).join('\n') + '\n');
  });
  afterAll(() => emu.close());

  it("424: the model's error, and its log in a group, the summary and the annotation", async () => {
    const r = await step(emu, online('smoke'));
    expect(r.code).toBe(1);
    expect(r.outputs['status-code']).toBe('424');
    expect(firstLine(r)).toBe(
      "Fix the model of deployment 'blue': it answered 424, Azure's answer when the model's container returns an error (the model answered 500 model_error).",
    );
    const text = errorOf(r);
    expect(text).toContain('Response: {"message":"An unexpected error occurred in scoring script. Check the logs for more info."}');
    expect(text).toMatch(/Request id \(x-request-id, for Azure support\): [0-9a-f-]{36}/);
    expect(text).toContain("The model's log names the error:");
    expect(text).toContain('ValueError: X has 3 features');
    expect(r.visibleLog).toMatch(/▸ Model log: deployment 'blue' \(last \d+ lines\)\nAzure ML Inferencing HTTP server/);
    expect(r.summary).toContain("### Model log: deployment 'blue'");
    expect(r.summary).toContain('| 424 model error 500 | 1 | the request |');
    const getLogs = requests(emu, 'POST', /\/deployments\/blue\/getLogs$/).at(-1)!;
    expect(getLogs.body).toEqual({ containerType: 'InferenceServer', tail: 100 });
  });

  it("the model's log without its permission: one line naming the action, the failure unchanged", async () => {
    const r = await step(emu, online('smoke'), { identity: 'scorer' });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toMatch(/^Fix the model of deployment 'blue': it answered 424/);
    expect(r.annotations.filter((a) => a.level === 'error')).toHaveLength(1);
    const line = `The model's log was not read: the identity lacks '${ML}/onlineEndpoints/deployments/getLogs/action' on deployment 'blue' (AzureML Data Scientist includes it).`;
    expect(errorOf(r)).toContain(line);
    expect(r.annotations.filter((a) => a.level === 'warning').map((a) => a.message)).toEqual([line]);
    expect(r.outputs['missing-actions']).toBe('[]');
  });

  it("408: the deployment's request timeout and how to raise it", async () => {
    const r = await step(emu, online('smoke', { deployment: 'slow' }));
    expect(r.code).toBe(1);
    expect(firstLine(r)).toMatch(
      /^Raise the request timeout of deployment 'slow' or make the model faster: it answered 408 after \d+ ms; its request timeout is 100 ms \(requestSettings\.requestTimeout PT0\.1S\)\.$/,
    );
    expect(errorOf(r)).toContain('request_settings.request_timeout_ms');
    expect(r.visibleLog).toContain("Deployment 'slow' takes 0 % of the endpoint's traffic: it is scored through the azureml-model-deployment header.");
    expect(scores(emu).find((e) => e.headers['azureml-model-deployment'] === 'slow')).toBeDefined();
  });

  it('429 within the limit: the limit from the figures, against what this run sent', async () => {
    const r = await step(emu, online('smoke', { deployment: 'busy' }));
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe(
      "Lower the request rate or ask for a higher limit on online endpoint 'smoke': it answered 429 although this run sent at most 1 at once, within the 4 (2 × max_concurrent_requests_per_instance 1 × 2 instances) deployment 'busy' takes in parallel; other clients share it, or the endpoint reached its rate limit (500 requests per second by default).",
    );
  });

  it('429 past the limit (a .jsonl at concurrency 6): lower concurrency to the limit; the summary groups failures', async () => {
    const r = await step(emu, { ...online('narrow'), request: '', 'request-file': 'requests.jsonl', concurrency: '6' }, { cwd: dir });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toMatch(
      /^Lower 'concurrency' to 2 or give deployment 'blue' more capacity: it answered 429 \(too many pending requests\); it takes at most 2 \(2 × max_concurrent_requests_per_instance 1 × 1 instance\) requests in parallel and this run sent up to 6\.$/,
    );
    expect(errorOf(r)).toMatch(/\d+ of 12 scoring requests failed; the first is line \d+ of requests\.jsonl\./);
    expect(r.summary).toMatch(/\| 429 too many pending requests \| \d+ \| \d+ \|/);
  });

  it.each([
    [
      'conflict',
      /^Wait for the operation in progress on online endpoint 'smoke' to finish, then re-run \(wait-for-ready waits for it\): it answered 409 Conflict/,
    ],
    ['infra', /^Re-run later, or open an Azure support request with the request id: online endpoint 'smoke' answered 500/],
    ['crash', /^Fix score\.py of deployment 'crash': it answered 502/],
    ['spiky', /^Scale out deployment 'spiky' or lower 'concurrency': it answered 503, .*; it runs 3 instances \(scale type Default: a fixed count\)\.$/],
    [
      'gateway',
      /^Raise the request timeout of deployment 'gateway' or make the model faster: it answered 504 after \d+ ms \(the request timed out\); its request timeout is 100 ms/,
    ],
  ])('%s: its row of the table', async (deployment, headline) => {
    const r = await step(emu, online('smoke', { deployment }));
    expect(r.code).toBe(1);
    expect(firstLine(r)).toMatch(headline);
  });

  it('a .jsonl smoke test with two causes: the summary groups them, the error counts them', async () => {
    const r = await step(emu, { ...online('mixed'), request: '', 'request-file': 'requests.jsonl', concurrency: '4' }, { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.outputs['failed-requests']).toBe('12');
    const rows = r.summary.split('\n').filter((l) => /^\| (424|408) /.test(l));
    expect(rows).toHaveLength(2);
    const counts = rows.map((l) => Number(l.split('|')[2]));
    expect(counts.reduce((a, b) => a + b)).toBe(12);
    expect(errorOf(r)).toMatch(
      /12 of 12 scoring requests failed \(\d+ × (424 model error 500|408 request timeout), \d+ × (424 model error 500|408 request timeout)\)/,
    );
  });
});

describe.concurrent('wait-for-ready', () => {
  // The emulator's clock stands still until the run says it is waiting; then the update ends.
  const finishWhenWaiting = (emu: Emulator) => ({
    onStdout: (text: string) => {
      if (text.includes('to be ready (wait-for-ready')) emu.clock.advance(60_000);
    },
  });

  it('waits for a deployment being updated, says so, then scores', () =>
    withEmulator(
      {
        clock: 'manual',
        onlineEndpoints: [{ name: 'smoke', authMode: 'key', deployments: [{ name: 'blue', provisioning: [{ state: 'Updating', durationMs: 60_000 }] }] }],
      },
      async (emu) => {
        const r = await step(emu, online('smoke', { 'wait-for-ready': '1' }), finishWhenWaiting(emu));
        expect(r.code, r.stdout).toBe(0);
        expect(r.visibleLog).toContain("Waiting for deployment 'blue' (Updating) to be ready (wait-for-ready: 1 min, waited 0 s)...");
        expect(r.visibleLog).toMatch(/Ready after \d+ s\./);
        const reads = requests(emu, 'GET', /\/deployments\/blue$/);
        expect(reads.length).toBeGreaterThanOrEqual(2);
        expect(scores(emu)[0].time).toBeGreaterThanOrEqual(reads.at(-1)!.time);
      },
    ));

  it('waits for an endpoint being created, which has no scoring URI until then', () =>
    withEmulator(
      { clock: 'manual', onlineEndpoints: [{ name: 'smoke', authMode: 'key', provisioning: [{ state: 'Creating', durationMs: 60_000 }] }] },
      async (emu) => {
        const r = await step(emu, online('smoke', { 'wait-for-ready': '1' }), finishWhenWaiting(emu));
        expect(r.code, r.stdout).toBe(0);
        expect(r.visibleLog).toContain('scoring URI (none yet)');
        expect(r.visibleLog).toContain("Waiting for online endpoint 'smoke' (Creating) to be ready");
        expect(r.outputs['scoring-uri']).toBe(`${emu.urls.inference}/smoke/score`);
      },
    ));

  it('fails past the wait, naming the state', () =>
    withEmulator({ onlineEndpoints: [{ name: 'smoke', authMode: 'key', deployments: [{ name: 'blue', provisioningState: 'Updating' }] }] }, async (emu) => {
      const r = await step(emu, online('smoke', { 'wait-for-ready': '0.05' }));
      expect(r.code).toBe(1);
      expect(firstLine(r)).toMatch(
        /^Raise wait-for-ready or check deployment 'blue' in the studio: it is still 'Updating' after \d+ s \(wait-for-ready: 0\.05 min\)\.$/,
      );
      expect(scores(emu)).toHaveLength(0);
    }));

  it("a Failed deployment fails before scoring with its operation's own error", () =>
    withEmulator(
      {
        onlineEndpoints: [
          {
            name: 'smoke',
            authMode: 'key',
            deployments: [
              {
                name: 'blue',
                provisioningState: 'Failed',
                provisioningError: {
                  code: 'ResourceNotReady',
                  message: 'User container has crashed or terminated: Liveness probe failed: HTTP probe failed with statuscode: 502.',
                },
              },
            ],
          },
        ],
        identities: [{}, { name: 'scientist', roles: [{ role: 'AzureML Data Scientist', scope: 'workspace' }] }],
      },
      async (emu) => {
        const r = await step(emu, online('smoke', { 'wait-for-ready': '5' }));
        expect(r.code).toBe(1);
        expect(firstLine(r)).toBe(
          "Fix or redeploy deployment 'blue': its provisioning state is 'Failed' (ResourceNotReady: User container has crashed or terminated: Liveness probe failed: HTTP probe failed with statuscode: 502.), so it cannot be invoked.",
        );
        expect(scores(emu)).toHaveLength(0);
        // AzureML Data Scientist cannot read the operation's status: the model's log stands in for it.
        const s = await step(emu, online('smoke'), { identity: 'scientist' });
        expect(s.code).toBe(1);
        expect(firstLine(s)).toBe("Fix or redeploy deployment 'blue': its provisioning state is 'Failed', so it cannot be invoked.");
        const text = errorOf(s);
        expect(text).toContain(
          "Its last operation's status was not read (HTTP 403 AuthorizationFailed): grant 'Microsoft.MachineLearningServices/locations/mfeOperationsStatus/read'",
        );
        expect(text).toContain('az ml online-deployment get-logs --name blue --endpoint-name smoke');
        expect(s.visibleLog).toContain("▸ Model log: deployment 'blue'");
        expect(scores(emu)).toHaveLength(0);
      },
    ));
});

describe.concurrent('private networks', () => {
  const world = {
    onlineEndpoints: [{ name: 'private', authMode: 'key' as const, publicNetworkAccess: 'Disabled' as const }],
    batchEndpoints: [{ name: 'score-batch', jobPlan: QUICK }],
    network: { privateWorkspaces: ['ws-scoring'] },
  };

  it('GitHub-hosted runner: fails before scoring, naming the self-hosted runner and the private networking exception', () =>
    withEmulator(world, async (emu) => {
      const r = await step(emu, online('private'), { env: { RUNNER_ENVIRONMENT: 'github-hosted' } });
      expect(r.code).toBe(1);
      expect(firstLine(r)).toBe(
        "Run this job on a runner inside the virtual network of online endpoint 'private' (a self-hosted runner there): its publicNetworkAccess is Disabled, so it accepts only private traffic, and this GitHub-hosted runner resolves 127.0.0.1 to 127.0.0.1, which is not a private address.",
      );
      expect(errorOf(r)).toContain('A GitHub-hosted runner with Azure private networking also reports RUNNER_ENVIRONMENT=github-hosted');
      expect(scores(emu)).toHaveLength(0);
      const b = await step(emu, batch, { env: { RUNNER_ENVIRONMENT: 'github-hosted' } });
      expect(b.code).toBe(1);
      expect(firstLine(b)).toMatch(
        /^Run this job on a runner inside the virtual network of batch endpoint 'score-batch' .*: workspace 'ws-scoring' has publicNetworkAccess Disabled/,
      );
      expect(requests(emu, 'POST', JOB_POST)).toHaveLength(0);
    }));

  it('self-hosted runner outside the network: the connection error and the private link denial are explained', () =>
    withEmulator(world, async (emu) => {
      const r = await step(emu, online('private'), { env: { RUNNER_ENVIRONMENT: 'self-hosted' } });
      expect(r.code).toBe(1);
      expect(firstLine(r)).toMatch(
        /^Run this job on a runner inside the virtual network of online endpoint 'private' \(a self-hosted runner there\): the scoring URI 127\.0\.0\.1 dropped the connection \(ECONNRESET\), and its publicNetworkAccess is Disabled, so it accepts only private traffic\.$/,
      );
      expect(r.visibleLog).toContain(
        "online endpoint 'private' accepts only private traffic (its publicNetworkAccess is Disabled); this runner must be in its virtual network.",
      );
      const b = await step(emu, batch, { env: { RUNNER_ENVIRONMENT: 'self-hosted' } });
      expect(b.code).toBe(1);
      expect(firstLine(b)).toBe(
        "Run this job on a runner inside the virtual network of batch endpoint 'score-batch' (a self-hosted runner there): the scoring URI 127.0.0.1 refused this runner because the workspace's private link configuration denies access from outside its virtual network.",
      );
    }));

  it('self-hosted runner inside the network: scores', () =>
    withEmulator({ ...world, network: { ...world.network, callerInVirtualNetwork: true } }, async (emu) => {
      const r = await step(emu, online('private'), { env: { RUNNER_ENVIRONMENT: 'self-hosted' } });
      expect(r.code, r.stdout).toBe(0);
      const b = await step(emu, batch, { env: { RUNNER_ENVIRONMENT: 'self-hosted' } });
      expect(b.code, b.stdout).toBe(0);
    }));
});

describe.concurrent('batch jobs that fail or never start', () => {
  it('a failed job shows the lines of its own logs that name the failure, read without a token', () =>
    withEmulator(
      { batchEndpoints: [{ name: 'score-batch', jobPlan: { ...QUICK, final: 'Failed', error: { code: 'UserError', message: 'No module named sklearn' } } }] },
      async (emu) => {
        const r = await step(emu, batch);
        expect(r.code).toBe(1);
        expect(firstLine(r)).toBe(`Fix the error its logs name (below), then re-run: job ${r.outputs['job-name']} failed: No module named sklearn`);
        const text = errorOf(r);
        expect(text).toMatch(/Its logs name the failure \(\d+ lines in the log group 'Job logs: batchjob-\S+' and the job summary\):/);
        expect(text).toContain('  logs/user/error.txt:');
        expect(text).toMatch(/ {4}\S+ \S+ ERROR UserError: No module named sklearn/);
        expect(r.visibleLog).toContain(`▸ Job logs: ${r.outputs['job-name']}`);
        expect(r.visibleLog).toContain('Exception: No module named sklearn');
        expect(r.visibleLog).toContain('Execution of experiment failed');
        expect(r.summary).toContain('### Job logs that name the failure');
        const files = requests(emu, 'GET', /\/azureml\/ExperimentRun\/dcid\./);
        expect(files.length).toBeGreaterThan(3);
        for (const f of files) {
          expect(f.headers.authorization).toBeUndefined();
          expect(f.status).toBe(200);
        }
        expect(requests(emu, 'GET', /\/runs\/batchjob-[^/]+\/children$/)).toHaveLength(1);
      },
    ));

  it('a job still Queued after stuck-after-minutes gets one warning naming its cluster, nodes and likely cause', () =>
    withEmulator(
      {
        batchEndpoints: [
          {
            name: 'score-batch',
            deployments: [{ name: 'default', compute: 'gpu-cluster' }],
            jobPlan: {
              steps: [
                { status: 'Queued', durationMs: 5_000 },
                { status: 'Running', durationMs: 200 },
              ],
            },
          },
        ],
        computes: [{ name: 'gpu-cluster', maxNodes: 0 }],
      },
      async (emu) => {
        const r = await step(emu, { ...batch, 'stuck-after-minutes': '0.02' });
        expect(r.code, r.stdout).toBe(0);
        const warnings = r.annotations.filter((a) => a.level === 'warning');
        expect(warnings).toHaveLength(1);
        expect(warnings[0].message).toMatch(
          /^Job batchjob-\S+ is still Queued after stuck-after-minutes \(0\.02\): compute cluster 'gpu-cluster' \(min 0, max 0 nodes, 0 now, Steady\); likely cause: its max nodes is 0, so it can never start a node: raise max nodes\.$/,
        );
        expect(r.summary).toContain('likely cause: its max nodes is 0');
        expect(requests(emu, 'GET', /\/computes\/gpu-cluster$/)).toHaveLength(1);
      },
    ));
});
