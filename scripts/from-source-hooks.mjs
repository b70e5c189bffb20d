// Module hooks that run src/ from source the way Node's own type stripping does: a relative './x.js'
// import from a .ts file resolves to './x.ts' when that exists (the sources import what the bundler
// and tsc expect), and a .ts file's types are blanked out with spaces (amaro, the stripper Node
// itself uses), so every offset in the running code is the offset in the file. V8 coverage of a
// step run this way therefore lines up with src/ as written (scripts/coverage-provider.ts).
//
// Two caches under node_modules/.cache/azureml-invoke keep a step's start close to the bundle's:
// - stripped/: each file's stripped text by content, so only a changed file pays the ~0.3 s that
//   loading amaro takes;
// - vendor/<key>/: the packages src/ imports, bundled by esbuild once per package-lock.json
//   (buildVendor, run before the tests). Loaded file by file from node_modules they cost a step
//   about 0.6 s more CPU. Without it, packages resolve from node_modules as usual.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const CACHE = join(ROOT, 'node_modules', '.cache', 'azureml-invoke');

/**
 * TypeScript as Node's own type stripping runs it: the text with its types replaced by spaces.
 * @param {string} text
 * @param {string} filename
 * @returns {string}
 */
export function stripTypes(text, filename) {
  const cached = join(CACHE, 'stripped', `${createHash('sha256').update(text).digest('hex')}.js`);
  if (existsSync(cached)) return readFileSync(cached, 'utf8');
  const amaro = createRequire(import.meta.url)('amaro');
  const { code } = amaro.transformSync(text, { mode: 'strip-only', filename });
  mkdirSync(dirname(cached), { recursive: true });
  // Steps start in parallel: write beside, then rename, so no reader sees half a file.
  const partial = `${cached}.${process.pid}`;
  writeFileSync(partial, code);
  renameSync(partial, cached);
  return code;
}

/** The JavaScript Node runs for a TypeScript file. @type {(file: string) => string} */
export const strippedSource = (file) => stripTypes(readFileSync(file, 'utf8'), file);

/** The packages src/ imports (bare specifiers, node: built-ins aside), sorted. */
function importedPackages() {
  const specs = new Set();
  for (const f of readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
    for (const [, spec] of readFileSync(join(SRC, f), 'utf8').matchAll(/(?:\bfrom|\bimport\()\s*'([^'.][^']*)'/g)) {
      if (!spec.startsWith('node:')) specs.add(spec);
    }
  }
  return [...specs].sort();
}

const fileName = (pkg) => `${pkg.replace(/[@/]/g, '_')}.js`;

/** The vendor bundle's folder for the installed packages: a new lock file is a new folder. */
function vendorDir(packages) {
  const lock = readFileSync(join(ROOT, 'package-lock.json'));
  return join(CACHE, 'vendor', createHash('sha256').update(lock).update(packages.join()).digest('hex').slice(0, 16));
}

/** Bundles the packages src/ imports into vendor/<key>/, one module per package, unless done. @returns {Promise<void>} */
export async function buildVendor() {
  const packages = importedPackages();
  const dir = vendorDir(packages);
  if (existsSync(dir)) return;
  const { build } = await import('esbuild');
  const work = `${dir}.${process.pid}`;
  mkdirSync(join(work, 'entries'), { recursive: true });
  const entryPoints = packages.map((pkg) => {
    const entry = join(work, 'entries', fileName(pkg));
    writeFileSync(entry, `export * from '${pkg}';\n`);
    return { in: entry, out: fileName(pkg).slice(0, -3) };
  });
  await build({
    entryPoints,
    outdir: work,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // The ES-module builds, as scripts/build.mjs picks them.
    mainFields: ['module', 'main'],
    // CommonJS packages inside an ES module still call require() for Node's built-ins.
    banner: { js: "import { createRequire as __vendorRequire } from 'node:module'; const require = __vendorRequire(import.meta.url);" },
    minify: true,
    logLevel: 'error',
  });
  rmSync(join(work, 'entries'), { recursive: true });
  mkdirSync(dirname(dir), { recursive: true });
  renameSync(work, dir);
}

let vendor;

export async function resolve(specifier, context, nextResolve) {
  const fromSrc = context.parentURL?.startsWith(pathToFileURL(SRC).href) && context.parentURL.endsWith('.ts');
  if (fromSrc && specifier.startsWith('.') && specifier.endsWith('.js')) {
    const ts = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
    if (existsSync(fileURLToPath(ts))) return { url: ts.href, shortCircuit: true };
  }
  if (fromSrc && !specifier.startsWith('.') && !specifier.startsWith('node:')) {
    vendor ??= vendorDir(importedPackages());
    const bundled = join(vendor, fileName(specifier));
    if (existsSync(bundled)) return { url: pathToFileURL(bundled).href, format: 'module', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && url.endsWith('.ts')) {
    return { format: 'module', source: strippedSource(fileURLToPath(url)), shortCircuit: true };
  }
  return nextLoad(url, context);
}
