// npm run bench: where the action stands against the protocol's floor, at several network round
// trips (the emulator adds the round trip to every service: each request pays one, a new HTTPS
// connection three). Every comparison is made in the same run, pair by pair, and reported as the
// median with min and max (the machine is shared and noisy). The floor is scripts/bare-invoke.mjs:
// a bare node process making only the protocol's requests over one keep-alive agent, ending with
// its last reply. Flags: --runs N (default 7), --latencies 0,30,100 (ms), --node PATH (the node
// binary that runs the action and the yardsticks; default the one running the bench), --bundle PATH
// (the action's entry to run; default dist/index.cjs), --only online,cold (the sections to run, by
// the names below; default all; compare is the release gate).
//
// A section is a function of a Bench (scripts/bench-kit.ts); a new one is one line in
// AT_EACH_ROUND_TRIP or ONCE.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/src/index.js';
import { pollJob, type JobState } from '../src/batch/jobs.js';
import { BUNDLE, ROOT, runAndSignal, runStep, type StepResult } from './runner.js';
import { accessToken, call, mlClient } from '../emulator/test/client.js';
import { benchData } from './bench-data.js';
import { followLogs } from './bench-logs.js';
import {
  breakdown,
  coldStartEnv,
  compareRequests,
  connectionsBy,
  fmt,
  firstRequestProbe,
  fmtRatio,
  inTurn,
  invokePhases,
  latencyLabel,
  ratios,
  runBare,
  stat,
  Table,
  timeline,
  traffic,
  type Bench,
  type InvokeRun,
  type Traffic,
} from './bench-kit.js';

const flag = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const RUNS = Number(flag('runs', '7'));
const LATENCIES = flag('latencies', '0,30,100').split(',').map(Number);
const NODE = flag('node', process.execPath);
const ONLY = flag('only', '').split(',').filter(Boolean);
const BUNDLE_PATH = flag('bundle', '') || undefined;

const REQUEST = '{"input_data": {"data": [[63, 233], [37, 250]]}}';
const BATCH_INPUT = 'https://x.blob.core.windows.net/d/';

/** The inputs and config that point the action and the floor at one emulator. */
function targets(emu: Emulator) {
  return {
    online: (endpoint: string) => ({ ...emu.actionInputs(), 'endpoint-type': 'online', endpoint, request: REQUEST }),
    batch: (endpoint: string) => ({ ...emu.actionInputs(), 'endpoint-type': 'batch', endpoint, input: BATCH_INPUT }),
    floor: (endpoint: string) => ({
      oidcRequestUrl: emu.oidcRequestUrl,
      oidcRequestToken: emu.oidcRequestToken,
      tenantId: emu.tenantId,
      clientId: emu.identities[0].clientId,
      subscriptionId: emu.subscriptionId,
      resourceGroup: emu.resourceGroup,
      workspace: emu.workspace,
      authorityHost: emu.urls.login,
      resourceManagerEndpoint: emu.urls.management,
      endpoint,
      request: REQUEST,
      input: BATCH_INPUT,
    }),
  };
}

/** Runs the action as a step; throws when it fails. */
async function action(
  b: Bench,
  inputs: Record<string, string>,
  env: Record<string, string>,
  extra: { cwd?: string; prefix?: string[] } = {},
): Promise<StepResult> {
  const r = await runStep({ inputs, env, node: b.node, bundle: b.bundle, ...extra });
  if (r.code !== 0) throw new Error(`the action failed: ${r.stdout}`);
  return r;
}

/** The action's phases beside the floor's, one line each. */
function phaseTable(action: InvokeRun[], floor: InvokeRun[]): string {
  const f = invokePhases(floor);
  return invokePhases(action)
    .map((p, i) => `    ${p.ms.toFixed(0).padStart(5)} ${f[i].ms.toFixed(0).padStart(5)}  ${p.phase}`)
    .join('\n');
}

/** What an invoke sent, against the floor's: requests and connections. */
function trafficNote(what: string, a: Traffic, floor: Traffic): string {
  return [`${what}: ${compareRequests(a, floor)}`, `  connections: action ${connectionsBy(a)}; floor ${connectionsBy(floor)}`, breakdown(a)].join('\n');
}

