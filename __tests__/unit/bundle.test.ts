// dist/index.js leaves undici out (scripts/build.mjs). That is safe only while nothing the entry
// bundle runs reaches it; these checks read the installed libraries, so an upgrade that starts
// using undici elsewhere fails here rather than on a runner.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/runner.js';

const read = (...p: string[]) => readFileSync(join(ROOT, ...p), 'utf8');

/** The methods of a compiled class file, each with its body (4-space indented members). */
function methods(source: string): Map<string, string> {
  const out = new Map<string, string>();
  const starts = [...source.matchAll(/^ {4}(?:async )?(\w+)\(.*\) \{$/gm)];
  starts.forEach((m, i) => out.set(m[1]!, source.slice(m.index, starts[i + 1]?.index ?? source.length)));
  return out;
}

describe('undici, left out of the entry bundle', () => {
  it('@actions/http-client imports it only for the ProxyAgent of getAgentDispatcher()', () => {
    const source = read('node_modules/@actions/http-client/lib/index.js');
    expect(source.match(/^import .* from 'undici';$/gm)).toEqual(["import { ProxyAgent } from 'undici';"]);
    const members = methods(source);
    const usingProxyAgent = [...members].filter(([, body]) => /\bProxyAgent\b/.test(body)).map(([name]) => name);
    expect(usingProxyAgent).toEqual(['_getProxyAgentDispatcher']);
    const callers = [...members].filter(([name, body]) => name !== '_getProxyAgentDispatcher' && body.includes('_getProxyAgentDispatcher(')).map(([name]) => name);
    expect(callers).toEqual(['getAgentDispatcher']);
  });

  it('nothing else the entry bundle holds calls getAgentDispatcher() or imports undici', () => {
    const files = [
      ...['core', 'exec', 'io'].flatMap((pkg) =>
        readdirSync(join(ROOT, 'node_modules/@actions', pkg, 'lib'))
          .filter((f) => f.endsWith('.js'))
          .map((f) => join('node_modules/@actions', pkg, 'lib', f)),
      ),
      ...readdirSync(join(ROOT, 'src'))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join('src', f)),
    ];
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) expect(read(f), f).not.toMatch(/getAgentDispatcher|['"]undici['"]/);
  });

  it('the committed bundle imports a stand-in that says undici is not bundled', async () => {
    const bundle = read('dist/index.js');
    const stand = /from"(data:text\/javascript,[^"]+)"/.exec(bundle)?.[1];
    expect(stand).toBeDefined();
    const { ProxyAgent } = (await import(stand!)) as { ProxyAgent: new () => unknown };
    expect(() => new ProxyAgent()).toThrow(/undici is not bundled with azureml-invoke/);
  });
});

/** The npm packages a source file reaches through static imports, following the project's own modules. */
function packagesImportedFrom(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of read(file).matchAll(/^(?:import|export) (?!type )[^;]*? from '([^']+)';$/gms)) {
      if (spec!.startsWith('./')) walk(join('src', spec!.replace(/\.js$/, '.ts')));
      else if (!spec!.startsWith('node:')) packages.add(/^(?:@[^/]+\/)?[^/]+/.exec(spec!)![0]);
    }
  };
  walk(entry);
  return packages;
}

describe('licenses.txt', () => {
  it.each([
    ['src/index.ts', 'dist/licenses.txt'],
    ['src/main.ts', 'dist/main/licenses.txt'],
  ])('the packages %s imports are each named in %s, with their licence', (entry, file) => {
    const packages = packagesImportedFrom(entry);
    expect(packages.size).toBeGreaterThan(0);
    const named = new Set([...read(file).matchAll(/^((?:@[^/\s]+\/)?[^@\s]+)@\d[^\n]*\n(\S[^\n]*)\n/gm)].map(([, name, licence]) => `${name} ${licence}`));
    for (const pkg of packages) expect([...named].find((n) => n.startsWith(`${pkg} `)), pkg).toMatch(/ (MIT|Apache-2\.0|ISC|BSD)/);
  });
});
