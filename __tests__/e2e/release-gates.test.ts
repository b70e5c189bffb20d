// Release gates end to end: answers held to an expected file (tolerance on and off, ignore-fields
// with $..), a candidate compared with the live deployment (agreeing and not), thresholds over
// every metric and operator, and what a user reads: the log, the summary, the outputs, the JUnit
// file. The deployments run model versions of the emulator (model.ts): twin is blue's version on
// another host (jitter, request ids), noisy the same with more jitter than numpy's default
// tolerance allows, green a new version that answers 30 % of rows otherwise.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, mlClient } from '../../emulator/test/client.js';
import { emulator, firstLine, requests, step, type Emulator } from './helpers.js';

const LINES = 12;
let emu: Emulator;
let dir: string;
beforeAll(async () => {
  emu = await emulator({
    onlineEndpoints: [
      {
        name: 'churn',
        authMode: 'key',
        deployments: [
          { name: 'blue', model: { version: '1' } },
          { name: 'twin', model: { version: '1', jitter: 1e-9, requestId: true } },
          { name: 'green', model: { version: '2', changes: 0.3, requestId: true } },
          { name: 'noisy', model: { version: '1', jitter: 1e-3 } },
        ],
        traffic: { blue: 100 },
      },
    ],
  });
  dir = mkdtempSync(join(tmpdir(), 'gates-'));
  const rows = Array.from({ length: LINES }, (_, i) => JSON.stringify({ input_data: { columns: ['tenure', 'plan'], data: [[i, i % 3]] } }));
  writeFileSync(join(dir, 'requests.jsonl'), `${rows.join('\n')}\n`);
  // What blue answers today, kept as the expected answers (with the request id a past run had).
  const { primaryKey } = await mlClient(emu).onlineEndpoints.listKeys(emu.resourceGroup, emu.workspace, 'churn');
  const answers = await Promise.all(
    rows.map(async (body) => {
      const r = await call(emu, 'POST', `${emu.urls.inference}/churn/score`, {
        headers: { authorization: `Bearer ${primaryKey}`, 'content-type': 'application/json', 'azureml-model-deployment': 'blue' },
        body,
      });
      return { ...r.json<{ predictions: number[] }>(), request_id: 'from-an-earlier-run' };
    }),
  );
  writeFileSync(join(dir, 'expected.jsonl'), `${answers.map((a) => JSON.stringify(a)).join('\n')}\n`);
  const wrong = answers.map((a, i) => (i === 3 ? { ...a, predictions: a.predictions.map((p) => 1 - p) } : a));
  writeFileSync(join(dir, 'expected-wrong.jsonl'), `${wrong.map((a) => JSON.stringify(a)).join('\n')}\n`);
});
afterAll(() => emu.close());

const gate = (inputs: Record<string, string>) => ({
  'endpoint-type': 'online',
  endpoint: 'churn',
  'request-file': 'requests.jsonl',
  concurrency: '4',
  ...inputs,
});

type Case = { name: string; classname: string; failure?: { '#text': string; message: string } };
function junit(file: string): { tests: string; failures: string; cases: Case[] } {
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testcase' }).parse(
    readFileSync(join(dir, file), 'utf8'),
  ) as {
    testsuites: { tests: string; failures: string; testsuite: { testcase: Case[] } };
  };
  return { tests: doc.testsuites.tests, failures: doc.testsuites.failures, cases: doc.testsuites.testsuite.testcase };
}