/** Key, aml_token and aad_token online invokes, each against the floor; key also against fetch. */
async function onlineInvokes(b: Bench): Promise<void> {
  const emu = await startEmulator({
    latencyMs: b.latencyMs,
    onlineEndpoints: [
      { name: 'score-key', authMode: 'key' },
      { name: 'score-token', authMode: 'aml_token' },
      { name: 'score-aad', authMode: 'aad_token' },
    ],
  });
  const env = emu.env();
  const t = targets(emu);
  const at = latencyLabel(b.latencyMs);
  for (const [mode, endpoint] of [
    ['key', 'score-key'],
    ['aml_token', 'score-token'],
    ['aad_token', 'score-aad'],
  ] as const) {
    const seen: Record<string, InvokeRun[]> = {};
    const timed = (name: string, run: () => Promise<{ ms: number; spawnedAt: number }>) => async () => {
      const mark = traffic(emu);
      const { ms, spawnedAt } = await run();
      (seen[name] ??= []).push({ traffic: mark(), spawnedAt, endedAt: spawnedAt + ms });
      return ms;
    };
    const bare = async (args: string[]) => {
      const f = await runBare(b, 'bare-invoke.mjs', args, t.floor(endpoint), env);
      return { ms: f.toLastReplyMs, spawnedAt: f.spawnedAt };
    };
    const runners = [
      timed('action', async () => {
        const r = await action(b, t.online(endpoint), env);
        return { ms: r.wallMs, spawnedAt: r.startedAt };
      }),
      timed('floor', () => bare([mode])),
    ];
    if (mode === 'key') runners.push(timed('fetch', () => bare([mode, '--fetch'])));
    const [wall, floor, viaFetch] = await inTurn(b.runs, runners);
    const ratio = stat(ratios(wall, floor));
    const target = mode !== 'key' ? undefined : b.latencyMs >= 100 ? 1.1 : b.latencyMs >= 30 ? 1.25 : undefined;
    b.table.add({ latency: at, figure: `Online invoke, ${mode}: action, start to exit`, value: fmt(stat(wall)) });
    b.table.add({
      latency: at,
      figure: `Online invoke, ${mode}: floor (node:https, keep-alive), start to last reply`,
      value: fmt(stat(floor)),
      ratio: fmtRatio(ratio),
      target: target ? `≤ ${target}×` : undefined,
      met: target ? ratio.median <= target : undefined,
    });
    if (viaFetch) {
      b.table.add({
        latency: at,
        figure: `Online invoke, ${mode}: the same requests with fetch, start to last reply`,
        value: fmt(stat(viaFetch)),
        ratio: fmtRatio(stat(ratios(wall, viaFetch))),
      });
    }
    const [action1, floor1] = [seen.action[0], seen.floor[0]];
    b.table.note(`[${at}] ${trafficNote(`Online invoke, ${mode}`, action1.traffic, floor1.traffic)}\n`);
    if (mode === 'key') {
      b.table.note(`[${at}] Online invoke, key, first run: the action\n${timeline(action1.traffic, action1.spawnedAt)}`);
      b.table.note(`[${at}] Online invoke, key, first run: the floor\n${timeline(floor1.traffic, floor1.spawnedAt)}\n`);
      b.table.note(`[${at}] Online invoke, key, phase by phase (median ms of ${b.runs} runs): the action, the floor\n${phaseTable(seen.action, seen.floor)}\n`);
    }
  }
  await emu.close();
}

/**
 * A batch invoke through Completed: the job's creation against the floor's (spawn to the job POST's
 * answer, at the emulator, for both), and how long after the job's end the action noticed it (its
 * last status read) and ended the step. The action's jobs last 4 to 6 s, spread evenly over the
 * runs, so that their ends fall across the poller's 2 s interval rather than always just after
 * (or just before) a read.
 */
