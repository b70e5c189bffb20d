// The actions the examples and the README show are those the repository's own workflows use, on
// the same major or newer. Dependabot keeps .github/workflows/ current (github-actions ecosystem)
// but reads neither examples/ nor the README: a user who copies an example gets what this checks.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/runner.js';

interface Use {
  /** owner/repo: github/codeql-action for github/codeql-action/init. */
  action: string;
  ref: string;
  /** From a vN ref, or from the `# vN.x.y` comment after a commit SHA; undefined when neither says. */
  major?: number;
  where: string;
}

/** Every `uses: owner/repo[/path]@ref` of a workflow or a README, its own action and local ones left out. */
function usesIn(text: string, file: string): Use[] {
  const found: Use[] = [];
  text.split('\n').forEach((line, i) => {
    const m = /^\s*(?:-\s+)?uses:\s*['"]?([\w.-]+\/[\w.-]+)(?:\/[^@\s'"]*)?@([^\s'"#]+)['"]?(?:\s+#\s*(\S+))?/.exec(line);
    if (!m || m[1] === 'azureml-invoke/azureml-invoke') return;
    const [, action, ref, comment] = m;
    const version = /^v(\d+)\b/.exec(ref) ?? (/^[0-9a-f]{40}$/.test(ref) ? /^v(\d+)\b/.exec(comment ?? '') : null);
    found.push({ action, ref, major: version ? Number(version[1]) : undefined, where: `${file}:${i + 1}` });
  });
  return found;
}

/** What is wrong with the uses shown to users, against the majors the workflows use. */
function behind(current: Map<string, number>, shown: Use[]): string[] {
  return shown.flatMap((u) => {
    const now = current.get(u.action);
    if (now === undefined) return [`${u.where}: ${u.action} is used by no workflow in .github/workflows/, so nothing keeps it current; use it there too`];
    if (u.major === undefined) return [`${u.where}: ${u.action}@${u.ref} names no version; use @v${now}, or a commit SHA followed by # v${now}.x.y`];
    return u.major < now ? [`${u.where}: ${u.action}@${u.ref} is older than the v${now} .github/workflows/ uses`] : [];
  });
}

const yamlIn = (dir: string) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => `${dir}/${f}`);
const usesOf = (files: string[]) => files.flatMap((f) => usesIn(readFileSync(join(ROOT, f), 'utf8'), f));

const workflowUses = usesOf(yamlIn('.github/workflows'));
const current = new Map<string, number>();
for (const u of workflowUses) current.set(u.action, Math.max(current.get(u.action) ?? 0, u.major ?? 0));

// The inputs each action declares (its action.yml at that release): actionlint 1.7.7 knows none of
// these majors, so it checks none of their `with:` keys. A new major is checked once it is added here.
const INPUTS: Record<string, string> = {
  'actions/checkout@v7':
    'repository ref token ssh-key ssh-known-hosts ssh-strict ssh-user persist-credentials path clean filter sparse-checkout sparse-checkout-cone-mode fetch-depth fetch-tags show-progress lfs submodules set-safe-directory github-server-url allow-unsafe-pr-checkout',
  'actions/setup-node@v7':
    'node-version node-version-file architecture check-latest registry-url scope token cache package-manager-cache cache-dependency-path mirror mirror-token',
  'actions/upload-artifact@v7': 'name path if-no-files-found retention-days compression-level overwrite include-hidden-files archive',
  'github/codeql-action/init@v4':
    'tools languages build-mode analysis-kinds token registries matrix config-file db-location config queries quality-queries packs external-repository-token setup-python-dependencies source-root ram threads debug debug-artifact-name debug-database-name trap-caching dependency-caching check-run-id',
  'github/codeql-action/analyze@v4':
    'check_name output upload cleanup-level ram add-snippets skip-queries threads checkout_path ref sha category upload-database post-processed-sarif-path wait-for-processing token matrix expect-error',
  'actions/dependency-review-action@v5':
    'repo-token fail-on-severity fail-on-scopes base-ref head-ref config-file allow-licenses deny-licenses allow-dependencies-licenses allow-ghsas external-repo-token license-check vulnerability-check comment-summary-in-pr deny-packages deny-groups retry-on-snapshot-warnings retry-on-snapshot-warnings-timeout warn-only show-openssf-scorecard warn-on-openssf-scorecard-level show-patched-versions',
};

describe('action versions', () => {
  it('.github/workflows/ name each action by a version, one major per action', () => {
    expect(workflowUses.length).toBeGreaterThan(10);
    for (const u of workflowUses) expect(u.major, `${u.where}: ${u.action}@${u.ref}`).toBe(current.get(u.action));
  });

  it('examples/ and the README use those actions, none on an older major', () => {
    const shown = [...usesOf(yamlIn('examples')), ...usesOf(['README.md'])];
    expect(shown.map((u) => u.action)).toEqual(expect.arrayContaining(['actions/checkout', 'actions/upload-artifact']));
    expect(behind(current, shown)).toEqual([]);
  });

  it('finds an example left behind, an action no workflow uses, and a SHA without a version', () => {
    const example = [
      'steps:',
      '  - uses: actions/checkout@v4',
      '  - uses: actions/upload-artifact@b4b15b8c7c6ac21ea08fcf65892d2ee8f75cf882 # v4.4.3',
      '  - uses: actions/setup-node@1d0ff469b7ec7b3cb9d8673fde0c81c44821de2a',
      "  - uses: 'some/action/sub@v1'",
      '  - uses: ./',
      '  - uses: azureml-invoke/azureml-invoke@v1',
    ].join('\n');
    const now = new Map([
      ['actions/checkout', 7],
      ['actions/upload-artifact', 7],
      ['actions/setup-node', 7],
    ]);
    expect(behind(now, usesIn(example, 'examples/x.yml'))).toEqual([
      'examples/x.yml:2: actions/checkout@v4 is older than the v7 .github/workflows/ uses',
      'examples/x.yml:3: actions/upload-artifact@b4b15b8c7c6ac21ea08fcf65892d2ee8f75cf882 is older than the v7 .github/workflows/ uses',
      'examples/x.yml:4: actions/setup-node@1d0ff469b7ec7b3cb9d8673fde0c81c44821de2a names no version; use @v7, or a commit SHA followed by # v7.x.y',
      'examples/x.yml:5: some/action is used by no workflow in .github/workflows/, so nothing keeps it current; use it there too',
    ]);
    expect(behind(now, usesIn('      - uses: actions/checkout@v7\n      - uses: actions/upload-artifact@v8', 'README.md'))).toEqual([]);
  });

  it('steps give only the inputs their action declares', () => {
    let checked = 0;
    for (const file of [...yamlIn('.github/workflows'), ...yamlIn('examples')]) {
      const wf = load(readFileSync(join(ROOT, file), 'utf8')) as { jobs: Record<string, { steps?: { uses?: string; with?: object }[] }> };
      for (const step of Object.values(wf.jobs).flatMap((j) => j.steps ?? [])) {
        const known = INPUTS[step.uses?.replace(/@(v\d+).*$/, '@$1') ?? '']?.split(' ');
        if (!known) continue;
        checked++;
        for (const key of Object.keys(step.with ?? {})) expect(known, `${file}: ${step.uses} with.${key}`).toContain(key);
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});
