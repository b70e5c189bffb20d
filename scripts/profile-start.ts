// npx tsx scripts/profile-start.ts: where the action's cold start goes, up to its first request (the
// GitHub OIDC token request), measured as the bench's cold-start row measures it (a plain local
// node:http server, scripts/bench-kit.ts's firstRequestProbe and coldStartEnv). Runs the bundle
// with --cpu-prof and charges each sample taken before the request arrived to the source it runs:
// the bundle's frames through its source map (build it with `BUILD_SOURCE_MAP=1 npm run build`),
// Node's own by what they do. "Node startup" is spawn → the profiler's start. Flags: --runs N
// (default 5; the medians are printed), --node PATH, --bundle PATH (default dist/index.cjs).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { coldStartEnv, epochNow, firstRequestProbe, stat } from './bench-kit.js';
import { BUNDLE } from './runner.js';

const flag = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const RUNS = Number(flag('runs', '5'));
const NODE = flag('node', process.execPath);
const ENTRY = flag('bundle', BUNDLE);

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface Profile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** What a source file of the bundle is part of, in the breakdown's terms. */
function groupOfSource(source: string): string {
  // webpack's module for a builtin (require("https")), as the CommonJS entry's map names it.
  if (/^(\.\.\/)?external node-commonjs /.test(source)) return 'Node: builtins (loading, and their own work)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source)?.[1];
  if (pkg === '@actions/http-client' || pkg === 'tunnel') return '@actions/http-client (+ tunnel)';
  if (pkg === '@actions/github' || source.includes('src/github/context')) return 'event payload (@actions/github context)';
  if (pkg) return pkg;
  if (/^(\.\.\/)?webpack\//.test(source)) return 'webpack loader';
  if (/src\/(.*\/)?inputs\.ts$|src\/input-parsing\.ts$|src\/online\/(gate-inputs|json-path|matching|thresholds)\.ts$/.test(source)) return 'input parsing';
  if (source.includes('src/azure/warm')) return 'warm-up (connections opened ahead)';
  const src = /src\/.*$/.exec(source)?.[0];
  return src ?? source;
}

/** What Node's own code (or V8) is doing when no frame of the bundle is on the stack. */
function groupOfNode(frame: CallFrame): string {
  if (frame.functionName === '(garbage collector)') return 'V8: garbage collection';
  if (frame.functionName === '(program)') return 'V8: compiling, and native code';
  if (frame.functionName === '(idle)') return 'idle (waiting on I/O)';
  if (frame.url.startsWith('node:internal/modules/esm')) return 'Node: ES module loader';
  if (frame.url.startsWith('node:internal/modules')) return 'Node: CommonJS loader';
  return 'Node: builtins (loading, and their own work)';
}

/** ms per group, of the samples taken up to `untilUs` (the profile's clock). */
function breakdown(profile: Profile, untilUs: number, bundleUrl: string, map: SourceMap): Map<string, number> {
  const parent = new Map<number, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const groupOf = (id: number): string => {
    // The innermost frame of the bundle on the stack; Node's work under it is charged to it unless
    // it is loading a builtin or a module.
    const top = byId.get(id)!.callFrame;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      if (f.url !== bundleUrl) continue;
      if (top.url.startsWith('node:internal/bootstrap') || top.url.startsWith('node:internal/modules')) return groupOfNode(top);
      const { originalSource } = map.findEntry(f.lineNumber, f.columnNumber) as { originalSource?: string };
      // The module's own body starts the file, where no source maps: webpack's runtime and the
      // top-level code of the modules it concatenated there.
      if (!originalSource)
        return f.lineNumber === 0 && f.columnNumber === 0 ? 'the bundle: its top level (webpack, concatenated modules)' : 'the bundle (unmapped)';
      return groupOfSource(originalSource);
    }
    return groupOfNode(top);
  };
  const out = new Map<string, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    if (t > untilUs) break;
    const weight = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const g = groupOf(profile.samples[i]);
    out.set(g, (out.get(g) ?? 0) + weight);
  }
  return out;
}

async function main(): Promise<void> {
  const map = new SourceMap(JSON.parse(readFileSync(`${ENTRY}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
  const probe = await firstRequestProbe(30_000);
  const runs: Map<string, number>[] = [];
  // The profile's clock is the monotonic one (µs); the probe's, epoch ms.
  const monotonicUs = (epochMs: number) => Number(process.hrtime.bigint() / 1000n) - (epochNow() - epochMs) * 1000;
  try {
    for (let i = 0; i < RUNS; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'profile-start-'));
      const r = await probe.time([NODE, '--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', dir, ENTRY], coldStartEnv(probe.url, dir), true);
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error('the run wrote no profile');
      const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
      const groups = breakdown(profile, monotonicUs(r.requestAt), pathToFileURL(ENTRY).href, map);
      groups.set('Node startup (spawn → the profiler started)', profile.startTime / 1000 - monotonicUs(r.spawnedAt) / 1000);
      groups.set('total: spawn → the OIDC request at the server', r.ms);
      runs.push(groups);
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await probe.close();
  }
  const names = [...new Set(runs.flatMap((g) => [...g.keys()]))];
  const rows = names.map((name) => ({ name, s: stat(runs.map((g) => g.get(name) ?? 0)) })).sort((a, b) => b.s.median - a.s.median);
  console.log(`Cold start of ${ENTRY} on ${NODE}, ${RUNS} runs: median (min–max) ms per part\n`);
  for (const { name, s } of rows) console.log(`${s.median.toFixed(1).padStart(7)}  (${s.min.toFixed(1)}–${s.max.toFixed(1)})  ${name}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
