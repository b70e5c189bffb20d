// Paths on Windows, checked on any machine: the same local input read through node:path's win32
// rules (over a tree mapped from C:\ onto a temporary folder) and through this machine's gives the
// same upload name, files, azure-ai-ml order, content hash and blob names; a download's blob names
// land inside the destination under both rules. And line endings: the hash is of the bytes, those
// uploaded, so a CRLF copy of a text file is other content, and only that.
import { createHash } from 'node:crypto';
import {
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  lstatSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, sep, win32, type PlatformPath } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { ContainerClient } from '../../../src/storage/blob.js';
import { downloadTarget } from '../../../src/storage/download.js';
import { contentHash, inside, readLocalInput, THIS_MACHINE, type LocalFs, type LocalTree } from '../../../src/storage/local.js';
import { uploadLocal } from '../../../src/storage/upload.js';

const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'paths-')));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Windows' path rules over real files: X:\a\b is <root>/X/a/b. */
function windowsFs(root: string): LocalFs & { real(path: string): string } {
  const real = (path: string) => {
    const m = /^([a-z]):\\(.*)$/i.exec(win32.resolve(path));
    if (!m) throw new Error(`not an absolute Windows path: ${path}`);
    return join(root, m[1].toUpperCase(), ...m[2].split('\\').filter(Boolean));
  };
  const back = (path: string) => {
    const [drive, ...rest] = relative(root, path).split(sep);
    return `${drive}:\\${rest.join('\\')}`;
  };
  return {
    path: win32,
    real,
    stat: (p) => statSync(real(p)),
    lstat: (p) => lstatSync(real(p), { throwIfNoEntry: false }),
    readdir: (p) => readdirSync(real(p)),
    realpath: (p) => back(realpathSync(real(p))),
    read: (p) => createReadStream(real(p)),
  };
}

const thisMachine = THIS_MACHINE;

// Names a file may have on Windows and Linux alike (no separator, no reserved character, no
// trailing dot or space), dots first included ('..data' is a name, not a way up).
const name = fc
  .string({ unit: fc.constantFrom('a', 'B', 'z', '0', '9', '.', '-', '_', ' ', 'é', 'Ä'), minLength: 1, maxLength: 8 })
  .filter((n) => n !== '.' && n !== '..' && !/[. ]$/.test(n));
const content = fc.string({ unit: fc.constantFrom('a', ',', '1', '\n', '\r', 'é'), maxLength: 40 });

interface Spec {
  files: { path: string[]; content: string }[];
}
/** A folder's files, at most three deep, no two names differing only in case (Windows could not hold both). */
const spec: fc.Arbitrary<Spec> = fc
  .uniqueArray(fc.record({ path: fc.array(name, { minLength: 1, maxLength: 3 }), content }), {
    minLength: 1,
    maxLength: 8,
    selector: (f) => f.path.join('/').toLowerCase(),
  })
  .map((files) => {
    const folders = new Set(
      files.flatMap((f) =>
        f.path.slice(0, -1).map((_, i) =>
          f.path
            .slice(0, i + 1)
            .join('/')
            .toLowerCase(),
        ),
      ),
    );
    return { files: files.filter((f) => !folders.has(f.path.join('/').toLowerCase())) };
  })
  .filter((s) => s.files.length > 0 && caseless(s));
/** No folder and file, nor two folders, whose paths differ only in case. */
function caseless(s: Spec): boolean {
  const prefixes = new Map<string, string>();
  for (const f of s.files) {
    for (let i = 1; i <= f.path.length; i++) {
      const p = f.path.slice(0, i).join('/');
      if ((prefixes.get(p.toLowerCase()) ?? p) !== p) return false;
      prefixes.set(p.toLowerCase(), p);
    }
  }
  return true;
}

let trees = 0;
/** Writes a spec under <scratch>/<n>/C/ws/data; returns the Windows and the posix workspace. */
function write(s: Spec, eol: '\n' | '\r\n' = '\n') {
  const root = join(scratch, String(trees++));
  const ws = join(root, 'C', 'ws');
  for (const f of s.files) {
    const file = join(ws, 'data', ...f.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, f.content.replace(/\r?\n/g, eol));
  }
  return { root, ws };
}

/** azure-ai-ml's walk (_get_dir_hash): each folder's entries by lower-cased path, names then contents. */
function reference(s: Spec, eol = '\n'): { names: string[]; hash: string } {
  const names: string[] = [];
  const hash = createHash('md5').update('Initialize for october 2021 AML CLI version');
  const walk = (prefix: string[]) => {
    const children = [
      ...new Set(s.files.filter((f) => prefix.every((p, i) => f.path[i] === p) && f.path.length > prefix.length).map((f) => f.path[prefix.length])),
    ];
    children.sort((a, b) => ((a = a.toLowerCase()), (b = b.toLowerCase()), a < b ? -1 : a > b ? 1 : 0));
    for (const child of children) {
      names.push(child);
      hash.update(child);
      const file = s.files.find((f) => f.path.length === prefix.length + 1 && f.path.every((p, i) => p === [...prefix, child][i]));
      if (file) hash.update(file.content.replace(/\r?\n/g, eol));
      else walk([...prefix, child]);
    }
  };
  walk([]);
  return { names, hash: hash.digest('hex') };
}