async function batchInvoke(b: Bench): Promise<void> {
  const JOB_MS = 4_000;
  const POLL_MS = 2_000;
  const emu = await startEmulator({
    latencyMs: b.latencyMs,
    batchEndpoints: [{ name: 'score-batch', jobPlan: { steps: [{ status: 'Running', durationMs: JOB_MS }] } }],
  });
  let run = 0;
  // A job's end writes its outputs to Blob storage, whose emulator (Azurite) starts on first use,
  // about a second: started now, so that no run's end pays for it.
  const ds = emu.storage.datastore('workspaceblobstore');
  await emu.storage.list(ds.account, ds.container);
  const env = emu.env();
  const t = targets(emu);
  const at = latencyLabel(b.latencyMs);
  const created = (tr: Traffic, spawnedAt: number) => {
    const post = tr.requests.find((e) => e.service === 'inference' && e.method === 'POST');
    if (!post) throw new Error('no job was created');
    return post.time + post.durationMs - spawnedAt;
  };
  const noticed: number[] = [];
  const ended: number[] = [];
  const seen: Record<string, Traffic> = {};
  const [toCreate, floorToCreate] = await inTurn(b.runs, [
    async () => {
      const durationMs = JOB_MS + Math.round((POLL_MS * (run++ + 0.5)) / b.runs);
      emu.nextJobPlans.push({ steps: [{ status: 'Running', durationMs }] });
      const mark = traffic(emu);
      const r = await action(b, t.batch('score-batch'), env);
      const tr = mark();
      seen.action ??= tr;
      const job = emu.jobs().at(-1)!;
      const end = job.createdAt + durationMs;
      const lastRead = tr.requests.filter((e) => e.method === 'GET' && e.url.includes(`/jobs/${job.name}`)).at(-1)!;
      noticed.push(lastRead.time - end);
      ended.push(r.startedAt + r.wallMs - end);
      return created(tr, r.startedAt);
    },
    async () => {
      const mark = traffic(emu);
      const f = await runBare(b, 'bare-invoke.mjs', ['batch'], t.floor('score-batch'), env);
      const tr = mark();
      seen.floor ??= tr;
      return created(tr, f.spawnedAt);
    },
  ]);
  // The jobs are 4 to 6 s long: 10 % of that is below 2 s.
  const allowed = 2_000;
  b.table.add({ latency: at, figure: 'Batch invoke: action, start to the job created', value: fmt(stat(toCreate)) });
  b.table.add({
    latency: at,
    figure: 'Batch invoke: floor, start to the job created',
    value: fmt(stat(floorToCreate)),
    ratio: fmtRatio(stat(ratios(toCreate, floorToCreate))),
  });
  b.table.add({
    latency: at,
    figure: `Batch invoke: job end (${JOB_MS / 1000}–${(JOB_MS + POLL_MS) / 1000} s jobs) → the status read that saw it`,
    value: fmt(stat(noticed)),
    target: `≤ ${allowed / 1000} s, every run`,
    met: Math.max(...noticed) <= allowed,
  });
  b.table.add({
    latency: at,
    figure: 'Batch invoke: job end → step exited',
    value: fmt(stat(ended)),
    target: `≤ ${allowed / 1000} s, median`,
    met: stat(ended).median <= allowed,
  });
  const creation = (tr: Traffic): Traffic => {
    const post = tr.requests.findIndex((e) => e.service === 'inference' && e.method === 'POST');
    return { requests: tr.requests.slice(0, post + 1), connections: tr.connections };
  };
  b.table.note(`[${at}] ${trafficNote('Batch invoke up to the job created', creation(seen.action), creation(seen.floor))}\n`);
  await emu.close();
}

/**
 * Smoke test: 1,000 .jsonl requests at concurrency 16 against an endpoint that takes 20 ms per
 * request. The ideal is concurrency ÷ (round trip + 20 ms); a bare node:https client measured the
 * same way shows what the emulator on this machine can give.
 */
