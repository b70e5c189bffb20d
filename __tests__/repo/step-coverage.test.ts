// The coverage of the steps the end-to-end tests run from source (scripts/runner.ts keeps it,
// scripts/coverage-provider.ts adds it to vitest's): one file per step, so the provider's
// "N steps run from source counted" counts steps, whatever number of V8 files a step writes (two on
// Node 20: its own thread and that of the module hooks).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { firstLine, ROOT, runStep, STEP_COVERAGE_DIR } from '../../scripts/runner.js';

describe("steps' coverage", () => {
  const outer = process.env[STEP_COVERAGE_DIR];
  afterEach(() => {
    if (outer === undefined) delete process.env[STEP_COVERAGE_DIR];
    else process.env[STEP_COVERAGE_DIR] = outer;
  });

  it('is kept in one file per step, holding only src/', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'step-coverage-'));
    process.env[STEP_COVERAGE_DIR] = dir;
    // Exits at once: no input names the identity.
    const r = await runStep({ fromSource: true, inputs: {} });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toMatch(/^Input 'client-id' is required/);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const src = pathToFileURL(join(ROOT, 'src')).href + '/';
    const urls = (JSON.parse(readFileSync(join(dir, files[0]), 'utf8')) as { result: { url: string }[] }).result.map((s) => s.url);
    expect(urls).toContain(`${src}index.ts`);
    expect(urls.filter((u) => !u.startsWith(src))).toEqual([]);
  });
});