/** Blob names and bytes an upload sends, through a container that holds nothing yet. */
async function upload(tree: LocalTree, read: (path: string) => Buffer, fs?: LocalFs) {
  const sent = new Map<string, Buffer>();
  const blob = (name: string) => ({
    getProperties: () => Promise.reject(Object.assign(new Error('BlobNotFound'), { statusCode: 404 })),
    uploadFile: (path: string) => Promise.resolve(void sent.set(name, read(path))),
    setMetadata: () => Promise.resolve(),
  });
  const container = { getBlockBlobClient: blob } as unknown as ContainerClient;
  const log = { info: () => undefined, warning: () => undefined, debug: () => undefined };
  const { uri } = await uploadLocal(container, 'workspaceblobstore', tree, log, fs);
  return { uri, sent };
}

describe('local inputs under Windows path rules', () => {
  it('give the same name, files, order, hash and blob names as on this machine, however the path is written', async () => {
    await fc.assert(
      fc.asyncProperty(spec, fc.constantFrom('data', 'data\\', 'data/', '.\\data', 'C:\\ws\\data', 'c:/ws/data\\', 'sub\\..\\data'), async (s, given) => {
        const { root, ws } = write(s);
        const windows = windowsFs(root);
        const onWindows = readLocalInput('input', given, 'uri_folder', 'C:\\ws', windows);
        const here = readLocalInput('input', given.replace(/\\/g, '/').replace(/^c:\/ws/i, ws), 'uri_folder', ws, thisMachine);
        const expected = reference(s);

        expect(onWindows.name).toBe('data');
        expect(onWindows.root.toLowerCase()).toBe('c:\\ws\\data');
        for (const tree of [onWindows, here]) {
          expect(tree.entries.map((e) => e.name)).toEqual(expected.names);
          expect(tree.files.map((f) => f.rel).sort()).toEqual(s.files.map((f) => f.path.join('/')).sort());
        }
        expect(onWindows.bytes).toBe(here.bytes);
        expect(await contentHash(onWindows, windows)).toBe(expected.hash);
        expect(await contentHash(here, thisMachine)).toBe(expected.hash);

        const sentWindows = await upload(onWindows, (p) => readFileSync(windows.real(p)), windows);
        const sentHere = await upload(here, (p) => readFileSync(p));
        expect(sentWindows.uri).toBe(`azureml://datastores/workspaceblobstore/paths/LocalUpload/${expected.hash}/data/`);
        expect(sentHere.uri).toBe(sentWindows.uri);
        expect([...sentWindows.sent.keys()].sort()).toEqual(s.files.map((f) => `LocalUpload/${expected.hash}/data/${f.path.join('/')}`).sort());
        expect([...sentHere.sent.keys()].sort()).toEqual([...sentWindows.sent.keys()].sort());
      }),
      { numRuns: 150 },
    );
  });

  it('name a single file by its last segment, the same under both rules', async () => {
    const { root, ws } = write({ files: [{ path: ['one.csv'], content: 'a,b\n1,2\n' }] });
    const onWindows = readLocalInput('input', 'data\\one.csv', 'uri_file', 'C:\\ws', windowsFs(root));
    const here = readLocalInput('input', 'data/one.csv', 'uri_file', ws, thisMachine);
    expect([onWindows.name, here.name]).toEqual(['one.csv', 'one.csv']);
    expect(await contentHash(onWindows, windowsFs(root))).toBe(await contentHash(here, thisMachine));
    const { sent } = await upload(onWindows, (p) => readFileSync(windowsFs(root).real(p)), windowsFs(root));
    expect([...sent.keys()]).toEqual([`LocalUpload/${await contentHash(here)}/one.csv`]);
  });

  it('refuse a symbolic link out of the workspace under both rules, and take a name that starts with two dots', () => {
    const { root, ws } = write({ files: [{ path: ['..hidden.csv'], content: 'x\n' }] });
    mkdirSync(join(root, 'C', 'elsewhere'));
    writeFileSync(join(root, 'C', 'elsewhere', 'secret.csv'), 'no\n');
    // The whole workspace as the input: its top-level names are checked against the workspace itself.
    expect(readLocalInput('input', '.', 'uri_folder', join(ws, 'data'), thisMachine).files.map((f) => f.rel)).toEqual(['..hidden.csv']);
    expect(readLocalInput('input', '.', 'uri_folder', 'C:\\ws\\data', windowsFs(root)).files.map((f) => f.rel)).toEqual(['..hidden.csv']);
    symlinkSync(join(root, 'C', 'elsewhere', 'secret.csv'), join(ws, 'data', 'link.csv'));
    expect(() => readLocalInput('input', 'data', 'uri_folder', ws, thisMachine)).toThrow(
      /'link\.csv' inside it is a symbolic link leading out of the workspace/,
    );
    expect(() => readLocalInput('input', 'data', 'uri_folder', 'C:\\ws', windowsFs(root))).toThrow(
      /'link\.csv' inside it is a symbolic link leading out of the workspace \(to C:\\elsewhere\\secret\.csv\)/,
    );
  });
});

