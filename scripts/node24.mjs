// Prints the path of a Node 24 binary, the runtime action.yml declares, for .ci/run's second pass of
// the end-to-end tests (E2E_NODE). Run with Node 24 already (actions/setup-node, nvm), it prints that
// one. Otherwise it fetches Node's own build from the npm registry's node-<os>-<cpu> package, once,
// into ~/.cache/azureml-invoke/node-<version>/ (about 52 MB unpacked): outside node_modules, which
// every `npm ci` deletes, so a warm run fetches nothing. The version is pinned, and the package
// checked against its recorded integrity. Only Linux packages are fetched: the registry has none of
// this version for macOS or Windows (none at all for Apple silicon), where setup-node installs it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

if (process.versions.node.split('.')[0] === '24') {
  console.log(process.execPath);
  process.exit(0);
}

const VERSION = '24.22.3';
const INTEGRITY = {
  'linux-x64': 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
  'linux-arm64': 'sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==',
};
const platform = `${process.platform}-${process.arch}`;
const integrity = INTEGRITY[platform];
if (!integrity) {
  console.error(
    `scripts/node24.mjs runs on Node ${process.version}, not 24, and fetches Node 24 for ${Object.keys(INTEGRITY).join(' and ')} only ` +
      `(the npm registry has no node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}@${VERSION}). ` +
      'Run it with Node 24 (actions/setup-node, nvm), or set E2E_NODE to a Node 24 binary.',
  );
  process.exit(1);
}

const home = join(homedir(), '.cache', 'azureml-invoke', `node-${VERSION}`);
const binary = join(home, 'bin', 'node');
const pkg = `node-${platform}`;
if (!existsSync(binary)) {
  const work = mkdtempSync(join(tmpdir(), 'node24-'));
  try {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', `${pkg}@${VERSION}`, '--json', '--pack-destination', work], { encoding: 'utf8' }));
    if (packed.integrity !== integrity) throw new Error(`${pkg}@${VERSION} has integrity ${packed.integrity}, expected ${integrity}`);
    execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', work]);
    mkdirSync(dirname(home), { recursive: true });
    rmSync(home, { recursive: true, force: true });
    renameSync(join(work, 'package'), home);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
if (version !== `v${VERSION}`) throw new Error(`${binary} is ${version}, expected v${VERSION}`);
console.log(binary);
