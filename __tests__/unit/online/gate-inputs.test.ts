// The release gate's inputs, read through getInputs as the action reads them: expected-file aligned
// with request-file, tolerance, ignore-fields, compare-to, thresholds and junit-file, and every way
// each can be wrong, named in one line before any request.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getInputs, type InputSource } from '../../../src/inputs.js';
import { formatThreshold } from '../../../src/online/thresholds.js';
import { VALID_BATCH } from '../../bad-inputs.js';

const ONLINE = { ...VALID_BATCH, 'endpoint-type': 'online', input: '', 'request-file': 'r.jsonl', deployment: 'green', tolerance: 'abs=1e-8,rel=1e-5' };
const REQUESTS = '{"x":1}\n\n{"x":2}\n{"x":3}\n';

function read(values: Record<string, string>, files: Record<string, string> = { 'r.jsonl': REQUESTS }, workspace = tmpdir()) {
  const source: InputSource = {
    get: (name) => values[name] ?? '',
    env: { GITHUB_WORKSPACE: workspace },
    readFile: (path) => {
      if (path in files) return files[path];
      throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    },
    setSecret: () => undefined,
  };
  return getInputs(source, () => ({}));
}
const gate = (values: Record<string, string>, files?: Record<string, string>) => read({ ...ONLINE, ...values }, files).gate!;

