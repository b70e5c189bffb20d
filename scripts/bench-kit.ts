// What every bench section shares: medians with min and max, pairs measured in turn, the bare
// yardsticks, the request and connection counts, and the table the bench prints. A section is a
// function of a Bench (its round trip, its run count, the table); it starts the emulator world it
// needs with `latencyMs: b.latencyMs`, so every service pays the same round trip.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ConnectionLogEntry, Emulator, RequestLogEntry } from '../emulator/src/index.js';
import { pushEvent } from '../__tests__/github-events.js';
import { ROOT, stepEnv } from './runner.js';

export interface Stat {
  median: number;
  min: number;
  max: number;
}

export function stat(values: number[]): Stat {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { median: mid, min: s[0], max: s.at(-1)! };
}

export const fmt = (s: Stat, unit = 'ms', digits = 0) => `${s.median.toFixed(digits)} ${unit} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
export const fmtRatio = (s: Stat) => fmt(s, '×', 2);

export interface Row {
  /** Round trip the row was measured at ('' for figures that do not depend on it). */
  latency: string;
  figure: string;
  value: string;
  /** Pairwise ratio to the row's yardstick, when it has one. */
  ratio?: string;
  target?: string;
  /** Whether the target is met (undefined: no target, or not judged by the bench). */
  met?: boolean;
}

export class Table {
  readonly rows: Row[] = [];
  readonly notes: string[] = [];

  add(row: Row): void {
    this.rows.push(row);
    const verdict = row.met === undefined ? '' : row.met ? ' (met)' : ' (NOT met)';
    console.error(
      `  ${row.latency ? `[${row.latency}] ` : ''}${row.figure}: ${row.value}${row.ratio ? `; ratio ${row.ratio}` : ''}${row.target ? `   [${row.target}${verdict}]` : ''}`,
    );
  }

  note(text: string): void {
    this.notes.push(text);
    console.error(text);
  }

  markdown(): string {
    const lines = ['| round trip | figure | median (min–max) | ratio to the yardstick, pairwise | target |', '| --- | --- | --- | --- | --- |'];
    for (const r of this.rows) {
      const target = r.target ? `${r.target}${r.met === undefined ? '' : r.met ? ': met' : ': **not met**'}` : '';
      lines.push(`| ${r.latency} | ${r.figure} | ${r.value} | ${r.ratio ?? ''} | ${target} |`);
    }
    return [...lines, '', ...this.notes].join('\n');
  }
}

export interface Bench {
  /** Round trip every emulator service adds (ms); 0 for the figures that do not depend on it. */
  latencyMs: number;
  runs: number;
  table: Table;
  /** The node binary that runs the action and the yardsticks alike. */
  node: string;
  /** The action's entry to run (default dist/index.js). */
  bundle?: string;
}

export const latencyLabel = (ms: number) => `${ms} ms`;

/**
 * Runs each of `fns` `runs` times, in turn, the first to go rotating from run to run (so none is
 * always first on a machine that warms or cools), and returns each one's series in run order: the
 * i-th values of two series come from the same turn, which is what a pairwise ratio divides.
 */
export async function inTurn<T>(runs: number, fns: Array<() => Promise<T>>): Promise<T[][]> {
  const out: T[][] = fns.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < fns.length; k++) {
      const j = (i + k) % fns.length;
      out[j].push(await fns[j]());
    }
  }
  return out;
}

/** Pairwise ratios a[i] / b[i]. */
export const ratios = (a: number[], b: number[]) => a.map((x, i) => x / b[i]);

/** Epoch ms, sub-millisecond (comparable across processes of this machine). */
export const epochNow = () => performance.timeOrigin + performance.now();

export interface BareRun {
  /** Epoch ms when the process was spawned. */
  spawnedAt: number;
  /** Spawn to the last reply the script read. */
  toLastReplyMs: number;
  wallMs: number;
  out: string;
}

/** Runs scripts/<script>, a bare yardstick, in a node process of its own with its config in BENCH_CONFIG. */
export function runBare(b: Bench, script: string, args: string[], config: Record<string, unknown>, env: Record<string, string>): Promise<BareRun> {
  return new Promise((resolve, reject) => {
    const spawnedAt = epochNow();
    let out = '';
    const child = spawn(b.node, [join(ROOT, 'scripts', script), ...args], {
      env: { PATH: process.env.PATH, ...env, BENCH_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => {
      const wallMs = epochNow() - spawnedAt;
      if (code !== 0) return reject(new Error(`${script} ${args.join(' ')} failed (exit ${code})`));
      const last = /"lastResponseAt":([\d.]+)/.exec(out);
      resolve({ spawnedAt, wallMs, toLastReplyMs: last ? Number(last[1]) - spawnedAt : wallMs, out });
    });
  });
}

/** A request as the bench counts it: service, method and path with ids folded. */
export function requestLabel(e: RequestLogEntry): string {
  const path = e.url
    .split('?')[0]
    .replace(/^\/subscriptions\/[^/]+\/resource[gG]roups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+/, '{ws}')
    .replace(/^\/_apis\/distributedtask\/.*\/idtoken$/, '…/idtoken')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '{id}')
    .replace(/batchjob-\{id\}/, '{job}');
  return `${e.service} ${e.method} ${path}`;
}

function counts(labels: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of labels) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

/** What one run sent: its requests (logged at the emulator) and the connections it opened. */
export interface Traffic {
  requests: RequestLogEntry[];
  connections: ConnectionLogEntry[];
}

/** Marks the logs; the returned function gives what arrived since. */
export function traffic(emu: Emulator): () => Traffic {
  const from = { requests: emu.log.length, connections: emu.connections.length };
  return () => ({ requests: emu.log.slice(from.requests), connections: emu.connections.slice(from.connections) });
}

/** The action's requests against the yardstick's: the same ones, or what is extra and missing. */
export function compareRequests(action: Traffic, yardstick: Traffic): string {
  const a = counts(action.requests.map(requestLabel));
  const y = counts(yardstick.requests.map(requestLabel));
  const diff = (from: Map<string, number>, minus: Map<string, number>) =>
    [...from].filter(([k, n]) => n > (minus.get(k) ?? 0)).map(([k, n]) => `${n - (minus.get(k) ?? 0)} × ${k}`);
  const extra = diff(a, y);
  const missing = diff(y, a);
  if (extra.length === 0 && missing.length === 0) return `${action.requests.length} requests, exactly the yardstick's`;
  return `${action.requests.length} requests against the yardstick's ${yardstick.requests.length}${extra.length ? `; extra: ${extra.join(', ')}` : ''}${missing.length ? `; missing: ${missing.join(', ')}` : ''}`;
}

