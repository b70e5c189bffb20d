// The bundles leave undici, @actions/exec, jsonwebtoken and open out (scripts/build.mjs). That is safe only while
// nothing the action runs reaches them; these checks read the installed libraries, so an upgrade
// that starts using one elsewhere fails here rather than on a runner. And Octokit lives only in the
// chunk comment-on-pr loads: the bundles a plain run loads hold none of it.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/runner.js';

const read = (...p: string[]) => readFileSync(join(ROOT, ...p), 'utf8');

/** The files in ROOT/dir (and, if recursive, below it) whose names match, as paths from ROOT. */
const filesIn = (dir: string, name: RegExp, recursive = false) =>
  readdirSync(join(ROOT, dir), { recursive, encoding: 'utf8' })
    .filter((f) => name.test(f))
    .map((f) => join(dir, f));

const srcFiles = filesIn('src', /\.ts$/, true);

/** The keys of the entries (file → text, member → body) that pass the test, in order. */
const namesWhere = (entries: Map<string, string>, test: (text: string, name: string) => boolean) =>
  [...entries].filter(([name, text]) => test(text, name)).map(([name]) => name);

/** The methods (or inner functions) of a compiled file, each with its body: 4-space indented members. */
function methods(source: string): Map<string, string> {
  const out = new Map<string, string>();
  const starts = [...source.matchAll(/^ {4}(?:static )?(?:async )?(?:function )?(\w+)\(.*\) \{$/gm)];
  starts.forEach((m, i) => out.set(m[1], source.slice(m.index, starts[i + 1]?.index ?? source.length)));
  return out;
}

describe('undici, left out of the bundles', () => {
  it('@actions/http-client imports it only for the ProxyAgent of getAgentDispatcher()', () => {
    const source = read('node_modules/@actions/http-client/lib/index.js');
    expect(source.match(/^import .* from 'undici';$/gm)).toEqual(["import { ProxyAgent } from 'undici';"]);
    const members = methods(source);
    const usingProxyAgent = namesWhere(members, (body) => /\bProxyAgent\b/.test(body));
    expect(usingProxyAgent).toEqual(['_getProxyAgentDispatcher']);
    const callers = namesWhere(members, (body, name) => name !== '_getProxyAgentDispatcher' && body.includes('_getProxyAgentDispatcher('));
    expect(callers).toEqual(['getAgentDispatcher']);
  });

  it('besides, only @actions/github calls getAgentDispatcher() or imports undici: for the default fetch of its Octokit', () => {
    const files = [...['core', 'exec', 'io', 'github'].flatMap((pkg) => filesIn(join('node_modules/@actions', pkg, 'lib'), /\.js$/, true)), ...srcFiles];
    expect(files.length).toBeGreaterThan(25);
    expect(files.filter((f) => /getAgentDispatcher|['"]undici['"]/.test(read(f)))).toEqual(['node_modules/@actions/github/lib/internal/utils.js']);
    const utils = read('node_modules/@actions/github/lib/internal/utils.js');
    expect(utils.match(/^import .* from 'undici';$/gm)).toEqual(["import { fetch } from 'undici';"]);
    expect(namesWhere(methods(utils.replace(/^export /gm, '    ')), (body) => /\bfetch\(|getAgentDispatcher/.test(body))).toEqual([
      'getProxyAgentDispatcher',
      'getProxyFetch',
    ]);
    // The one user of that fetch: the `request` of getOctokit's defaults, built as the module loads.
    const github = filesIn('node_modules/@actions/github/lib', /\.js$/, true).filter((f) => read(f).includes('getProxyFetch('));
    expect(github.sort()).toEqual(['node_modules/@actions/github/lib/internal/utils.js', 'node_modules/@actions/github/lib/utils.js']);
    expect(read('node_modules/@actions/github/lib/utils.js')).toMatch(
      /request: \{\s*agent: Utils\.getProxyAgent\(baseUrl\),\s*fetch: Utils\.getProxyFetch\(baseUrl\)\s*\}/,
    );
  });

  it("the action gives getOctokit a fetch of its own, which replaces @actions/github's `request` default whole", () => {
    // Octokit.defaults() merges the caller's options over the defaults one level deep.
    expect(read('node_modules/@octokit/core/dist-src/index.js')).toMatch(/super\(\s*Object\.assign\(\s*\{\},\s*defaults,\s*options,/);
    const calls = srcFiles.flatMap((f) => [...read(f).matchAll(/getOctokit\((.*)\);$/gm)].map(([, args]) => args));
    expect(calls).toEqual(['p.token, { baseUrl: p.apiUrl, request: { fetch: pipelineFetch(p.http) } }']);
  });
});

describe('@actions/exec, left out of the entry bundle', () => {
  it('@actions/core imports it only in platform.js, whose getDetails() alone runs a command', () => {
    const files = new Map(filesIn('node_modules/@actions/core/lib', /\.js$/).map((f) => [f, read(f)]));
    expect(namesWhere(files, (text) => /from '@actions\/exec'/.test(text))).toEqual(['node_modules/@actions/core/lib/platform.js']);
    const platform = files.get('node_modules/@actions/core/lib/platform.js')!;
    const declarations = new Map(
      [...platform.matchAll(/^(?:export )?(?:const|function) (\w+)/gm)].map((m, k, all) => [
        m[1],
        platform.slice(m.index, all[k + 1]?.index ?? platform.length),
      ]),
    );
    const running = ['getWindowsInfo', 'getMacOsInfo', 'getLinuxInfo'];
    expect(namesWhere(declarations, (body) => /\bexec\./.test(body))).toEqual(running);
    const callers = namesWhere(declarations, (body, name) => !running.includes(name) && /\bget(?:Windows|MacOs|Linux)Info\(/.test(body));
    expect(callers).toEqual(['getDetails']);
  });

  it('the action never touches core.platform', () => {
    for (const f of srcFiles) expect(read(f), f).not.toMatch(/\bplatform\b[^\n]*@actions\/core|core\.platform|@actions\/exec/);
  });
});

/** Every compiled file of the sign-in libraries' ES-module builds (those the bundle holds): path from node_modules → text. */
function signInLibraryFiles(): Map<string, string> {
  const dirs = ['@azure/identity/dist/esm', '@azure/msal-node/dist', '@azure/msal-common/dist'].map((d) => join('node_modules', d));
  const files = new Map(dirs.flatMap((d) => filesIn(d, /\.m?js$/, true)).map((f) => [relative('node_modules', f), read(f)]));
  expect(files.size).toBeGreaterThan(150);
  return files;
}

/** The files among them that import (statically or not) the package named. */
const importersOf = (files: Map<string, string>, pkg: string) => namesWhere(files, (text) => new RegExp(`(?:from |import\\()["']${pkg}["']`).test(text));

describe('jsonwebtoken and open, left out of the main bundle', () => {
  const files = signInLibraryFiles();
  const msalClient = methods(files.get('@azure/identity/dist/esm/msal/nodeFlows/msalClient.js')!);

  it('MSAL signs with jsonwebtoken only a client assertion it builds from a certificate', () => {
    expect(importersOf(files, 'jsonwebtoken')).toEqual(['@azure/msal-node/dist/client/ClientAssertion.mjs']);
    const members = methods(files.get('@azure/msal-node/dist/client/ClientAssertion.mjs')!);
    expect(namesWhere(members, (body) => /\bjwt\./.test(body))).toEqual(['createJwt']);
    expect(members.get('getJwt')).toMatch(/if \(this\.privateKey && this\.thumbprint\) \{[\s\S]*?return this\.createJwt\(/);
    expect(namesWhere(members, (body) => body.includes('createJwt('))).toEqual(['getJwt', 'createJwt']);
    expect(namesWhere(members, (body) => /\.privateKey = /.test(body))).toEqual(['fromCertificate', 'fromCertificateWithSha256Thumbprint']);
    const certificateUsers = namesWhere(files, (text) => /ClientAssertion\.fromCertificate/.test(text));
    expect(certificateUsers).toEqual(['@azure/msal-node/dist/client/ConfidentialClientApplication.mjs']);
    expect(namesWhere(msalClient, (body) => /auth\.clientCertificate = /.test(body))).toEqual(['getTokenByClientCertificate', 'getTokenOnBehalfOf']);
  });

  it('@azure/identity imports open only to open a browser for interactive sign-in', () => {
    expect(importersOf(files, 'open')).toEqual(['@azure/identity/dist/esm/msal/nodeFlows/msalClient.js']);
    const opening = namesWhere(msalClient, (body) => /import\("open"\)/.test(body));
    expect(opening).toEqual(['createBaseInteractiveRequest']);
    const callers = namesWhere(msalClient, (body, name) => name !== opening[0] && body.includes(`${opening[0]}(`));
    expect(callers).toEqual(['getBrokeredTokenInternal', 'getTokenByInteractiveRequest']);
  });

  it('the action signs in only with credentials that need neither a certificate nor a browser', () => {
    const imported = srcFiles
      .flatMap((f) => [...read(f).matchAll(/^import \{([^}]*)\} from '@azure\/identity';$/gm)].flatMap(([, names]) => names.split(',')))
      .map((n) => n.trim())
      .filter((n) => n && !n.startsWith('type '));
    expect(imported.sort()).toEqual(['AzureCliCredential', 'ClientAssertionCredential', 'ClientSecretCredential', 'ManagedIdentityCredential']);
  });
});

/** What the action would call on each left-out package; a stand-in has only the members it replaces. */
interface StandIn {
  ProxyAgent: new () => { dispatch(): unknown };
  fetch(url: string): unknown;
  default: ((url: string) => unknown) & { sign(payload: object, key: string): unknown };
}

describe('the stand-ins in the committed bundles', () => {
  it.each([
    // A ProxyAgent is made (@actions/github makes one as it loads when a proxy applies), never used.
    ['dist/main/index.js', 'undici', (m: StandIn) => new m.ProxyAgent().dispatch()],
    ['dist/main/index.js', 'undici', (m: StandIn) => m.fetch('https://example.invalid')],
    ['dist/main/index.js', 'jsonwebtoken', (m: StandIn) => m.default.sign({}, 'key')],
    ['dist/main/index.js', 'open', (m: StandIn) => m.default('https://example.invalid')],
  ])('%s: %s throws, saying it is not bundled', async (bundle, name, use) => {
    const standIns = [...read(bundle).matchAll(/from"(data:text\/javascript,[^"]+)"/g)].map(([, url]) => url);
    const url = standIns.find((u) => decodeURIComponent(u).includes(`'${name} is not bundled`));
    expect(url, `${name} stand-in in ${bundle}`).toBeDefined();
    const standIn = (await import(url!)) as StandIn;
    expect(() => use(standIn)).toThrow(`${name} is not bundled with azureml-invoke`);
  });

  it("the CommonJS entry, dist/index.cjs, has the stand-ins bundled in: undici's, and neither package itself", () => {
    const entry = read('dist/index.cjs');
    expect(entry).not.toMatch(/data:text\/javascript/);
    expect(entry).toContain('undici is not bundled with azureml-invoke (see scripts/build.mjs)');
    // Text each package's own code holds: gone from the entry, so neither was bundled in its place.
    const marks = [
      ['node_modules/undici/lib/core/errors.js', 'UND_ERR_'],
      ['node_modules/@actions/exec/lib/toolrunner.js', 'failed with exit code'],
    ];
    for (const [file, mark] of marks) {
      expect(read(file)).toContain(mark);
      expect(entry).not.toContain(mark);
    }
  });
});

/** The npm packages a source file reaches through static imports, following the project's own modules. */
const packagesImportedFrom = (entry: string) => staticImports(entry).packages;

/** The project's files (paths from ROOT) and the npm packages a source file reaches through static imports. */
function staticImports(entry: string): { files: Set<string>; packages: Set<string> } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of read(file).matchAll(/^(?:import|export) (?!type )[^;]*? from '([^']+)';$/gms)) {
      const installed = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(spec);
      if (installed) packages.add(installed[1]);
      else if (spec.startsWith('.')) walk(join(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!spec.startsWith('node:')) packages.add(/^(?:@[^/]+\/)?[^/]+/.exec(spec)![0]);
    }
  };
  walk(entry);
  return { files: seen, packages };
}

describe('the entry, dist/index.cjs: only what the first request needs', () => {
  it('reaches @actions/core, the inputs and the OIDC request; not the report, the event payload, nor the Azure half', () => {
    const { files, packages } = staticImports('src/index.ts');
    expect([...packages]).toEqual(['@actions/core']);
    for (const later of ['src/reporting/report.ts', 'src/github/context.ts', 'src/step.ts', 'src/main.ts']) expect(files).not.toContain(later);
    expect(files).toContain('src/signin/oidc.ts');
  });
});

describe('licenses.txt', () => {
  it.each([
    ['src/index.ts', 'dist/licenses.txt'],
    ['src/step.ts', 'dist/main/licenses.txt'],
  ])('the packages %s imports are each named in %s, with their licence', (entry, file) => {
    const packages = packagesImportedFrom(entry);
    expect(packages.size).toBeGreaterThan(0);
    const named = new Set([...read(file).matchAll(/^((?:@[^/\s]+\/)?[^@\s]+)@\d[^\n]*\n(\S[^\n]*)\n/gm)].map(([, name, licence]) => `${name} ${licence}`));
    for (const pkg of packages)
      expect(
        [...named].find((n) => n.startsWith(`${pkg} `)),
        pkg,
      ).toMatch(/ (MIT|Apache-2\.0|ISC|BSD)/);
  });
});

describe('what the bundles hold', () => {
  // A dev tool's dependency, once installed, can be reached from a production one (supports-color,
  // which debug tries, came with the coverage tools): the bundle must not depend on what dev tools install.
  const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version?: string; dev?: boolean }> };
  it.each(['dist/licenses.txt', 'dist/main/licenses.txt'])('%s: production dependencies only', (file) => {
    const bundled = [...read(file).matchAll(/^((?:@[^/\s]+\/)?[^@\s]+)@(\d[^\s]*)$/gm)].map(([, name, version]) => ({ name, version }));
    expect(bundled.length).toBeGreaterThan(3);
    for (const { name, version } of bundled) {
      const installed = Object.entries(lock.packages).filter(([path, p]) => path.endsWith(`node_modules/${name}`) && p.version === version);
      expect(installed.length, `${name}@${version} in package-lock.json`).toBeGreaterThan(0);
      expect(
        installed.some(([, p]) => !p.dev),
        `${name}@${version} is a production dependency`,
      ).toBe(true);
    }
  });
});

describe('@azure/storage-blob, a chunk of its own', () => {
  it('is not in the Azure half of the bundle, only in a chunk it imports when data moves', () => {
    expect(read('dist/main/index.js')).not.toContain('x-ms-blob-type');
    const chunks = filesIn('dist/main', /^\d+\.index\.js$/).filter((f) => read(f).includes('x-ms-blob-type'));
    expect(chunks).toHaveLength(1);
    expect(read('src/storage/blob.ts')).toMatch(/await import\('@azure\/storage-blob'\)/);
    const staticImporters = srcFiles.filter((f) => /^import (?!type )[^;]*from '@azure\/storage-blob';$/m.test(read(f)));
    expect(staticImporters).toEqual([]);
  });
});

describe('the resource manager clients, a chunk of their own', () => {
  it('are not in the Azure half itself, only in the chunk main.ts imports once the first sign-in request is on its way', () => {
    const agent = 'azsdk-js-arm-machinelearning';
    expect(read('dist/main/index.js')).not.toContain(agent);
    expect(filesIn('dist/main', /^\d+\.index\.js$/).filter((f) => read(f).includes(agent))).toHaveLength(1);
    // The clients are built in arm-clients.ts alone, which nothing imports statically.
    const clients = srcFiles.filter((f) =>
      /^import \{[^}]*\b(AzureMachineLearningWorkspaces|AuthorizationManagementClient)\b[^}]*\} from '@azure\/arm-/m.test(read(f)),
    );
    expect(clients).toEqual(['src/azure/arm-clients.ts']);
    expect(srcFiles.filter((f) => /^import [^;]*from '[./]*\/arm-clients\.js';$/m.test(read(f)))).toEqual([]);
    for (const f of ['src/main.ts', 'src/post.ts']) expect(read(f)).toMatch(/await import\('\.\/azure\/arm-clients\.js'\)/);
  });
});

/** Files of a bundle directory that hold Octokit (its packages name themselves in its user agent). */
const withOctokit = (dir: string) => filesIn(dir, /\.c?js$/).filter((f) => /octokit-(core|request)\.js/.test(read(f)));

describe('Octokit, only in the chunk comment-on-pr loads', () => {
  it('is in a lazy chunk of the Azure half, and in neither file a plain run loads', () => {
    expect(withOctokit('dist')).toEqual([]);
    const chunks = withOctokit('dist/main');
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatch(/^dist\/main\/\d+\.index\.js$/);
  });

  it('no static import from the entry files reaches it: @actions/github only through its Context module', () => {
    for (const entry of ['src/index.ts', 'src/step.ts']) {
      const packages = [...packagesImportedFrom(entry)];
      expect(
        packages.filter((p) => p.startsWith('@octokit/')),
        entry,
      ).toEqual([]);
      expect(srcFiles.filter((f) => /from '@actions\/github'/.test(read(f)))).toEqual(['src/github/octokit.ts']);
    }
    expect(read('src/github/comment.ts')).toMatch(/await import\('\.\/octokit\.js'\)/);
    // The Context module needs nothing but Node.
    expect([...read('node_modules/@actions/github/lib/context.js').matchAll(/^import .* from '([^']+)';$/gm)].map(([, m]) => m)).toEqual(['fs', 'os']);
  });
});