describe('inside', () => {
  /** The root itself or a path that starts with it and a separator (Windows: whatever the case). */
  const below = (p: PlatformPath, target: string, root: string) => {
    const [t, r] = p === win32 ? [target.toLowerCase(), root.toLowerCase()] : [target, root];
    return t === r || t.startsWith(r + p.sep);
  };

  it('holds for a path below the root, whatever its names, and never for one above or beside it', () => {
    fc.assert(
      fc.property(fc.array(name, { maxLength: 3 }), fc.array(name, { minLength: 1, maxLength: 3 }), (under, other) => {
        for (const [p, root] of [
          [posix, '/ws/repo'],
          [win32, 'D:\\a\\repo'],
        ] as [PlatformPath, string][]) {
          expect(inside(p.join(root, ...under), root, p)).toBe(true);
          const beside = p.join(root, '..', ...other);
          expect(inside(beside, root, p), beside).toBe(below(p, beside, root));
          expect(inside(p.dirname(root), root, p)).toBe(false);
        }
        expect(inside('E:\\a\\repo\\x', 'D:\\a\\repo', win32)).toBe(false);
        expect(inside('d:\\A\\Repo\\x', 'D:\\a\\repo', win32)).toBe(true);
      }),
    );
  });
});

describe('download targets', () => {
  const dests: [PlatformPath, string][] = [
    [posix, '/home/runner/work/repo/repo/predictions'],
    [win32, 'D:\\a\\repo\\repo\\predictions'],
  ];
  const anyName = fc.string({ unit: fc.constantFrom('a', 'B', '.', '/', '\\', ':', '*', '?', ' ', 'C', '\u0001'), maxLength: 12 });

  it('land strictly inside the destination, as the file they report, under both rules', () => {
    fc.assert(
      fc.property(anyName, (rel) => {
        for (const [p, dest] of dests) {
          const at = downloadTarget(dest, rel, p);
          if (!at) continue;
          expect(at.target.startsWith(dest + p.sep), `${rel} -> ${at.target}`).toBe(true);
          if (p === win32) expect(at.file).not.toContain('\\');
          expect(p.resolve(dest, ...at.file.split('/'))).toBe(at.target);
          // eslint-disable-next-line no-control-regex -- the characters Windows forbids in a name
          if (p === win32) expect(at.target.slice(dest.length)).not.toMatch(/[<>:"|?*\x00-\x1f]/);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('keep every ordinary name as it is, the same under both rules', () => {
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 4 }), (segments) => {
        for (const [p, dest] of dests) expect(downloadTarget(dest, segments.join('/'), p)?.file).toBe(segments.join('/'));
      }),
    );
  });

  it.each([
    ['..data.csv', '..data.csv', '..data.csv'],
    ['a/./b.csv', 'a/b.csv', 'a/b.csv'],
    ['../x.csv', undefined, undefined],
    ['a/../../x.csv', undefined, undefined],
    ['a/..', undefined, undefined],
    ['C:x.csv', 'C:x.csv', undefined],
    ['2026-01-01T00:00:00.csv', '2026-01-01T00:00:00.csv', undefined],
    ['a\\b.csv', 'a\\b.csv', 'a/b.csv'],
  ])('%s is written as %s here and as %s on Windows', (rel, here, windows) => {
    expect(downloadTarget(dests[0][1], rel, posix)?.file).toBe(here);
    expect(downloadTarget(dests[1][1], rel, win32)?.file).toBe(windows);
  });
});

describe('line endings', () => {
  // The hash names the bytes uploaded: a CRLF copy of a text file is other data (the job would read
  // other bytes), so it hashes differently; files without a line break are the same bytes, and hash
  // the same. A checkout under .gitattributes' eol=lf has LF bytes on Windows too (repo test).
  it('hash the bytes uploaded: LF and CRLF copies alike exactly when they are the same bytes', async () => {
    await fc.assert(
      fc.asyncProperty(spec, async (s) => {
        const lf = write(s);
        const crlf = write(s, '\r\n');
        const lfTree = readLocalInput('input', 'data', 'uri_folder', lf.ws);
        const crlfTree = readLocalInput('input', 'data', 'uri_folder', crlf.ws);
        const [lfHash, crlfHash] = [await contentHash(lfTree), await contentHash(crlfTree)];
        const sameBytes = !s.files.some((f) => f.content.includes('\n'));
        expect(lfHash === crlfHash).toBe(sameBytes);
        expect(crlfHash).toBe(reference(s, '\r\n').hash);
        // The bytes uploaded are those hashed.
        const { sent } = await upload(crlfTree, (p) => readFileSync(p));
        for (const f of s.files) expect(sent.get(`LocalUpload/${crlfHash}/data/${f.path.join('/')}`)?.toString()).toBe(f.content.replace(/\r?\n/g, '\r\n'));
      }),
      { numRuns: 100 },
    );
  });
});