/** Connections opened, per service, e.g. "github 1, login 1, management 2, inference 1". */
export function connectionsBy(t: Traffic): string {
  return [...counts(t.connections.map((c) => c.service))].map(([s, n]) => `${s} ${n}`).join(', ');
}

/** Requests, one line per kind, in the order first sent. */
export function breakdown(t: Traffic): string {
  return [...counts(t.requests.map(requestLabel))].map(([k, n]) => `    ${n} × ${k}`).join('\n');
}

/** When each connection opened and each request arrived, in ms from the process's spawn. */
export function timeline(t: Traffic, spawnedAt: number): string {
  const events = [
    ...t.connections.map((c) => ({ time: c.time, what: `connection to ${c.service}` })),
    ...t.requests.map((e) => ({ time: e.time, what: `${requestLabel(e)} → ${e.status}` })),
  ].sort((a, b) => a.time - b.time);
  return events.map((e) => `    +${(e.time - spawnedAt).toFixed(0).padStart(5)} ms  ${e.what}`).join('\n');
}

/** One run of an online invoke: what it sent, when it was spawned and when it ended (epoch ms). */
export interface InvokeRun {
  traffic: Traffic;
  spawnedAt: number;
  endedAt: number;
}

/** The phases of an online invoke, each ending when the next request kind first reaches Azure. */
const PHASES: Array<[string, (e: RequestLogEntry) => boolean]> = [
  ['spawn → the GitHub OIDC request', (e) => e.service === 'github'],
  ['→ the Entra token request', (e) => e.service === 'login' && e.method === 'POST'],
  ['→ the first resource manager request', (e) => e.service === 'management'],
  ['→ the scoring request', (e) => e.service === 'inference'],
];

