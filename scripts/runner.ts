// Runs the action (its bundle, or its source) the way the GitHub runner does: INPUT_* variables
// (with action.yml's defaults, their `${{ github.token }}` evaluated), the GITHUB_OUTPUT /
// GITHUB_STEP_SUMMARY / GITHUB_STATE files, the event payload at GITHUB_EVENT_PATH, STATE_* for the
// post step, and the workflow-command lines on stdout. Used by the tests, the demo and the bench.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { load as parseYaml } from 'js-yaml';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE = join(ROOT, 'dist', 'index.cjs');
const SOURCE = join(ROOT, 'src', 'index.ts');
const FROM_SOURCE = pathToFileURL(join(ROOT, 'scripts', 'from-source.mjs')).href;

/**
 * Set (by scripts/coverage-provider.ts) while the tests' coverage is measured: steps run from
 * source then write their V8 coverage of src/ into this directory, one file per step.
 */
export const STEP_COVERAGE_DIR = 'AZUREML_INVOKE_STEP_COVERAGE';

/** The fields of action.yml that the scripts and tests read (its tests check they are there). */
interface ActionYml {
  name: string;
  description: string;
  branding: { icon: string; color: string };
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string; post: string };
}

export const actionYml = parseYaml(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYml;

export interface StepOptions {
  /** Inputs as a workflow's `with:` gives them; action.yml defaults fill the rest. */
  inputs: Record<string, string>;
  /** Extra environment (the emulator's OIDC variables and CA, RUNNER_DEBUG, …). */
  env?: Record<string, string | undefined>;
  /** STATE_* values: set to run the post step. */
  state?: Record<string, string>;
  /** The job's GITHUB_TOKEN: what `${{ github.token }}` gives (the empty string when absent). */
  githubToken?: string;
  /** The event that triggered the workflow: GITHUB_EVENT_NAME, and the payload written to GITHUB_EVENT_PATH. */
  event?: { name: string; payload: unknown };
  /** Working directory of the step (the workspace checkout; default the current one). */
  cwd?: string;
  /** Kill the step after this long and throw with its last lines (default 50 s, under the tests' 60 s). */
  timeoutMs?: number;
  /** Called once the process started, e.g. to send it signals. */
  onStart?: (child: ChildProcess) => void;
  /** Called for each stdout chunk as it arrives. */
  onStdout?: (text: string) => void;
  /** The Node binary that runs the step (default: the one running this script). */
  node?: string;
  /** Run src/index.ts from source (scripts/from-source.mjs) rather than the committed bundle. */
  fromSource?: boolean;
  /** The bundle to run (default dist/index.cjs); when set, it runs even with fromSource. */
  bundle?: string;
  /** Runs the node command through this prefix (e.g. ['/usr/bin/time', '-f', '%M']). */
  prefix?: string[];
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  title?: string;
  message: string;
}

export interface StepResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  annotations: Annotation[];
  /** The secrets the step masked with ::add-mask:: (the runner hides these). */
  masked: string[];
  /** stdout as the runner shows it: workflow commands consumed, masks applied. */
  visibleLog: string;
  /** Date.now() when the process was spawned. */
  startedAt: number;
  /** Content of the file the response-file output names (read before the temp dir goes). */
  responseFile?: string;
  wallMs: number;
}

/** The first error annotation's first line: what the user reads first. */
export function firstLine(r: StepResult): string {
  return (r.annotations.find((a) => a.level === 'error')?.message ?? '').split('\n')[0];
}

/** Parses a file command file (name<<delimiter / value / delimiter, or name=value). */
function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]);
      out[heredoc[1]] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

function unescapeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(s: string): string {
  return unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',');
}

/**
 * An action.yml default as the runner hands it to the step: its `${{ github.token }}` evaluated.
 * No other expression is modelled, so any other one stops the run rather than pass as a literal.
 */
