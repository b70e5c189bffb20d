// The data rows of npm run bench, at each round trip (Blob storage is as far as every other
// service: the emulator's relay sits between the client and its CONNECT proxy): the action
// uploading a local input and downloading the job's output, 200 files of 100 KB and one file of
// 200 MB, each paired in the same run with a bare @azure/storage-blob script
// (scripts/bare-blob.mjs) moving the same bytes through the same proxy, and the action's peak
// memory while it moves the 200 MB file. Throughput is the transfer's own (the action's closing
// 'Uploaded … (X MB/s)' / 'Downloaded …' lines; the bare script times the same span).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/src/index.js';
import { ROOT, runStep } from './runner.js';
import { fmt, fmtRatio, latencyLabel, stat, type Bench } from './bench-kit.js';

const MB = 1024 * 1024;
const TIME = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', 'maxrss=%M'] : undefined;

/** Writes `size` random bytes to a file, 1 MB at a time. */
function randomFile(path: string, size: number): void {
  const fd = openSync(path, 'w');
  for (let left = size; left > 0; left -= MB) writeSync(fd, randomBytes(Math.min(MB, left)));
  closeSync(fd);
}

/** Rewrites a file's first bytes, so its content (and its upload prefix) is new for each run. */
function touch(path: string, run: number): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.from(`run ${run} ${Date.now()}\n`), 0);
  closeSync(fd);
}

/** scripts/bare-blob.mjs in a node process of its own: its {bytes, seconds} and peak RSS. */
function bare(b: Bench, config: Record<string, unknown>, env: Record<string, string>): Promise<{ mbPerSecond: number; rssMb?: number }> {
  return new Promise((resolve, reject) => {
    const argv = [...(TIME ?? []), b.node, join(ROOT, 'scripts', 'bare-blob.mjs')];
    const child = spawn(argv[0], argv.slice(1), {
      env: { PATH: process.env.PATH, ...env, BENCH_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bare-blob.mjs failed: ${err}`));
      const { bytes, seconds } = JSON.parse(out) as { bytes: number; seconds: number };
      const rss = /maxrss=(\d+)/.exec(err);
      resolve({ mbPerSecond: bytes / MB / seconds, rssMb: rss ? Number(rss[1]) / 1024 : undefined });
    });
  });
}

/** The MB/s of the action's closing 'Uploaded …' or 'Downloaded …' line. */
function rate(log: string, verb: 'Uploaded' | 'Downloaded'): number {
  const m = new RegExp(`${verb} \\d+ file\\(s\\), [\\d.]+ MB in [\\d.]+ s \\(([\\d.]+) MB/s\\)`).exec(log);
  if (!m) throw new Error(`no '${verb}' line in the action's log`);
  return Number(m[1]);
}

export async function benchData(b: Bench): Promise<void> {
  const emu: Emulator = await startEmulator({ latencyMs: b.latencyMs, batchEndpoints: [{ name: 'score-batch', jobPlan: { steps: [] } }] });
  const at = latencyLabel(b.latencyMs);
  const work = mkdtempSync(join(tmpdir(), 'bench-data-'));
  try {
    const env = emu.env();
    const ds = emu.storage.datastore('workspaceblobstore');
    const blob = { accountUrl: emu.storage.accountUrl(ds.account), account: ds.account, key: emu.storage.accountKey(ds.account), container: ds.container };
    mkdirSync(join(work, 'many'));
    for (let i = 0; i < 200; i++) randomFile(join(work, 'many', `part-${String(i).padStart(3, '0')}.bin`), 100 * 1024);
    mkdirSync(join(work, 'big'));
    randomFile(join(work, 'big', 'data.bin'), 200 * MB);
    const shapes = [
      { name: '200 files × 100 KB', dir: 'many', first: join(work, 'many', 'part-000.bin') },
      { name: '1 file × 200 MB', dir: 'big', first: join(work, 'big', 'data.bin') },
    ];
    const runs = Math.max(3, Math.ceil(b.runs / 2));
    for (const shape of shapes) {
      // The output location holds the same files, so the download moves the same bytes.
      const out = `bench/${shape.dir}/`;
      await bare(b, { ...blob, mode: 'upload', dir: join(work, shape.dir), prefix: out }, env);
      const up = { action: [] as number[], bare: [] as number[], ratio: [] as number[] };
      const down = { action: [] as number[], bare: [] as number[], ratio: [] as number[] };
      const rss = { action: [] as number[], bare: [] as number[] };
      for (let run = 0; run < runs; run++) {
        touch(shape.first, run);
        const dest = join(work, `out-${shape.dir}-${run}`);
        const r = await runStep({
          inputs: {
            ...emu.actionInputs(),
            'endpoint-type': 'batch',
            endpoint: 'score-batch',
            input: shape.dir,
            'output-path': `azureml://datastores/workspaceblobstore/paths/${out}`,
            'download-path': dest,
            'check-permissions': 'false',
          },
          env,
          cwd: work,
          prefix: TIME,
          node: b.node,
          bundle: b.bundle,
          timeoutMs: 600_000,
        });
        if (r.code !== 0) throw new Error(`the action failed: ${r.stdout.slice(-2000)}`);
        rmSync(dest, { recursive: true, force: true });
        const bareUp = await bare(b, { ...blob, mode: 'upload', dir: join(work, shape.dir), prefix: `bare/${shape.dir}/${run}/` }, env);
        const bareDown = await bare(b, { ...blob, mode: 'download', dir: dest, prefix: out }, env);
        rmSync(dest, { recursive: true, force: true });
        up.action.push(rate(r.stdout, 'Uploaded'));
        up.bare.push(bareUp.mbPerSecond);
        up.ratio.push(up.action.at(-1)! / bareUp.mbPerSecond);
        down.action.push(rate(r.stdout, 'Downloaded'));
        down.bare.push(bareDown.mbPerSecond);
        down.ratio.push(down.action.at(-1)! / bareDown.mbPerSecond);
        const m = /maxrss=(\d+)/.exec(r.stderr);
        if (m) rss.action.push(Number(m[1]) / 1024);
        if (bareUp.rssMb && bareDown.rssMb) rss.bare.push(Math.max(bareUp.rssMb, bareDown.rssMb));
      }
      for (const [verb, f] of [
        ['Upload', up],
        ['Download', down],
      ] as const) {
        const ratio = stat(f.ratio);
        b.table.add({ latency: at, figure: `${verb}, ${shape.name}: action`, value: fmt(stat(f.action), 'MB/s', 1) });
        b.table.add({
          latency: at,
          figure: `${verb}, ${shape.name}: bare @azure/storage-blob`,
          value: fmt(stat(f.bare), 'MB/s', 1),
          ratio: fmtRatio(ratio),
          target: '≥ 0.8×',
          met: ratio.median >= 0.8,
        });
      }
      if (shape.dir === 'big' && rss.action.length) {
        const peak = stat(rss.action);
        b.table.add({
          latency: at,
          figure: 'Peak RSS, moving a 200 MB file up and down: action (whole step)',
          value: fmt(peak, 'MB', 1),
          target: '≤ 150 MB',
          met: peak.max <= 150,
        });
        if (rss.bare.length)
          b.table.add({ latency: at, figure: 'Peak RSS, moving a 200 MB file: bare script (each way)', value: fmt(stat(rss.bare), 'MB', 1) });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
    await emu.close();
  }
}
