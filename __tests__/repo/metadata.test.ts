// The contract between action.yml, DESIGN.md and the code is kept by tests, not by memory.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionYml, ROOT } from '../../scripts/runner.js';
import { Input, Output } from '../../src/constants.js';

const sources = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => readFileSync(join(ROOT, 'src', f), 'utf8'))
  .join('\n');

describe('action.yml', () => {
  it('runs on node24 with a post step, from the committed bundle', () => {
    expect(actionYml.runs).toEqual({ using: 'node24', main: 'dist/index.cjs', post: 'dist/index.cjs' });
  });

  it('declares exactly the inputs the code knows, each with a description', () => {
    expect(Object.keys(actionYml.inputs).sort()).toEqual(Object.values(Input).sort());
    for (const [name, spec] of Object.entries(actionYml.inputs)) expect(spec.description, name).toBeTruthy();
  });

  it('declares exactly the outputs the code sets, each with a description', () => {
    expect(Object.keys(actionYml.outputs).sort()).toEqual(Object.values(Output).sort());
    for (const [name, spec] of Object.entries(actionYml.outputs)) expect(spec.description, name).toBeTruthy();
  });

  it('reads every declared input and sets every declared output somewhere in the code', () => {
    for (const [key, name] of Object.entries(Input)) expect(sources, `input ${name}`).toMatch(new RegExp(`Input\\.${key}\\b`));
    for (const [key, name] of Object.entries(Output)) expect(sources, `output ${name}`).toMatch(new RegExp(`Output\\.${key}\\b`));
  });

  const designFile = join(ROOT, '..', 'shared', 'DESIGN.md');
  const designNamesFile = join(ROOT, '__tests__', 'repo', 'design-names.json');
  // DESIGN.md's names are fixed; later issues extend the contract, each name listed here on purpose.
  const addedByIssues = {
    inputs: [
      // issue 21: long jobs followed live, and attached to (DESIGN.md's "no job-name input" was about naming new jobs)
      'stream-logs',
      'job-name',
      // issue 15: readiness and stuck jobs
      'wait-for-ready',
      'stuck-after-minutes',
      // issue 14: pull-request comments
      'comment-on-pr',
      'github-token',
      // issue 13: data in, predictions out
      'datastore',
      'download-path',
      'outputs',
      'instance-count',
      'mini-batch-size',
      'output-file-name',
      'error-threshold',
      'max-retries',
      'retry-timeout',
      'logging-level',
      'max-concurrency-per-instance',
      // issue 20: release gates
      'expected-file',
      'tolerance',
      'ignore-fields',
      'compare-to',
      'thresholds',
      'junit-file',
    ] as string[],
    outputs: ['output-uri', 'downloaded-files', 'latency-p99-ms', 'mismatched-requests', 'agreement-rate'] as string[],
  };
  // The names DESIGN.md fixes, kept in the repository so the check runs where ../shared is absent
  // (GitHub's CI); where it is present, the copy must still be what DESIGN.md says.
  it('keeps the DESIGN.md names (inputs table and outputs list), plus those issues added', () => {
    const names = JSON.parse(readFileSync(designNamesFile, 'utf8')) as { inputs: string[]; outputs: string[] };
    if (existsSync(designFile)) expect(namesIn(readFileSync(designFile, 'utf8'))).toEqual({ inputs: names.inputs, outputs: names.outputs });
    expect([...names.inputs, ...addedByIssues.inputs].sort()).toEqual(Object.keys(actionYml.inputs).sort());
    expect([...names.outputs, ...addedByIssues.outputs].sort()).toEqual(Object.keys(actionYml.outputs).sort());
  });
});

/** The inputs table's and the outputs list's names, in DESIGN.md's order. */
function namesIn(design: string): { inputs: string[]; outputs: string[] } {
  const inputs = [...design.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
  const outputsLine = /## 6\. Outputs\n([\s\S]*?)\n\n/.exec(design)?.[1] ?? '';
  return { inputs, outputs: [...outputsLine.matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1]) };
}
