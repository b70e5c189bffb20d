// The Azure half's entry (dist/main/index.js): everything of the main step that the first GitHub
// OIDC request does not need, loaded by action.ts once that request is on its way: the report,
// the workflow run's context (the event payload), the cancel signals, the phases (main.ts), the
// pull-request comment. Also the post step's cleanup.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Inputs } from './inputs.js';
import { run, type MainCore } from './main.js';
import { Report } from './reporting/report.js';
import { realClock } from './clock.js';
import { readRunContext, runLink } from './github/context.js';
import { commentOnPullRequest } from './github/comment.js';
import type { Warm } from './azure/warm.js';

export { post } from './post.js';

export interface StepStart {
  core: MainCore;
  /** Date.now() when the step started. */
  started: number;
  prefetchedAssertion?: Promise<string>;
  warm?: Warm;
}

/** An input was refused: the report says which, and the step fails. */
export async function refuseInputs(err: unknown, { core, started }: StepStart): Promise<void> {
  const report = new Report(core, Date.now, started);
  report.fail(err);
  const link = runLink(readRunContext());
  if (link) report.fact('Workflow run', link);
  await report.finish();
  process.exitCode = 1;
}

/** The main step, from the inputs parsed and the first OIDC token requested. */
export async function step(inputs: Inputs, { core, started, prefetchedAssertion, warm }: StepStart): Promise<void> {
  const report = new Report(core, Date.now, started);
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