describe('expected answers', () => {
  it('pass within the default tolerance, with a request id left out by $..request_id; the JUnit file has every line', async () => {
    const r = await step(
      emu,
      gate({ deployment: 'twin', 'expected-file': 'expected.jsonl', 'ignore-fields': '$..request_id', 'junit-file': 'reports/pass.xml' }),
      {
        cwd: dir,
      },
    );
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs['mismatched-requests']).toBe('0');
    expect(Number(r.outputs['latency-p99-ms'])).toBeGreaterThanOrEqual(Number(r.outputs['latency-p95-ms']));
    expect(r.summary).toContain('### Release gate: passed');
    expect(r.summary).toContain('| mismatches | `count==0` (default) | 0 | ✅ pass |');
    expect(r.summary).toContain('**Mismatches with expected-file: 0 of 12 lines**');
    expect(r.visibleLog).toContain('JUnit report written to reports/pass.xml.');
    const report = junit('reports/pass.xml');
    expect([report.tests, report.failures]).toEqual([String(LINES + 2), '0']);
    expect(report.cases.map((c) => c.name).slice(0, 2)).toEqual(['line 1', 'line 2']);
  });

  it('a wrong line fails the step, named in the log, the summary, the JUnit file and the error', async () => {
    const r = await step(
      emu,
      gate({ deployment: 'twin', 'expected-file': 'expected-wrong.jsonl', 'ignore-fields': '$..request_id', 'junit-file': 'reports/fail.xml' }),
      { cwd: dir },
    );
    expect(r.code).toBe(1);
    const line = /line 4: \$\.predictions\[0\]: expected [01], got [01]/;
    expect(firstLine(r)).toMatch(
      /^Fix the model or expected-file: 1 of 12 answers differ from expected-file \(line 4: \$\.predictions\[0\]: expected [01], got [01]\)\.$/,
    );
    expect(r.outputs['mismatched-requests']).toBe('1');
    expect(r.visibleLog).toMatch(/Mismatches with expected-file: 1 of 12 lines\.\n\s+line 4: \$\.predictions\[0\]/);
    expect(r.summary).toMatch(line);
    expect(r.summary).toContain('| mismatches | `count==0` (default) | 1 | ❌ fail |');
    const report = junit('reports/fail.xml');
    expect(report.failures).toBe('2');
    expect(report.cases[3].failure?.message).toMatch(line);
    expect(report.cases.find((c) => c.classname === 'thresholds' && c.failure)?.name).toBe('mismatches: count==0');
  });

  it('without a tolerance, the jitter of another host fails every line; without ignore-fields, so does the request id', async () => {
    const r = await step(emu, gate({ deployment: 'twin', 'expected-file': 'expected.jsonl', tolerance: 'abs=0,rel=0' }), { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.outputs['mismatched-requests']).toBe(String(LINES));
    expect(r.summary).toMatch(/line 1: \$\.probabilities\[0\]: expected 0\.\d+, got 0\.\d+/);
    expect(r.summary).toMatch(/line 1: \$\.request_id: expected "from-an-earlier-run", got "[0-9a-f-]{36}"/);
  });

  it('a tolerance given lets through jitter the default tolerance fails on', async () => {
    const inputs = { deployment: 'noisy', 'expected-file': 'expected.jsonl', 'ignore-fields': '$..request_id' };
    const strict = await step(emu, gate(inputs), { cwd: dir });
    expect(strict.code).toBe(1);
    expect(firstLine(strict)).toMatch(
      /^Fix the model or expected-file: \d+ of 12 answers differ from expected-file \(line \d+: \$\.probabilities\[0\]: expected 0\.\d+, got 0\.\d+\)\.$/,
    );
    const loose = await step(emu, gate({ ...inputs, tolerance: 'rel=1e-2' }), { cwd: dir });
    expect(loose.code, loose.stdout).toBe(0);
    expect(loose.outputs['mismatched-requests']).toBe('0');
    expect(loose.summary).toContain('| mismatches | `count==0` (default) | 0 | ✅ pass |');
  });
});

