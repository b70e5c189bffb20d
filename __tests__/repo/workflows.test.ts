// The workflows' promises, read from their YAML and, for the release, run: its check script in a
// scratch repository, its publish steps against a stand-in `gh` that records what it is asked.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/runner.js';

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  permissions?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown> };
  'runs-on': string;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = (name: string) => load(readFileSync(join(ROOT, '.github/workflows', name), 'utf8')) as Workflow;
const all = readdirSync(join(ROOT, '.github/workflows')).filter((f) => f.endsWith('.yml'));
const release = workflow('release.yml');

describe('every workflow', () => {
  it.each(all)('%s: no job may write but the release publisher, and no checkout leaves its token in git', (name) => {
    const wf = workflow(name);
    expect(
      Object.values(wf.permissions ?? {}).every((p) => p !== 'write'),
      `${name}: top-level permissions`,
    ).toBe(true);
    for (const [id, job] of Object.entries(wf.jobs)) {
      const writes = Object.entries(job.permissions ?? {}).filter(([, p]) => p === 'write');
      const allowed = name === 'release.yml' && id === 'publish' ? [['contents', 'write']] : name === 'codeql.yml' ? [['security-events', 'write']] : [];
      expect(writes, `${name}: ${id}`).toEqual(allowed);
      for (const step of job.steps.filter((s) => s.uses?.startsWith('actions/checkout@')))
        expect(step.with?.['persist-credentials'], `${name}: ${id}`).toBe(false);
    }
  });
});