describe('release gate inputs', () => {
  it('without any, the gate is that every answer is 2xx, numpy’s default tolerance', () => {
    const g = gate({});
    expect(g.thresholds.map(formatThreshold)).toEqual(['failures: count==0']);
    expect(g.rules).toEqual({ tolerance: { abs: 1e-8, rel: 1e-5 }, ignore: [] });
    expect([g.expected, g.compare, g.junitFile]).toEqual([undefined, undefined, undefined]);
    // A batch run has none.
    expect(read(VALID_BATCH).gate).toBeUndefined();
  });

  it('reads expected-file line by line, aligned with the lines of request-file', () => {
    const g = gate({ 'expected-file': 'e.jsonl' }, { 'r.jsonl': REQUESTS, 'e.jsonl': '{"p":1}\n\n\n{"p":3}\n' });
    expect(g.expected).toEqual([{ p: 1 }, undefined, { p: 3 }]);
    expect(g.thresholds.map(formatThreshold)).toEqual(['failures: count==0', 'mismatches: count==0']);
    // Blank lines at the end of either file do not count.
    expect(gate({ 'expected-file': 'e.jsonl' }, { 'r.jsonl': REQUESTS, 'e.jsonl': '{"p":1}\r\n\r\n{"p":2}\r\n{"p":3}' }).expected).toEqual([
      { p: 1 },
      { p: 2 },
      { p: 3 },
    ]);
    expect(gate({ 'expected-file': 'e.jsonl' }, { 'r.jsonl': `${REQUESTS}\n\n`, 'e.jsonl': '{"p":1}\n\n{"p":2}\n{"p":3}\n' }).expected).toHaveLength(3);
    expect(gate({ 'expected-file': 'e.jsonl' }, { 'r.jsonl': REQUESTS, 'e.jsonl': '{"p":1}\n\n\n\n\n\n' }).expected).toEqual([{ p: 1 }, undefined, undefined]);
  });

  it('takes one answer for a single request, in a .json file or a one-line .jsonl', () => {
    const single = { 'request-file': '', request: '{"x":1}' };
    expect(gate({ ...single, 'expected-file': 'e.json' }, { 'e.json': '{\n  "p": [1, 0]\n}\n' }).expected).toEqual([{ p: [1, 0] }]);
    expect(gate({ ...single, 'expected-file': 'e.jsonl' }, { 'e.jsonl': '{"p":1}\n' }).expected).toEqual([{ p: 1 }]);
  });

  it.each([
    [{ 'expected-file': 'missing.jsonl' }, {}, "'expected-file' is 'missing.jsonl': cannot read it (no such file)"],
    [
      { 'expected-file': 'e.jsonl' },
      { 'e.jsonl': '{"p":1}\n\n{"p":2}\n{"p":3}\n{"p":4}\n' },
      'it has 5 lines and r.jsonl 4: line N holds the answer expected to request line N',
    ],
    [{ 'expected-file': 'e.jsonl' }, { 'e.jsonl': '{"p":1}\n{"p":0}\n{"p":2}\n{"p":3}\n' }, 'line 2 expects an answer, but line 2 of r.jsonl holds no request'],
    [{ 'expected-file': 'e.jsonl' }, { 'e.jsonl': '{"p":1}\n\n{p}\n{"p":3}\n' }, "'expected-file' is 'e.jsonl': line 3 is not valid JSON"],
    [{ 'expected-file': 'e.jsonl' }, { 'e.jsonl': '\n\n\n\n' }, 'it expects no answer: every line is empty'],
    [{ 'expected-file': 'e.json' }, { 'e.json': '{"p":1}' }, 'it holds one answer and r.jsonl 3 requests; give a .jsonl file, one answer per line'],
    [{ tolerance: 'abs=0.1,rel=oops' }, {}, "'tolerance' is 'abs=0.1,rel=oops': rel is 'oops', not a number of 0 or more; write abs=<a>,rel=<r>"],
    [{ tolerance: 'rtol=1' }, {}, "'tolerance' is 'rtol=1': 'rtol=1' is not abs=<number> or rel=<number>"],
    [{ 'ignore-fields': '$..id\n$.rows[' }, {}, "'ignore-fields' is '$.rows[': it has a bracket that is not [<index>], [*] or ['<name>'] (at 7)"],
    [{ 'compare-to': 'blue_' }, {}, "'compare-to' is 'blue_': a deployment name has 3-32 letters"],
    [{ 'compare-to': 'Green' }, {}, "'compare-to' is 'Green': it is 'deployment' itself; name the deployment to compare 'green' with (the live one)."],
    [{ thresholds: 'agreement: rate>=0.98' }, {}, "'thresholds' is 'agreement: rate>=0.98': line 1: 'agreement' needs 'compare-to'"],
    [{ thresholds: 'latency: rate<1' }, {}, "'thresholds' is 'latency: rate<1': line 1: 'latency' takes avg, min, med, max, p(N), not 'rate'."],
    [{ thresholds: 'mismatches: count==0' }, {}, "line 1: 'mismatches' needs 'expected-file'; set it, or remove the line."],
    [{ thresholds: '\n\nlatency-ratio: p(95)<1.2' }, {}, "'thresholds' is 'latency-ratio: p(95)<1.2': line 3: 'latency-ratio' needs 'compare-to'"],
    [
      { 'endpoint-type': 'batch', input: 'https://x.blob.core.windows.net/d/', 'request-file': '', 'ignore-fields': '$.a' },
      {},
      "Input 'ignore-fields' is for online endpoints",
    ],
  ])('refuses %j', (values, files, message) => {
    expect(() => gate(values, { 'r.jsonl': REQUESTS, ...files })).toThrow(message);
  });

  it('reads ignore-fields one per line or comma-separated, commas inside brackets kept', () => {
    const g = gate({ 'ignore-fields': "$..request_id, $.rows[*].id\n\n  $['a,b'] ,$.t" });
    expect(g.rules.ignore).toHaveLength(4);
    expect(g.rules.ignore[2]).toEqual([{ select: { name: 'a,b' }, deep: false }]);
  });

  it('compares with compare-to, and thresholds replace the defaults; max-latency-ms adds its own', () => {
    const g = gate({ 'compare-to': 'blue', thresholds: 'agreement: rate>=0.98\nlatency-ratio: p(95)<=1.2', 'max-latency-ms': '800' });
    expect(g.compare).toEqual({ candidate: 'green', baseline: 'blue' });
    expect(g.thresholds.map((t) => `${formatThreshold(t)} ${t.source}`)).toEqual([
      'agreement: rate>=0.98 thresholds',
      'latency-ratio: p(95)<=1.2 thresholds',
      'latency: p(95)<=800 max-latency-ms',
    ]);
    expect(gate({ 'compare-to': 'blue' }).thresholds.map(formatThreshold)).toEqual(['failures: count==0', 'agreement: rate==1']);
  });

  it('resolves junit-file in the workspace, and refuses a folder', () => {
    const ws = mkdtempSync(join(tmpdir(), 'junit-'));
    mkdirSync(join(ws, 'reports'));
    const junit = (path: string) => read({ ...ONLINE, 'junit-file': path }, { 'r.jsonl': REQUESTS }, ws).gate!.junitFile;
    expect(junit('reports/smoke.xml')).toEqual({ shown: 'reports/smoke.xml', path: join(ws, 'reports', 'smoke.xml') });
    expect(() => junit('reports')).toThrow(`Input 'junit-file' is 'reports': ${join(ws, 'reports')} is a folder; name a file`);
  });
});