describe('a baseline deployment', () => {
  it('agrees: every line sent to both, same concurrency, latencies side by side', async () => {
    emu.clearLog();
    const r = await step(emu, gate({ deployment: 'twin', 'compare-to': 'blue', 'ignore-fields': '$.request_id' }), { cwd: dir });
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs['agreement-rate']).toBe('1');
    const sent = requests(emu, 'POST', /\/churn\/score$/);
    expect(sent.filter((e) => e.headers['azureml-model-deployment'] === 'twin')).toHaveLength(LINES);
    expect(sent.filter((e) => e.headers['azureml-model-deployment'] === 'blue')).toHaveLength(LINES);
    expect(r.summary).toMatch(/\| twin \| 12 \| 0 \| 4 \|.*\n\| blue \(compare-to\) \| 12 \| 0 \| 4 \|/);
    expect(r.summary).toContain('| Latency (ms) | twin | blue (compare-to) |');
    expect(r.summary).toContain('| agreement | `rate==1` (default) | 1 | ✅ pass |');
  });

  it('disagrees: the lines are named and the step fails, keeping the traffic on the baseline', async () => {
    const r = await step(emu, gate({ deployment: 'green', 'compare-to': 'blue', 'ignore-fields': '$.request_id' }), { cwd: dir });
    expect(r.code).toBe(1);
    const rate = Number(r.outputs['agreement-rate']);
    expect(rate).toBeGreaterThan(0.3);
    expect(rate).toBeLessThan(1);
    expect(firstLine(r)).toMatch(
      /^Keep the traffic on 'blue': 'green' answered \d+ of 12 requests unlike it \(line \d+: \$\.predictions\[0\]: expected [01], got [01]\)\.$/,
    );
    expect(r.visibleLog).toMatch(/Disagreements of 'green' with 'blue': \d+ of 12 lines\.\n\s+line \d+: \$\.predictions\[0\]/);
  });

  it('a baseline that does not exist is named as compare-to, with the deployments that do, before any request', async () => {
    emu.clearLog();
    const r = await step(emu, gate({ deployment: 'green', 'compare-to': 'purple' }), { cwd: dir });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe("Check 'compare-to': online endpoint 'churn' has no deployment 'purple' (its deployments: blue, twin, green, noisy).");
    expect(requests(emu, 'POST', /\/churn\/score$/)).toHaveLength(0);
  });

  it('thresholds over every metric and operator decide instead of the defaults, one summary row and one JUnit case each', async () => {
    const thresholds = [
      'latency: p(95)<60000',
      'latency: max<=60000',
      'latency: avg>0',
      'latency-ratio: med<1000',
      'failures: rate==0',
      'failures: count<=0',
      'mismatches: rate<=1',
      'agreement: count>=1',
      'agreement: rate>=0.99',
    ].join('\n');
    const r = await step(
      emu,
      gate({
        deployment: 'green',
        'compare-to': 'blue',
        'expected-file': 'expected.jsonl',
        'ignore-fields': '$..request_id',
        thresholds,
        'junit-file': 'gate.xml',
      }),
      { cwd: dir },
    );
    expect(r.code).toBe(1);
    expect(firstLine(r)).toMatch(/^Fix the model or relax 'thresholds': 1 of 9 thresholds not met: agreement: rate>=0\.99 \(measured 0\.\d+\)\.$/);
    for (const t of thresholds.split('\n')) {
      const [metric, condition] = t.split(': ');
      expect(r.summary).toMatch(
        new RegExp(`\\| ${metric} \\| \`${condition.replace(/[()*.]/g, '\\$&')}\` \\| [^|]+ \\| ${t.endsWith('0.99') ? '❌ fail' : '✅ pass'} \\|`),
      );
    }
    const report = junit('gate.xml');
    expect(report.cases.filter((c) => c.classname === 'thresholds').map((c) => c.name)).toEqual(thresholds.split('\n'));
    expect(report.cases.find((c) => c.classname === 'thresholds' && c.failure)?.failure?.message).toMatch(/^agreement: rate>=0\.99 not met: measured 0\.\d+$/);
    expect(Number(r.outputs['mismatched-requests'])).toBeGreaterThan(0);
  });
});