async function smokeTest(b: Bench): Promise<void> {
  const SERVICE_MS = 20;
  const COUNT = 1000;
  const CONCURRENCY = 16;
  const emu = await startEmulator({ latencyMs: b.latencyMs, onlineEndpoints: [{ name: 'score-smoke', authMode: 'key', latencyMs: SERVICE_MS }] });
  const env = emu.env();
  const at = latencyLabel(b.latencyMs);
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  writeFileSync(join(dir, 'requests.jsonl'), Array.from({ length: COUNT }, (_, i) => JSON.stringify({ input_data: { data: [[i, i + 1]] } })).join('\n'));
  const key = (await mlClient(emu).onlineEndpoints.listKeys(emu.resourceGroup, emu.workspace, 'score-smoke')).primaryKey!;
  const inputs = { ...targets(emu).online('score-smoke'), request: '', 'request-file': 'requests.jsonl', concurrency: String(CONCURRENCY) };
  const ideal = CONCURRENCY / ((b.latencyMs + SERVICE_MS) / 1000);
  const [rate, bare] = await inTurn(Math.max(3, Math.ceil(b.runs / 2)), [
    async () => {
      const mark = traffic(emu);
      await action(b, inputs, env, { cwd: dir });
      return scoringRate(mark());
    },
    async () => {
      const mark = traffic(emu);
      const config = { scoringUri: `${emu.urls.inference}/score-smoke/score`, key, body: REQUEST, count: COUNT, concurrency: CONCURRENCY };
      await runBare(b, 'bare-score.mjs', [], config, env);
      return scoringRate(mark());
    },
  ]);
  const share = stat(rate.map((r) => (r / ideal) * 100));
  b.table.add({
    latency: at,
    figure: `Smoke test, ${COUNT} requests at concurrency ${CONCURRENCY} (${SERVICE_MS} ms each): action, share of concurrency ÷ (round trip + ${SERVICE_MS} ms) = ${ideal.toFixed(0)} req/s`,
    value: `${fmt(stat(rate), 'req/s')}; ${fmt(share, '%')}`,
    target: '≥ 90 %',
    met: share.median >= 90,
  });
  b.table.add({
    latency: at,
    figure: 'Smoke test: bare node:https client, same requests',
    value: `${fmt(stat(bare), 'req/s')}; ${fmt(stat(bare.map((r) => (r / ideal) * 100)), '%')}`,
    ratio: fmtRatio(stat(ratios(rate, bare))),
  });
  await emu.close();
}

/**
 * Release gate: the same 1,000 lines at concurrency 16, sent to a candidate and, with compare-to,
 * to the baseline too (both at once, each at concurrency 16), every answer compared; against the
 * plain smoke test of one deployment, pair by pair, in lines per second from the first request's
 * arrival to the last answer. Comparing should cost at most the baseline's requests: ≥ 0.45× the
 * plain pace (the emulator answers both deployments on the same cores as the action).
 */
async function compareRun(b: Bench): Promise<void> {
  const SERVICE_MS = 20;
  const COUNT = 1000;
  const CONCURRENCY = 16;
  const emu = await startEmulator({
    latencyMs: b.latencyMs,
    onlineEndpoints: [
      {
        name: 'score-gate',
        authMode: 'key',
        latencyMs: SERVICE_MS,
        deployments: [
          { name: 'blue', model: { version: '1' } },
          { name: 'green', model: { version: '1', jitter: 1e-9, requestId: true } },
        ],
        traffic: { blue: 100 },
      },
    ],
  });
  const env = emu.env();
  const at = latencyLabel(b.latencyMs);
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  writeFileSync(join(dir, 'requests.jsonl'), Array.from({ length: COUNT }, (_, i) => JSON.stringify({ input_data: { data: [[i, i + 1]] } })).join('\n'));
  const plain = { ...targets(emu).online('score-gate'), request: '', 'request-file': 'requests.jsonl', concurrency: String(CONCURRENCY), deployment: 'green' };
  const gated = { ...plain, 'compare-to': 'blue', 'ignore-fields': '$.request_id', thresholds: 'agreement: rate==1\nlatency-ratio: p(95)<100' };
  // Each line is one scoring request, or two with compare-to.
  const linesPerSecond = (t: Traffic, requestsPerLine: number) => scoringRate(t) / requestsPerLine;
  const load = loadavg()[0].toFixed(2);
  const [compared, alone] = await inTurn(Math.max(3, Math.ceil(b.runs / 2)), [
    async () => {
      const mark = traffic(emu);
      await action(b, gated, env, { cwd: dir });
      return linesPerSecond(mark(), 2);
    },
    async () => {
      const mark = traffic(emu);
      await action(b, plain, env, { cwd: dir });
      return linesPerSecond(mark(), 1);
    },
  ]);
  const ratio = stat(ratios(compared, alone));
  b.table.add({
    latency: at,
    figure: `Release gate, ${COUNT} lines at concurrency ${CONCURRENCY} (${SERVICE_MS} ms each), every line to both deployments and compared`,
    value: fmt(stat(compared), 'lines/s'),
  });
  b.table.add({
    latency: at,
    figure: 'Release gate: the plain smoke test of one deployment, same lines',
    value: fmt(stat(alone), 'lines/s'),
    ratio: fmtRatio(ratio),
    target: '≥ 0.45×',
    met: ratio.median >= 0.45,
  });
  b.table.note(`[${at}] Release gate: load average ${load} when the section started, ${loadavg()[0].toFixed(2)} when it ended.`);
  await emu.close();
}

