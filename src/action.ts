// The step, main or post (the runner runs the same bundle for both; saved state tells them
// apart). It reads the inputs and the workflow run's context, asks GitHub for the first OIDC token
// and opens the connections the run will need (warm.ts) before loading the Azure libraries, so
// those round trips overlap their loading. After the summary is written, comment-on-pr may copy it
// to the pull request. The Azure half is a bundle of its own
// (dist/main/), built from main.ts so that unused parts of the Azure SDKs are shaken out of it.
// run() takes no arguments so @github/local-action can call it from source.
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { Input, State } from './constants.js';
import { getInputs, type InputSource } from './inputs.js';
import { fetchOidcToken } from './signin/oidc.js';
import { Report } from './reporting/report.js';
import { unexpectedError } from './reporting/errors.js';
import { realClock } from './clock.js';
import { warmUp } from './azure/warm.js';
import { readRunContext, runLink } from './github/context.js';

const source: InputSource = {
  get: (name) => core.getInput(name),
  env: process.env,
  readFile: (path) => readFileSync(path, 'utf8'),
  setSecret: core.setSecret,
};

async function yamlParser(): Promise<(text: string) => unknown> {
  const maps = [Input.inputs, Input.outputs].map((name) => core.getInput(name).trim()).filter(Boolean);
  if (maps.every((raw) => raw.startsWith('{'))) return JSON.parse;
  const { load, CORE_SCHEMA } = await import('js-yaml');
  return (text) => load(text, { schema: CORE_SCHEMA });
}

/** The Azure half: dist/main/index.js next to this bundle, or main.ts when run from source. */
function loadMain(): Promise<typeof import('./main.js')> {
  const fromSource = new URL(import.meta.url).pathname.endsWith('.ts');
  return import(/* webpackIgnore: true */ fromSource ? './main.js' : import.meta.url.replace(/[^/]*$/, 'main/index.js'));
}

async function main(): Promise<void> {
  const started = Date.now();
  const report = new Report(core, Date.now, started);
  core.saveState(State.isPost, 'true');
  let inputs;
  try {
    inputs = getInputs(source, await yamlParser());
  } catch (err) {
    report.fail(err);
    const link = runLink(readRunContext());
    if (link) report.fact('Workflow run', link);
    await report.finish();
    process.exitCode = 1;
    return;
  }
  const prefetchedAssertion =
    inputs.authType === 'oidc' && process.env.ACTIONS_ID_TOKEN_REQUEST_URL ? fetchOidcToken(core.getIDToken, inputs.audience, core) : undefined;
  prefetchedAssertion?.catch(() => undefined);
  const warm = warmUp(inputs, process.env);
  // The event payload is read once the first requests are on their way.
  const github = readRunContext();
  const link = runLink(github);

  // A cancelled workflow gets SIGINT, then SIGTERM 7.5 s later: both stop the wait and cancel the job.
  const cancelled = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!cancelled.signal.aborted) core.info(`Received ${signal}: the workflow was cancelled.`);
    cancelled.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const { run, commentOnPullRequest } = await loadMain();
  await run(inputs, {
    core,
    report,
    env: process.env,
    run: github,
    clock: realClock,
    signal: cancelled.signal,
    prefetchedAssertion,
    warm,
    writeResponse: (name, content) => {
      const dir = join(process.env.RUNNER_TEMP || tmpdir(), `azureml-invoke-${github.runId ?? 'local'}-${process.pid}`);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, name);
      writeFileSync(file, content);
      return file;
    },
  });
  if (link) report.fact('Workflow run', link);
  await report.finish();
  if (report.failed) process.exitCode = 1;
  await commentOnPullRequest({
    mode: inputs.commentOnPr,
    token: inputs.githubToken,
    summary: report.markdown(),
    failed: report.failed,
    run: github,
    inputs,
    log: core,
  });
  // Everything is written; a library's stray keep-alive socket or timer must not hold the step open.
  setTimeout(() => process.exit(), 2_000).unref();
}

async function postStep(): Promise<void> {
  const pending = core.getState(State.pendingJob);
  if (!pending) return;
  let inputs;
  try {
    inputs = getInputs(source, await yamlParser());
  } catch (err) {
    core.warning(`Could not clean up job ${pending}: ${(err as Error).message}`);
    return;
  }
  const { post } = await loadMain();
  await post(inputs, JSON.parse(pending) as { name: string }, { log: core, setSecret: core.setSecret, getIdToken: core.getIDToken, env: process.env });
}

export async function run(): Promise<void> {
  const post = core.getState(State.isPost) === 'true';
  try {
    await (post ? postStep() : main());
  } catch (err) {
    // Nothing should reach here; if it does, fail loudly rather than succeed silently.
    const failure = unexpectedError(err, { phase: post ? 'the post step' : 'the main step, outside its run (loading, summary, comment)' });
    core.setFailed([failure.message, '', ...failure.details].join('\n'));
  }
}
