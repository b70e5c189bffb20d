// .gitattributes: every text file is checked out with LF line endings, Windows included, so the same
// commit is the same bytes on every runner: Prettier's check passes there, and a folder of the
// repository uploaded as a local input hashes to the same LocalUpload/<hash> prefix. The bundle is
// never converted (check-dist compares it byte for byte).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentHash, readLocalInput } from '../../src/storage/local.js';
import { ROOT } from '../../scripts/runner.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });

/** `git check-attr` of every tracked file: path -> attribute -> value. */
function attributes(...names: string[]): Map<string, Record<string, string>> {
  const files = git(ROOT, 'ls-files', '-z').split('\0').filter(Boolean);
  const out = execFileSync('git', ['check-attr', '-z', '--stdin', ...names], { cwd: ROOT, input: files.join('\0'), encoding: 'utf8' }).split('\0');
  const map = new Map<string, Record<string, string>>();
  for (let i = 0; i + 2 < out.length; i += 3) map.set(out[i], { ...map.get(out[i]), [out[i + 1]]: out[i + 2] });
  return map;
}

/** A repository holding a data folder of CSV lines, cloned as Git for Windows does by default (core.autocrlf=true). */
function windowsCheckout(gitattributes: boolean): string {
  const origin = mkdtempSync(join(tmpdir(), 'eol-origin-'));
  git(origin, 'init', '-q');
  if (gitattributes) copyFileSync(join(ROOT, '.gitattributes'), join(origin, '.gitattributes'));
  mkdirSync(join(origin, 'data', 'sub'), { recursive: true });
  writeFileSync(join(origin, 'data', 'a.csv'), 'age,chol\n63,233\n37,250\n');
  writeFileSync(join(origin, 'data', 'sub', 'b.jsonl'), '{"x":1}\n{"x":2}\n');
  git(origin, 'add', '.');
  git(origin, 'commit', '-qm', 'data');
  const clone = mkdtempSync(join(tmpdir(), 'eol-windows-'));
  git(clone, '-c', 'core.autocrlf=true', 'clone', '-q', origin, '.');
  return clone;
}

const hashOf = async (dir: string) => contentHash(readLocalInput('input', 'data', 'uri_folder', dir));

describe('.gitattributes', () => {
  it('checks out every text file with LF endings, and the bundle unconverted', () => {
    const attrs = attributes('text', 'eol');
    expect(attrs.size).toBeGreaterThan(100);
    for (const [file, a] of attrs) {
      if (file.startsWith('dist/')) expect(a.text, file).toBe('unset');
      else expect(a, file).toEqual({ text: 'auto', eol: 'lf' });
    }
  });

  it('gives a Windows checkout the same bytes, so the same content hash; without it, CRLF and another hash', async () => {
    const linux = mkdtempSync(join(tmpdir(), 'eol-linux-'));
    mkdirSync(join(linux, 'data', 'sub'), { recursive: true });
    writeFileSync(join(linux, 'data', 'a.csv'), 'age,chol\n63,233\n37,250\n');
    writeFileSync(join(linux, 'data', 'sub', 'b.jsonl'), '{"x":1}\n{"x":2}\n');

    const kept = windowsCheckout(true);
    expect(readFileSync(join(kept, 'data', 'a.csv'), 'utf8')).toBe('age,chol\n63,233\n37,250\n');
    expect(await hashOf(kept)).toBe(await hashOf(linux));

    const converted = windowsCheckout(false);
    expect(readFileSync(join(converted, 'data', 'a.csv'), 'utf8')).toBe('age,chol\r\n63,233\r\n37,250\r\n');
    expect(await hashOf(converted)).not.toBe(await hashOf(linux));
  });
});