/** Scoring requests per second, as the emulator saw them: first arrival to last answer. */
function scoringRate(t: Traffic): number {
  const scores = t.requests.filter((e) => e.service === 'inference');
  const span = Math.max(...scores.map((e) => e.time + e.durationMs)) - Math.min(...scores.map((e) => e.time));
  return (scores.length / span) * 1000;
}

/**
 * Process start to the first request's headers at a plain node:http server on 127.0.0.1 (no relay,
 * no TLS, no NODE_EXTRA_CA_CERTS on either side; scripts/bench-kit.ts's firstRequestProbe): the
 * action's bundle, whose first request is the GitHub OIDC token request (run as coldStartEnv
 * says), against the smallest bare process sending one request, a CommonJS one-liner, and the same
 * request from an ES module file (scripts/bare-request.mjs), so that what being an ES module costs
 * shows on its own; and the one-liner loading node:https first. The target is judged against that
 * last one: GitHub's OIDC URL is always https, so no client can send the action's first request
 * without loading the TLS stack (about 2 ms on Node 20, 7 to 9 on Node 24), and the plain one-liner,
 * talking to an http URL, skips it. The probe stays plain http on both sides, so neither pays a
 * handshake or NODE_EXTRA_CA_CERTS. scripts/profile-start.ts shows where the action's time goes.
 */
