// The licence: MIT, stated in LICENSE and package.json, and every package bundled into dist/ under a
// licence that lets an MIT-licensed action ship it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/runner.js';

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const words = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The `name@version` line and the licence line that open each entry of a bundle's licenses.txt (scripts/build.mjs). */
function bundledLicences(text: string): { pkg: string; licence: string }[] {
  return [...text.matchAll(/^((?:@[\w.-]+\/)?[\w.-]+@\d+\.\d+\.\d+\S*)\n(.+)$/gm)].map((m) => ({ pkg: m[1], licence: m[2].trim() }));
}

const PERMISSIVE = ['MIT', 'ISC', 'Apache-2.0', 'BSD-2-Clause', 'BSD-3-Clause', '0BSD'];

describe('licence', () => {
  it('is MIT in package.json and LICENSE, held by the azureml-invoke contributors', () => {
    expect((JSON.parse(read('package.json')) as { license?: string }).license).toBe('MIT');
    const [title, , copyright, , ...body] = read('LICENSE').split('\n');
    expect(title).toBe('MIT License');
    expect(copyright).toMatch(/^Copyright \(c\) 20\d\d azureml-invoke contributors$/);
    // The same terms, word for word, as the toolkit's own MIT licence.
    const toolkit = read('node_modules/@actions/core/LICENSE.md');
    expect(words(body.join('\n'))).toBe(words(toolkit.slice(toolkit.indexOf('Permission is hereby granted'))));
  });

  it.each(['dist/licenses.txt', 'dist/main/licenses.txt'])('%s: every bundled package has a permissive licence', (path) => {
    const entries = bundledLicences(read(path));
    expect(entries.length).toBeGreaterThan(path === 'dist/licenses.txt' ? 3 : 30);
    for (const { pkg, licence } of entries) expect(PERMISSIVE, pkg).toContain(licence);
  });

  it('reads the entries of a licenses.txt, and a copyleft one fails the check', () => {
    const text = 'a@1.0.0\nMIT\nThe text\n\n@s/b@2.1.0-rc.1\nGPL-3.0\nMore text\nwith@lines in it\n';
    expect(bundledLicences(text)).toEqual([
      { pkg: 'a@1.0.0', licence: 'MIT' },
      { pkg: '@s/b@2.1.0-rc.1', licence: 'GPL-3.0' },
    ]);
    expect(PERMISSIVE).not.toContain(bundledLicences(text)[1].licence);
  });
});