function evaluateDefault(value: string, githubToken: string): string {
  return value.replace(/\$\{\{(.*?)\}\}/g, (expression: string, inner: string) => {
    if (inner.trim() === 'github.token') return githubToken;
    throw new Error(`action.yml default ${expression}: the runner harness evaluates only \${{ github.token }}`);
  });
}

/**
 * The environment the runner gives a step, its files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
 * GITHUB_STATE, the event payload) created in dir.
 */
export function stepEnv(o: Pick<StepOptions, 'inputs' | 'env' | 'state' | 'githubToken' | 'event' | 'cwd'>, dir: string): Record<string, string> {
  const files = stepFiles(dir);
  for (const f of Object.values(files)) writeFileSync(f, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    GITHUB_REPOSITORY: 'contoso/scoring',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_WORKFLOW: 'Score',
    GITHUB_JOB: 'score',
    GITHUB_WORKSPACE: o.cwd ?? process.cwd(),
    RUNNER_TEMP: dir,
  };
  if (o.event) {
    env.GITHUB_EVENT_NAME = o.event.name;
    env.GITHUB_EVENT_PATH = join(dir, 'event.json');
    writeFileSync(env.GITHUB_EVENT_PATH, JSON.stringify(o.event.payload));
  }
  for (const [name, spec] of Object.entries(actionYml.inputs)) {
    const value = o.inputs[name] ?? (spec.default === undefined ? undefined : evaluateDefault(spec.default, o.githubToken ?? ''));
    if (value !== undefined) env[`INPUT_${name.toUpperCase()}`] = value;
  }
  for (const name of Object.keys(o.inputs)) {
    if (!(name in actionYml.inputs)) throw new Error(`input '${name}' is not declared in action.yml`);
  }
  for (const [k, v] of Object.entries(o.env ?? {})) if (v !== undefined) env[k] = v;
  for (const [k, v] of Object.entries(o.state ?? {})) env[`STATE_${k}`] = v;
  return env;
}

const stepFiles = (dir: string) => ({ output: join(dir, 'output'), summary: join(dir, 'summary'), state: join(dir, 'state') });