async function coldStart(b: Bench): Promise<void> {
  const probe = await firstRequestProbe();
  const dir = mkdtempSync(join(tmpdir(), 'bench-cold-'));
  const env = coldStartEnv(probe.url, dir);
  const oneLinerCode = `require("node:http").get(${JSON.stringify(probe.url)})`;
  const [act, oneLiner, esm, tls] = await inTurn(b.runs, [
    async () => (await probe.time([b.node, b.bundle ?? BUNDLE], env)).ms,
    async () => (await probe.time([b.node, '-e', oneLinerCode], {})).ms,
    async () => (await probe.time([b.node, join(ROOT, 'scripts', 'bare-request.mjs'), probe.url], {})).ms,
    async () => (await probe.time([b.node, '-e', `require("node:https");${oneLinerCode}`], {})).ms,
  ]).finally(async () => {
    await probe.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const vsTls = stat(ratios(act, tls));
  b.table.add({
    latency: '',
    figure: 'Cold start: action (dist/index.cjs), process start → the GitHub OIDC request at a local node:http server',
    value: fmt(stat(act)),
  });
  b.table.add({
    latency: '',
    figure: `Cold start: bare node, one node:http request (node -e 'require("node:http").get(url)')`,
    value: fmt(stat(oneLiner)),
    ratio: fmtRatio(stat(ratios(act, oneLiner))),
  });
  b.table.add({
    latency: '',
    figure: 'Cold start: bare node, the same request from an ES module file (scripts/bare-request.mjs)',
    value: fmt(stat(esm)),
    ratio: fmtRatio(stat(ratios(act, esm))),
  });
  b.table.add({
    latency: '',
    figure: `Cold start: bare node, the one-liner with node:https loaded first (what GitHub's https OIDC URL needs)`,
    value: fmt(stat(tls)),
    ratio: fmtRatio(vsTls),
    target: '≤ 1.5×',
    met: vsTls.median <= 1.5,
  });
}

/** Peak RSS of a key-mode online invoke (GNU time). */
async function peakMemory(b: Bench): Promise<void> {
  if (!existsSync('/usr/bin/time')) return;
  const emu = await startEmulator({ onlineEndpoints: [{ name: 'score-key', authMode: 'key' }] });
  const rss: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await action(b, targets(emu).online('score-key'), emu.env(), { prefix: ['/usr/bin/time', '-f', 'maxrss=%M'] });
    rss.push(Number(/maxrss=(\d+)/.exec(r.stderr)![1]) / 1024);
  }
  await emu.close();
  const s = stat(rss);
  b.table.add({ latency: '', figure: 'Peak RSS, online key invoke', value: fmt(s, 'MB', 1), target: '≤ 100 MB', met: s.max <= 100 });
}

/** SIGINT (a cancelled workflow) to the cancel request reaching Azure, for a running job. */
async function cancelOnSigint(b: Bench): Promise<void> {
  const emu = await startEmulator({ batchEndpoints: [{ name: 'score-batch', jobPlan: { steps: [{ status: 'Running', durationMs: 600_000 }] } }] });
  const toCancel: number[] = [];
  const toExit: number[] = [];
  for (let i = 0; i < b.runs; i++) {
    const { result: r, sentAt } = await runAndSignal('SIGINT', (hooks) =>
      runStep({ inputs: targets(emu).batch('score-batch'), env: emu.env(), node: b.node, bundle: b.bundle, ...hooks }),
    );
    const posted = emu.log.filter((e) => e.method === 'POST' && e.url.includes('/cancel')).at(-1);
    if (!posted || r.code !== 1) throw new Error('the cancel was not sent');
    toCancel.push(posted.time - sentAt);
    toExit.push(r.startedAt + r.wallMs - sentAt);
  }
  await emu.close();
  b.table.add({
    latency: '',
    figure: 'SIGINT → cancel request at the resource manager',
    value: fmt(stat(toCancel)),
    target: 'runner sends SIGTERM 7.5 s after SIGINT',
  });
  b.table.add({ latency: '', figure: 'SIGINT → step exited (cancel confirmed, summary written)', value: fmt(stat(toExit)) });
}

function bundleBytes(dir: string): number {
  let total = 0;
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) total += bundleBytes(p);
    else if (/\.c?js$/.test(f)) total += statSync(p).size;
  }
  return total;
}

function bundleSize(b: Bench): void {
  const size = (figure: string, bytes: number) =>
    b.table.add({ latency: '', figure, value: `${(bytes / 1024 / 1024).toFixed(2)} MB (${bytes} bytes)`, target: '≤ 2 MB', met: bytes <= 2 * 1024 * 1024 });
  size('Bundle size (dist/**/*.js, dist/index.cjs)', bundleBytes(join(ROOT, 'dist')));
  // The chunks (NNN.index.js: js-yaml, Octokit, @azure/storage-blob) load only when a run needs
  // them, except the resource manager clients' (src/azure/arm-clients.ts), which every run loads.
  const main = join(ROOT, 'dist', 'main');
  const armChunk = readdirSync(main).filter((f) => /^\d+\.index\.js$/.test(f) && readFileSync(join(main, f), 'utf8').includes('azsdk-js-arm-machinelearning'));
  const plain = ['index.cjs', 'main/index.js', ...armChunk.map((f) => `main/${f}`)].reduce((n, f) => n + statSync(join(ROOT, 'dist', f)).size, 0);
  size('Bundle a plain run loads (dist/index.cjs, dist/main/index.js and its resource manager chunk)', plain);
}

/**
 * Noticing the end of a job, and polls for a 6-hour job, on the emulator's job model with the
 * action's own poller and a compressed clock (status reads take no time here).
 */
