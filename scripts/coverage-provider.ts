// Coverage of src/ by the whole suite: vitest's own V8 coverage of the test processes, plus that of
// the steps the end-to-end tests start in processes of their own (scripts/runner.ts). Those steps
// run src/ from source with the types blanked out (scripts/from-source-hooks.mjs), so V8's offsets
// are offsets in the files as written, converted here by the same library vitest uses.
//
// What is counted stays vitest's: its statements, branches and functions of each file. A step only
// adds hits to them, matched by where each starts in the file; a hit that matches none is left out,
// and their number printed, so a mismatch can only lower the figure, never raise it.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Profiler } from 'node:inspector';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from '@vitest/coverage-v8';
import astV8ToIstanbul from 'ast-v8-to-istanbul';
import { parseAstAsync, type CoverageProviderModule } from 'vitest/node';
import { strippedSource } from './from-source-hooks.mjs';
import { STEP_COVERAGE_DIR } from './runner.js';

/** The parts of istanbul's file coverage read and written here. */
interface Located {
  start: { line: number; column: number };
}
interface FileCoverageData {
  statementMap: Record<string, Located>;
  fnMap: Record<string, { decl: Located }>;
  branchMap: Record<string, { type: string; loc: Located; locations: unknown[] }>;
  s: Record<string, number>;
  f: Record<string, number>;
  b: Record<string, number[]>;
}
interface CoverageMap {
  files(): string[];
  fileCoverageFor(file: string): { data: FileCoverageData };
}

const at = (r: Located) => `${r.start.line}:${r.start.column}`;

/** Adds the hits in `from` to the items of `to` that start where they do; returns the hits left out. */
function addHits(to: FileCoverageData, from: FileCoverageData): number {
  let unmatched = 0;
  const index = <T>(items: Record<string, T>, key: (item: T) => string) => new Map(Object.entries(items).map(([id, item]) => [key(item), id]));
  const branchKey = (b: FileCoverageData['branchMap'][string]) => `${b.type} ${at(b.loc)} ${b.locations.length}`;

  const statements = index(to.statementMap, at);
  for (const [id, hits] of Object.entries(from.s)) {
    const target = statements.get(at(from.statementMap[id]));
    if (target === undefined) unmatched += hits ? 1 : 0;
    else to.s[target] += hits;
  }
  const functions = index(to.fnMap, (f) => at(f.decl));
  for (const [id, hits] of Object.entries(from.f)) {
    const target = functions.get(at(from.fnMap[id].decl));
    if (target === undefined) unmatched += hits ? 1 : 0;
    else to.f[target] += hits;
  }
  const branches = index(to.branchMap, branchKey);
  for (const [id, hits] of Object.entries(from.b)) {
    const target = branches.get(branchKey(from.branchMap[id]));
    if (target === undefined) unmatched += hits.some(Boolean) ? 1 : 0;
    else hits.forEach((n, i) => (to.b[target][i] += n));
  }
  return unmatched;
}

/**
 * The steps' coverage of one script as a single function of flat ranges: at every offset, the sum
 * over the steps of the count of the innermost range there. The converter reads nothing else (the
 * count at where each statement, branch and function starts), so this equals converting each
 * step's coverage and adding the results, in one conversion.
 */
function summed(scripts: Profiler.ScriptCoverage[]): Profiler.FunctionCoverage[] {
  const length = Math.max(...scripts.flatMap((s) => s.functions.flatMap((f) => f.ranges.map((r) => r.endOffset))));
  const total = new Float64Array(length);
  const one = new Float64Array(length);
  for (const script of scripts) {
    // Outer ranges first, inner ones over them: what is left at an offset is its innermost count.
    const ranges = script.functions.flatMap((f) => f.ranges).sort((a, b) => b.endOffset - b.startOffset - (a.endOffset - a.startOffset));
    one.fill(0);
    for (const r of ranges) one.fill(r.count, r.startOffset, r.endOffset);
    for (let i = 0; i < length; i++) total[i] += one[i];
  }
  const ranges: Profiler.CoverageRange[] = [];
  for (let start = 0, i = 1; i <= length; i++) {
    if (i === length || total[i] !== total[start]) {
      ranges.push({ startOffset: start, endOffset: i, count: total[start] });
      start = i;
    }
  }
  return [{ functionName: '', isBlockCoverage: true, ranges }];
}

/** Reads the steps' coverage files, converts each src/ file once and adds its hits to `map`. */
async function addStepCoverage(map: CoverageMap, dir: string, log: (line: string) => void): Promise<void> {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return; // no step ran from source
  }
  const byUrl = new Map<string, Profiler.ScriptCoverage[]>();
  for (const f of files) {
    for (const script of (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { result: Profiler.ScriptCoverage[] }).result) {
      byUrl.set(script.url, [...(byUrl.get(script.url) ?? []), script]);
    }
  }
  // vitest's map holds every file of coverage.include, each with its statements, branches and functions.
  const counted = new Set(map.files());
  let unmatched = 0;
  for (const [url, scripts] of byUrl) {
    const file = fileURLToPath(url);
    if (!counted.has(file)) continue;
    const code = strippedSource(file);
    const converted = await astV8ToIstanbul({ code, ast: parseAstAsync(code), coverage: { url, functions: summed(scripts) }, wrapperLength: 0 });
    unmatched += addHits(map.fileCoverageFor(file).data, converted[file]);
  }
  rmSync(dir, { recursive: true, force: true });
  log(` % ${files.length} steps run from source counted${unmatched ? `; ${unmatched} of their hits matched nothing vitest counts and were left out` : ''}`);
}

const provider: CoverageProviderModule = {
  ...v8,
  async getProvider() {
    const base = await v8.getProvider();
    const initialize = base.initialize.bind(base);
    const generateCoverage = base.generateCoverage.bind(base);
    let dir = '';
    let log = (line: string) => console.log(line);
    base.initialize = async (ctx) => {
      await initialize(ctx);
      // Before any test process starts: they inherit it, and scripts/runner.ts reads it.
      dir = join(base.resolveOptions().reportsDirectory, '.steps');
      process.env[STEP_COVERAGE_DIR] = dir;
      log = (line) => ctx.logger.log(line);
    };
    base.generateCoverage = async (context) => {
      const map = (await generateCoverage(context)) as CoverageMap;
      await addStepCoverage(map, dir, log);
      return map;
    };
    return base;
  },
};

export default provider;