/** Runs dist/index.cjs as one workflow step. */
export async function runStep(o: StepOptions): Promise<StepResult> {
  const dir = mkdtempSync(join(tmpdir(), 'azureml-invoke-step-'));
  const files = stepFiles(dir);
  const env = stepEnv(o, dir);
  const fromSource = o.fromSource && !o.bundle;
  const coverageDir = fromSource ? process.env[STEP_COVERAGE_DIR] : undefined;
  if (coverageDir) env.NODE_V8_COVERAGE = join(dir, 'v8');

  const started = performance.now();
  const startedAt = Date.now();
  const entry = fromSource ? ['--import', FROM_SOURCE, SOURCE] : [o.bundle ?? BUNDLE];
  const argv = [...(o.prefix ?? []), o.node ?? process.execPath, ...entry];
  const child = spawn(argv[0], argv.slice(1), { env, cwd: o.cwd ?? process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  o.onStart?.(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    o.onStdout?.(d);
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const limitMs = o.timeoutMs ?? 50_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, limitMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('close', (c, s) => r([c, s])));
  clearTimeout(timer);
  // A step that hangs must say where: its last lines, not only a test timeout.
  if (timedOut)
    throw new Error(
      `the step was still running after ${limitMs / 1000} s; its last lines:\n${stdout.split('\n').slice(-40).join('\n')}\n${stderr.slice(-2000)}`,
    );
  const wallMs = performance.now() - started;

  const annotations: Annotation[] = [];
  const masked: string[] = [];
  const visible: string[] = [];
  // Between ::stop-commands::<token> and ::<token>:: lines are shown as they are, as the runner does.
  let resumeWith: string | undefined;
  for (const line of stdout.split('\n')) {
    if (resumeWith !== undefined) {
      if (line.trim() === `::${resumeWith}::`) resumeWith = undefined;
      else visible.push(line);
      continue;
    }
    const cmd = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line.trimStart());
    if (!cmd) {
      visible.push(line);
      continue;
    }
    const [, name, props = '', data = ''] = cmd;
    if (name === 'stop-commands') resumeWith = data;
    else if (name === 'add-mask') masked.push(unescapeData(data));
    else if (name === 'error' || name === 'warning' || name === 'notice') {
      const title = /(?:^|,)title=([^,]*)/.exec(props)?.[1];
      annotations.push({ level: name, title: title ? unescapeProperty(title) : undefined, message: unescapeData(data) });
      visible.push(`${name === 'error' ? 'Error' : name === 'warning' ? 'Warning' : 'Notice'}: ${unescapeData(data)}`);
    } else if (name === 'group') visible.push(`▸ ${unescapeData(data)}`);
    else if (name === 'debug' && (env.RUNNER_DEBUG === '1' || env.ACTIONS_STEP_DEBUG === 'true')) visible.push(`##[debug]${unescapeData(data)}`);
  }
  let visibleLog = visible.join('\n');
  for (const secret of masked.filter((s) => s.length > 0)) visibleLog = visibleLog.split(secret).join('***');

  const outputs = parseFileCommands(readFileSync(files.output, 'utf8'));
  let responseFile: string | undefined;
  try {
    if (outputs['response-file']) responseFile = readFileSync(outputs['response-file'], 'utf8');
  } catch {
    responseFile = undefined;
  }
  const result: StepResult = {
    code,
    signal,
    stdout,
    stderr,
    outputs,
    responseFile,
    state: parseFileCommands(readFileSync(files.state, 'utf8')),
    summary: readFileSync(files.summary, 'utf8'),
    annotations,
    masked,
    visibleLog,
    wallMs,
    startedAt,
  };
  if (coverageDir) keepSourceCoverage(join(dir, 'v8'), coverageDir);
  rmSync(dir, { recursive: true, force: true });
  return result;
}

/**
 * Copies the coverage of src/ out of the V8 coverage files a step wrote (they cover every module it
 * loaded, a few MB each; one per thread, two on Node 20) into `into`, one small file per step, so
 * the files there count steps. A step killed by a signal writes none.
 */
function keepSourceCoverage(raw: string, into: string): void {
  const files = existsSync(raw) ? readdirSync(raw) : [];
  if (!files.length) return;
  const src = pathToFileURL(join(ROOT, 'src')).href + '/';
  const result = files.flatMap((file) =>
    (JSON.parse(readFileSync(join(raw, file), 'utf8')) as { result: { url: string }[] }).result.filter((s) => s.url.startsWith(src)),
  );
  mkdirSync(into, { recursive: true });
  writeFileSync(join(into, `${basename(dirname(raw))}.json`), JSON.stringify({ result }));
}

/** The main step, then the post step with the state the main step saved (as the runner does). */
export async function runMainAndPost(o: StepOptions): Promise<{ main: StepResult; post: StepResult }> {
  const main = await runStep(o);
  const post = await runStep({ ...o, state: main.state, onStart: undefined });
  return { main, post };
}

/**
 * Runs a step through `run`, which passes the given hooks on, and sends it `signal` as soon as it
 * logs its job Running (as a cancelled workflow does); sentAt is Date.now() then, 0 if never sent.
 */
export async function runAndSignal(
  signal: NodeJS.Signals,
  run: (hooks: Pick<StepOptions, 'onStart' | 'onStdout'>) => Promise<StepResult>,
): Promise<{ result: StepResult; sentAt: number }> {
  let child: ChildProcess | undefined;
  let sentAt = 0;
  const result = await run({
    onStart: (c) => (child = c),
    onStdout: (text) => {
      if (!sentAt && /: Running \(after/.test(text)) {
        sentAt = Date.now();
        child!.kill(signal);
      }
    },
  });
  return { result, sentAt };
}