async function pollSchedule(b: Bench): Promise<void> {
  const sim = await startEmulator({ clock: 'manual' });
  const notice: string[] = [];
  let met = true;
  for (const endsAfterS of [5, 30, 120, 600, 3600, 6 * 3600]) {
    const { noticedAfterMs, reads } = await simulate(sim, endsAfterS * 1000);
    const lateMs = noticedAfterMs - endsAfterS * 1000;
    const allowed = Math.max(2000, endsAfterS * 100);
    met &&= lateMs <= allowed;
    notice.push(`${endsAfterS} s: ${(lateMs / 1000).toFixed(1)} s late (allowed ${(allowed / 1000).toFixed(1)} s), ${reads} polls`);
  }
  await sim.close();
  b.table.add({ latency: '', figure: 'Job end noticed after (simulated clock)', value: notice.join('; '), target: '≤ max(2 s, 10 % of elapsed)', met });
}

/** The action's poller on a job that ends after endsAfterMs of emulator time; sleeping advances the clock. */
async function simulate(emu: Emulator, endsAfterMs: number): Promise<{ noticedAfterMs: number; reads: number }> {
  emu.nextJobPlans.push({ steps: [{ status: 'Running', durationMs: endsAfterMs }] });
  const token = await accessToken(emu, 'https://ml.azure.com/.default');
  const created = await call(emu, 'POST', `${emu.urls.inference}/score-batch/jobs`, {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ properties: { inputData: { input_data: { uri: BATCH_INPUT, jobInputType: 'UriFolder' } } } }),
  });
  const name = created.json<{ name: string }>().name;
  const start = emu.clock.now();
  let reads = 0;
  const outcome = await pollJob({
    read: (): Promise<JobState> => {
      reads++;
      return Promise.resolve({ name, status: emu.jobs().find((j) => j.name === name)!.status });
    },
    initial: { name, status: 'Preparing' },
    clock: { now: () => emu.clock.now(), sleep: (ms) => Promise.resolve(emu.clock.advance(ms)) },
    signal: new AbortController().signal,
    timeoutMs: 24 * 3600_000,
    log: { info: () => undefined, warning: () => undefined, debug: () => undefined },
    onChange: () => undefined,
  });
  if (outcome.kind !== 'final') throw new Error('simulated job did not end');
  return { noticedAfterMs: emu.clock.now() - start, reads };
}

/** Sections run at each round trip; a new one is one line here. */
const AT_EACH_ROUND_TRIP: Record<string, (b: Bench) => Promise<void>> = {
  online: onlineInvokes,
  batch: batchInvoke,
  smoke: smokeTest,
  compare: compareRun,
  data: benchData,
};
/** Sections whose figures do not depend on the round trip, run once. */
const ONCE: Record<string, (b: Bench) => Promise<void> | void> = {
  cold: coldStart,
  memory: peakMemory,
  cancel: cancelOnSigint,
  bundle: bundleSize,
  polls: pollSchedule,
  logs: followLogs,
};

async function main(): Promise<void> {
  const table = new Table();
  const version = execFileSync(NODE, ['--version'], { encoding: 'utf8' }).trim();
  const picked = (name: string) => ONLY.length === 0 || ONLY.includes(name);
  // The machine is shared: its load when the bench started and ended is part of every figure.
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const loadAtStart = load();
  console.error(`Bench: ${RUNS} runs each, round trips ${LATENCIES.join(', ')} ms, Node ${version}, load average ${loadAtStart}`);
  for (const latencyMs of LATENCIES) {
    for (const [name, section] of Object.entries(AT_EACH_ROUND_TRIP))
      if (picked(name)) await section({ latencyMs, runs: RUNS, table, node: NODE, bundle: BUNDLE_PATH });
  }
  for (const [name, section] of Object.entries(ONCE)) if (picked(name)) await section({ latencyMs: 0, runs: RUNS, table, node: NODE, bundle: BUNDLE_PATH });
  console.log(
    `\n## azureml-invoke bench (${RUNS} runs, Node ${version}, ${cpus().length} cores; load average ${loadAtStart} at the start, ${load()} at the end)\n`,
  );
  console.log(table.markdown());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