describe('release.yml', () => {
  it('starts on a version tag, publishes only after the checks, and runs nothing of the repository where it may write', () => {
    expect(release.on).toEqual({ push: { tags: ['v[0-9]+.[0-9]+.[0-9]+'] } });
    expect(release.permissions).toEqual({});
    const { check, publish } = release.jobs;
    expect(check.permissions).toEqual({ contents: 'read' });
    expect(check.steps.at(-1)?.run).toBe('./.ci/run');
    expect(check.steps.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with?.['package-manager-cache']).toBe(false);
    expect(publish.needs).toBe('check');
    expect(
      publish.steps.every((s) => !s.uses && /^(gh |major=)/.test(s.run ?? '')),
      'publish: only gh',
    ).toBe(true);
  });

  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' }).trim();

  /** A repository with main and a side branch, each commit tagged, cloned so that origin/main exists; runs the check script at `tag`. */
  function check(tag: string, files: { version: string; changelog: string }, onMain = true) {
    const origin = mkdtempSync(join(tmpdir(), 'release-origin-'));
    git(origin, 'init', '-q', '-b', 'main');
    writeFileSync(join(origin, 'package.json'), JSON.stringify({ version: files.version }));
    writeFileSync(join(origin, 'CHANGELOG.md'), files.changelog);
    git(origin, 'add', '.');
    git(origin, 'commit', '-qm', 'release');
    if (!onMain) {
      git(origin, 'checkout', '-qb', 'side');
      git(origin, 'commit', '-q', '--allow-empty', '-m', 'not on main');
    }
    git(origin, 'tag', '-a', tag, '-m', tag);
    const sha = git(origin, 'rev-parse', 'HEAD');
    const work = mkdtempSync(join(tmpdir(), 'release-work-'));
    git(work, 'clone', '-q', origin, '.');
    git(work, 'checkout', '-q', tag);
    const output = join(work, 'github-output');
    writeFileSync(output, '');
    const script = release.jobs.check.steps.find((s) => s.id === 'version')!.run!;
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
      cwd: work,
      env: { ...process.env, TAG: tag, GITHUB_OUTPUT: output },
      encoding: 'utf8',
    });
    return { status: r.status, stdout: r.stdout, output: readFileSync(output, 'utf8'), sha };
  }
  const changelog = '# Changelog\n\n## [Unreleased]\n\n- next\n\n## [1.2.3]\n\n### Added\n- the thing\n\n## [1.2.2]\n\n- older\n';

  it('check: passes on main with the same version everywhere, handing the commit and the notes on', () => {
    const r = check('v1.2.3', { version: '1.2.3', changelog });
    expect(r.status, r.stdout).toBe(0);
    expect(r.output).toBe(`sha=${r.sha}\nnotes<<END_OF_NOTES\n\n### Added\n- the thing\n\nEND_OF_NOTES\n`);
  });

  it.each([
    ['package.json says another version', '1.2.4', changelog, true, "::error::package.json's version is 1.2.4, not 1.2.3"],
    [
      'CHANGELOG.md has no section for it',
      '1.2.3',
      changelog.replace('## [1.2.3]', '## [1.2.3-rc]'),
      true,
      "::error::CHANGELOG.md has no '## [1.2.3]' section",
    ],
    ['the commit is not on main', '1.2.3', changelog, false, '::error::v1.2.3 ('],
  ])('check: fails, saying why, when %s', (_, version, log, onMain, error) => {
    const r = check('v1.2.3', { version, changelog: log }, onMain);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(error);
    expect(r.output).toBe('');
  });

  /** The publish job's steps against a `gh` that answers from `known` (API paths and releases that exist) and logs its calls. */
  function publish(known: string[]) {
    const dir = mkdtempSync(join(tmpdir(), 'release-gh-'));
    const log = join(dir, 'calls');
    writeFileSync(
      join(dir, 'gh'),
      `#!/usr/bin/env bash\necho "gh $*" >> '${log}'\nfor k in ${known.map((k) => `'${k}'`).join(' ')}; do [ "$*" = "$k" ] && exit 0; done\ncase "$1 $2" in "release view"|"api repos/o/r/git/ref/tags/v1") exit 1;; esac\nexit 0\n`,
    );
    chmodSync(join(dir, 'gh'), 0o755);
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH}`, GH_REPO: 'o/r', TAG: 'v1.2.3', SHA: 'a'.repeat(40), NOTES: '- the thing' };
    for (const step of release.jobs.publish.steps) {
      const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], { env, encoding: 'utf8' });
      expect(r.status, `${step.name}: ${r.stderr}`).toBe(0);
    }
    return readFileSync(log, 'utf8').trim().split('\n');
  }

  it('publish: creates the release, then moves v1 (or creates it)', () => {
    expect(publish(['api repos/o/r/git/ref/tags/v1'])).toEqual([
      'gh release view v1.2.3',
      'gh release create v1.2.3 --verify-tag --title v1.2.3 --notes - the thing',
      'gh api repos/o/r/git/ref/tags/v1',
      `gh api --method PATCH repos/o/r/git/refs/tags/v1 -f sha=${'a'.repeat(40)} -F force=true`,
    ]);
    expect(publish([]).slice(-1)).toEqual([`gh api --method POST repos/o/r/git/refs -f ref=refs/tags/v1 -f sha=${'a'.repeat(40)}`]);
  });

  it('publish: a re-run finds the release published and only moves v1', () => {
    const calls = publish(['release view v1.2.3', 'api repos/o/r/git/ref/tags/v1']);
    expect(calls.filter((c) => c.startsWith('gh release create'))).toEqual([]);
    expect(calls.at(-1)).toMatch(/--method PATCH repos\/o\/r\/git\/refs\/tags\/v1/);
  });
});

describe('ci.yml', () => {
  const ci = workflow('ci.yml');
  it('runs the action (uses: ./) and the unit tests on Linux, Windows and macOS', () => {
    expect(ci.jobs.action.strategy?.matrix?.os).toEqual(['ubuntu-latest', 'windows-latest', 'macos-latest']);
    expect(ci.jobs.action.steps.filter((s) => s.uses === './')).toHaveLength(2);
    expect(ci.jobs.unit.strategy?.matrix?.os).toEqual(['windows-latest', 'macos-latest']);
    expect(ci.jobs.unit.steps.at(-1)?.run).toBe('npx vitest run __tests__/unit');
    expect([ci.jobs.test['runs-on'], ci.jobs.test.steps.at(-1)?.run]).toEqual(['ubuntu-latest', './.ci/run']);
  });
});

describe('security scanning', () => {
  it('CodeQL analyses the TypeScript and the workflows; dependency review runs on pull requests', () => {
    const codeql = workflow('codeql.yml');
    expect(codeql.jobs.analyze.strategy?.matrix?.language).toEqual(['javascript-typescript', 'actions']);
    expect(codeql.jobs.analyze.steps.map((s) => s.uses?.replace(/@.*/, ''))).toEqual([
      'actions/checkout',
      'github/codeql-action/init',
      'github/codeql-action/analyze',
    ]);
    const review = workflow('dependency-review.yml');
    expect(Object.keys(review.on)).toEqual(['pull_request']);
    expect(review.jobs.review.steps.map((s) => s.uses?.replace(/@.*/, ''))).toEqual(['actions/dependency-review-action']);
  });
});
