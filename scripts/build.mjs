// npm run build: bundles the two halves of the action with ncc's API rather than its CLI, for one
// option the CLI lacks: mainFields. ncc resolves packages by "main" only; webpack's own default is
// "module" first. The Azure resource-manager SDKs publish an ES-module build under "module" and a
// CommonJS one under "main"; bundling "main" put a second, CommonJS copy of the Azure core
// libraries (core-client, core-rest-pipeline, …) beside the ES-module copy @azure/identity uses,
// and cost about 30 ms of start-up. Output is written as the CLI writes it.
//
// Five packages are left out, four replaced by a stand-in that throws, naming itself, if it is ever
// called. __tests__/repo/bundle.test.ts reads the installed libraries and fails if an upgrade
// reaches one of them from anywhere else, and the e2e tests run every auth type through the bundle.
// - undici: @actions/http-client imports it only for ProxyAgent, which only its getAgentDispatcher()
//   uses, a fetch dispatcher nothing here asks for (the OIDC request goes through node:https, and
//   through a proxy by `tunnel`). Bundled, it cost about 50 ms before the first request.
// - jsonwebtoken: MSAL signs with it only a client assertion it builds from a certificate; no auth
//   type here has one (OIDC hands MSAL GitHub's token). With its dependencies (semver, jws, lodash.*)
//   it was 16 packages, evaluated at start-up.
// - open: @azure/identity imports it only to open a browser for interactive sign-in.
// - @actions/exec: @actions/core imports it only for platform.getDetails(), which the action never
//   calls. Bundled, it loaded child_process (and with it dgram) before the first request: without
//   it the first request leaves about 5 % sooner.
// - supports-color: `debug` (under the proxy agents) asks it, inside a try, whether DEBUG output may
//   use 256 colours. No dependency of the action has it; a dev tool's does (istanbul-lib-report),
//   and once installed beside them it would be bundled. A stand-in that exports nothing leaves debug
//   its basic colours, as when the package is absent, and the bundle independent of dev tools.
//
// licenses.txt is written here too: ncc's own --license misses every package webpack concatenates
// into one module, which for these ES-module builds is nearly all of them.
//
// ncc minifies a bundle's main file only; the chunks of its dynamic imports (@azure/storage-blob,
// loaded only when a step moves data) are minified here with esbuild, the same ES module syntax.
// The Azure half's main file is minified by esbuild again: ncc's minifier keeps the names of an
// ES module's top-level functions and classes, which webpack's concatenation makes of most of the
// Azure libraries; esbuild shortens them (615 KB to 539 KB), and every run parses that much less.
//
// The entry, which the runner starts, is written as CommonJS (dist/index.cjs): an ES module entry
// costs Node's ES module loader and a module per stand-in before the first request (about 5 ms of
// its 50). ncc writes ES modules for a "type": "module" package, so esbuild turns its output into
// CommonJS: it bundles the stand-ins (data: URLs) in, gives import.meta.url from __filename, and
// leaves every relative import() as it is: the entry's chunks and dist/main/ stay ES modules.
//
// BUILD_SOURCE_MAP=1 writes each main file's source map beside it (index.cjs.map, index.js.map), for
// scripts/profile-start.ts; never committed (.gitignore), and not written otherwise.
//
// ncc's persistent cache (~/.cache/ncc) is off: check-dist compares this build with the committed
// one, so it must depend on the sources and node_modules alone, not on what a machine built before.
import ncc from '@vercel/ncc';
import { build } from 'esbuild';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const standIn = (name, body) =>
  `data:text/javascript,${encodeURIComponent(body.replaceAll('THROW', `throw new Error('${name} is not bundled with azureml-invoke (see scripts/build.mjs)')`))}`;
const externals = {
  undici: standIn('undici', 'export class ProxyAgent { dispatch() { THROW } } export function fetch() { THROW }'),
  jsonwebtoken: standIn('jsonwebtoken', 'export default { sign() { THROW } }'),
  open: standIn('open', 'export default function open() { THROW }'),
  '@actions/exec': standIn('@actions/exec', 'export function getExecOutput() { THROW }'),
  'supports-color': 'data:text/javascript,export default undefined',
};
const sourceMap = Boolean(process.env.BUILD_SOURCE_MAP);
const bundles = [
  ['src/index.ts', 'dist', 'index.cjs'],
  ['src/step.ts', 'dist/main', 'index.js'],
];

