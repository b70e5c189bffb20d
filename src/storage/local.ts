// A local input: a file or folder of the workspace checkout, checked and listed before any
// request (it exists, it is what its type says, a folder holds files, no symbolic link leads out
// of the workspace), and its content hash, as azure-ai-ml computes it, naming its upload prefix.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import nodePath, { type PlatformPath } from 'node:path';
import type { Readable } from 'node:stream';
import { InputError } from '../reporting/errors.js';

/**
 * The file system a local input is read from, with its path rules: this machine's. Tests read a
 * tree through Windows' path rules (node:path's win32) on any machine.
 */
export interface LocalFs {
  path: Pick<PlatformPath, 'basename' | 'isAbsolute' | 'join' | 'relative' | 'resolve' | 'sep'>;
  stat(path: string): Stats;
  lstat(path: string): Stats | undefined;
  readdir(path: string): string[];
  realpath(path: string): string;
  read(path: string): Readable;
}

export const THIS_MACHINE: LocalFs = {
  path: nodePath,
  stat: (p) => statSync(p),
  lstat: (p) => lstatSync(p, { throwIfNoEntry: false }),
  readdir: (p) => readdirSync(p),
  realpath: (p) => realpathSync(p),
  read: (p) => createReadStream(p, { highWaterMark: 1 << 20 }),
};

export interface LocalFile {
  /** Path inside the input, '/'-separated ('' for a single-file input). */
  rel: string;
  abs: string;
  size: number;
}

export interface LocalTree {
  /** The path as given, and as resolved. */
  given: string;
  root: string;
  /** Last segment of the path: the upload keeps it (LocalUpload/<hash>/<name>). */
  name: string;
  isFolder: boolean;
  /** Files in azure-ai-ml's hashing order (per folder, by lower-cased name). */
  files: LocalFile[];
  /** Hash steps in order: each entry's name, then a file's content. */
  entries: { name: string; file?: LocalFile }[];
  bytes: number;
}

/** Whether `target` is `root` or below it (a name such as '..data' is below it). */
export function inside(target: string, root: string, p: Pick<PlatformPath, 'isAbsolute' | 'relative' | 'sep'> = nodePath): boolean {
  const r = p.relative(root, target);
  return r === '' || (r !== '..' && !r.startsWith(`..${p.sep}`) && !p.isAbsolute(r));
}

/**
 * Checks and lists a local input. `input` names it in messages ('input', 'inputs.data.path').
 * Symbolic links may point anywhere inside the workspace (or inside the input, for a path
 * outside the workspace such as $RUNNER_TEMP), never further.
 */
export function readLocalInput(input: string, given: string, type: 'uri_folder' | 'uri_file', workspace: string, fs: LocalFs = THIS_MACHINE): LocalTree {
  const { basename, join, resolve } = fs.path;
  const root = resolve(workspace, given);
  const fail = (why: string): never => {
    // One line, always: the path as given may hold newlines.
    throw new InputError(`Input '${input}' is '${given}' (${root}): ${why}`.replace(/\s+/g, ' '));
  };
  let stat;
  try {
    stat = fs.stat(root);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && fs.lstat(root)?.isSymbolicLink()) fail('it is a symbolic link to nothing.');
    return fail(
      code === 'ENOENT'
        ? 'no such file or folder; give a path in the repository checkout (relative to GITHUB_WORKSPACE) or an absolute one.'
        : `it cannot be read (${code ?? String(err)}).`,
    );
  }
  const within = (target: string, root: string) => inside(target, root, fs.path);
  const realWorkspace = fs.realpath(workspace);
  const boundary = within(root, resolve(workspace)) ? realWorkspace : fs.realpath(root);
  const real = fs.realpath(root);
  if (!within(real, boundary)) fail(`it is a symbolic link leading out of the workspace (to ${real}); copy the data into the workspace instead.`);
  if (stat.isDirectory() && type === 'uri_file') fail(`it is a folder; set its type to uri_folder.`);
  if (stat.isFile() && type === 'uri_folder') fail(`it is a file; set its type to uri_file${input === 'input' ? " ('input-type: uri_file')" : ''}.`);
  if (!stat.isFile() && !stat.isDirectory()) fail('it is neither a file nor a folder.');

  const tree: LocalTree = { given, root, name: basename(root), isFolder: stat.isDirectory(), files: [], entries: [], bytes: 0 };
  if (!tree.isFolder) {
    const file = { rel: '', abs: root, size: stat.size };
    tree.files.push(file);
    tree.entries.push({ name: tree.name, file });
    tree.bytes = stat.size;
    return tree;
  }
  const seen = new Set<string>([real]);
  const walk = (dir: string, rel: string) => {
    // azure-ai-ml's order: by the lower-cased path (the same order under either separator).
    const names = fs.readdir(dir).sort((a, b) => {
      const x = join(dir, a).toLowerCase();
      const y = join(dir, b).toLowerCase();
      return x < y ? -1 : x > y ? 1 : 0;
    });
    for (const name of names) {
      const abs = join(dir, name);
      const path = rel ? `${rel}/${name}` : name;
      const target = fs.realpath(abs);
      if (!within(target, boundary)) fail(`'${path}' inside it is a symbolic link leading out of the workspace (to ${target}).`);
      const s = fs.stat(abs);
      if (s.isDirectory()) {
        if (seen.has(target)) fail(`'${path}' inside it links back to a folder above it.`);
        seen.add(target);
        tree.entries.push({ name });
        walk(abs, path);
        seen.delete(target);
      } else if (s.isFile()) {
        const file = { rel: path, abs, size: s.size };
        tree.entries.push({ name, file });
        tree.files.push(file);
        tree.bytes += s.size;
      }
    }
  };
  walk(root, '');
  if (tree.files.length === 0) fail('the folder holds no file; a batch job needs at least one.');
  return tree;
}

function feed(hash: Hash, stream: Readable): Promise<void> {
  return new Promise((done, fail) => {
    stream
      .on('data', (chunk: Buffer) => hash.update(chunk))
      .on('end', done)
      .on('error', fail);
  });
}

/**
 * The content hash azure-ai-ml names an upload by (_asset_utils.get_object_hash): MD5 seeded with
 * its fixed phrase, then for a folder each entry's name and a file's bytes, folder by folder in
 * lower-cased order; for a single file its bytes. The same content gets the same prefix, so an
 * upload already there is not repeated. Files are streamed, never held.
 */
export async function contentHash(tree: LocalTree, fs: Pick<LocalFs, 'read'> = THIS_MACHINE): Promise<string> {
  const hash = createHash('md5').update('Initialize for october 2021 AML CLI version');
  if (!tree.isFolder) {
    await feed(hash, fs.read(tree.root));
    return hash.digest('hex');
  }
  for (const entry of tree.entries) {
    hash.update(entry.name);
    if (entry.file) await feed(hash, fs.read(entry.file.abs));
  }
  return hash.digest('hex');
}

/** A path given for data that is not a URL or an asset: local, to be uploaded. */
export function looksLocal(value: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(value) || /^[a-z]:[\\/]/i.test(value);
}