/**
 * Where the time of online invokes goes, phase by phase (median ms of the runs given): from each
 * phase's first request (the spawn, for the first) to the next one's, the last to the run's end.
 * A run that never sent either request of a phase is left out of it (NaN when every run is).
 */
export function invokePhases(runs: InvokeRun[]): Array<{ phase: string; ms: number }> {
  const at = (r: InvokeRun, i: number) => {
    if (i < 0) return r.spawnedAt;
    if (i === PHASES.length) return r.endedAt;
    return r.traffic.requests.find(PHASES[i][1])?.time ?? NaN;
  };
  return [...PHASES.map(([phase]) => phase), '→ the end'].map((phase, i) => {
    const spans = runs.map((r) => at(r, i) - at(r, i - 1)).filter(Number.isFinite);
    return { phase, ms: spans.length ? stat(spans).median : NaN };
  });
}

/**
 * A plain node:http server on 127.0.0.1, no TLS, timing a process's first request: when its
 * headers arrive (the 'request' event), not when its connection opens, since a process may open
 * connections ahead and write its request only later. It answers 400, which the action takes as a
 * refusal (no retry).
 */
export interface FirstRequestProbe {
  /** http://127.0.0.1:<port> */
  url: string;
  server: Server;
  /**
   * Spawns argv (no shell) and gives spawn → its first request's headers (ms), and both moments
   * (epoch ms). The process is killed then, or with untilExit left to end by itself (so that it
   * writes its --cpu-prof).
   */
  time(argv: string[], env: Record<string, string>, untilExit?: boolean): Promise<{ ms: number; spawnedAt: number; requestAt: number }>;
  close(): Promise<void>;
}

export async function firstRequestProbe(timeoutMs = 10_000): Promise<FirstRequestProbe> {
  let onRequest: ((at: number) => void) | undefined;
  const server = createServer((_req, res) => {
    onRequest?.(epochNow());
    onRequest = undefined;
    res.writeHead(400, { connection: 'close', 'content-type': 'application/json' }).end('{"message":"the bench probe issues no token"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const time: FirstRequestProbe['time'] = (argv, env, untilExit = false) =>
    new Promise((resolve, reject) => {
      const spawnedAt = epochNow();
      const child = spawn(argv[0], argv.slice(1), { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      let requestAt: number | undefined;
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`no request (or no exit) within ${timeoutMs} ms: ${argv.join(' ')}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        onRequest = undefined;
        resolve({ ms: requestAt! - spawnedAt, spawnedAt, requestAt: requestAt! });
      };
      onRequest = (at) => {
        requestAt = at;
        if (untilExit) return;
        child.kill('SIGKILL');
        done();
      };
      child.on('exit', (code) => {
        if (requestAt === undefined) {
          clearTimeout(timer);
          onRequest = undefined;
          reject(new Error(`${argv.join(' ')} exited (${code}) before any request: ${output}`));
        } else if (untilExit) done();
      });
    });
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    time,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The environment of the action's cold start, as on a runner: an online key invoke in the default
 * cloud (the connections it opens ahead go nowhere: this machine has no network), a push event's
 * payload at GITHUB_EVENT_PATH, and the GitHub OIDC request URL pointing at the probe. The step's
 * files are created in dir.
 */
export function coldStartEnv(probeUrl: string, dir: string): Record<string, string> {
  const push = pushEvent();
  return stepEnv(
    {
      inputs: {
        'tenant-id': '72f988bf-86f1-41af-91ab-2d7cd011db47',
        'client-id': '0f3d3e1a-2b1c-4d5e-8f90-1a2b3c4d5e6f',
        'subscription-id': '1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7a8b',
        'resource-group': 'rg-scoring',
        workspace: 'ws-scoring',
        'endpoint-type': 'online',
        endpoint: 'score-key',
        request: '{"input_data": {"data": [[63, 233]]}}',
      },
      env: { ...push.env, ACTIONS_ID_TOKEN_REQUEST_URL: `${probeUrl}/_apis/distributedtask/idtoken?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'bench' },
      event: push.event,
      githubToken: 'ghs_bench',
    },
    dir,
  );
}