/**
 * One esbuild pass over ncc's output, minifying as every file of dist/ is minified: a source map
 * given is carried in, so that esbuild's own (written as outfile.map) chains to it; `options` adds
 * what the pass is for (the format, bundling).
 */
async function minified(code, map, outfile, options) {
  const inlineMap = map ? `\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(map).toString('base64')}` : '';
  const { outputFiles } = await build({
    stdin: { contents: code + inlineMap, resolveDir: root, sourcefile: 'index.js' },
    write: false,
    platform: 'node',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    sourcemap: map ? 'external' : false,
    outfile,
    ...options,
  });
  const text = (name) => outputFiles.find((f) => f.path.endsWith(name))?.text;
  return { code: text(outfile), map: text(`${outfile}.map`) };
}

/** ncc's ES module output minified again (see above), its imports left as they are. */
const reminified = (code, map, outfile) => minified(code, map, outfile, { format: 'esm' });

/** ncc's ES module output as one CommonJS file (see above); its source map chains to ncc's. */
async function commonJs(code, map, outfile) {
  // webpack loads a chunk with import("./" + name); esbuild would take that for a pattern and list
  // every file under resolveDir in the bundle. Made of a join, it is left alone.
  const chunkImport = /import\("\.\/"\+(__nccwpck_require__\.u\(\w+\))\)/g;
  if (code.match(chunkImport)?.length !== 1) throw new Error("expected webpack's one chunk import in the entry");
  const out = await minified(code.replace(chunkImport, 'import(["./",$1].join(""))'), map, outfile, {
    bundle: true,
    format: 'cjs',
    external: ['./*'],
    define: { 'import.meta.url': '__entryUrl' },
    banner: { js: 'const __entryUrl=require("node:url").pathToFileURL(__filename).href;' },
  });
  if (/\bimport\.meta\b|from\s*"data:/.test(out.code)) throw new Error('the CommonJS entry still uses import.meta or a data: import');
  return out;
}

/** Every package a bundle holds, modules webpack concatenated included: name, licence and text. Read
 *  from the compilation's own module graph rather than the stats JSON, whose presets decide what to
 *  show and on one CI run gave none of the modules concatenated into one. */
function licenses(stats) {
  const roots = new Set();
  const visit = (m) => {
    const pkg = /^(.*\/node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(m.resource ?? '');
    if (pkg) roots.add(pkg[1]);
    (m.modules ?? []).forEach(visit);
  };
  for (const m of stats.compilation.modules) visit(m);
  return [...roots]
    .map((dir) => {
      const { name, version, license } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const file = readdirSync(dir).find((f) => /^licen[cs]e(\.(md|txt))?$/i.test(f));
      return `${name}@${version}\n${license ?? 'see package'}\n${file ? readFileSync(join(dir, file), 'utf8').trim() : '(no licence file in the package)'}\n`;
    })
    .sort()
    .join('\n');
}

rmSync(join(root, 'dist'), { recursive: true, force: true });
for (const [entry, out, file] of bundles) {
  const built = await ncc(join(root, entry), {
    minify: true,
    mainFields: ['module', 'main'],
    externals,
    quiet: true,
    cache: false,
    sourceMap,
    sourceMapRegister: false,
  });
  const { assets, stats } = built;
  const { code, map } = await (file.endsWith('.cjs') ? commonJs : reminified)(built.code, built.map, file);
  const dir = join(root, out);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), code);
  if (map) writeFileSync(join(dir, `${file}.map`), map);
  for (const [name, asset] of Object.entries(assets)) {
    if (name.endsWith('.map')) continue;
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    const chunk = /^\d+\.index\.js$/.test(name);
    const source = chunk ? (await reminified(asset.source.toString(), undefined, name)).code : asset.source;
    writeFileSync(join(dir, name), source, { mode: asset.permissions });
  }
  writeFileSync(join(dir, 'licenses.txt'), licenses(stats));
  console.log(`${out}/${file}: ${(code.length / 1024).toFixed(0)} KB`);
}
