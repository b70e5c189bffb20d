// The step, main or post (the runner runs the same bundle for both; saved state tells them
// apart). This entry holds only what the first request needs: it reads the inputs, asks GitHub for
// the first OIDC token and, once that request has left, opens the connections the run will need
// (warm.ts) and loads the rest: the Azure half (dist/main/, built from step.ts so that unused parts
// of the Azure SDKs are shaken out of it), whose loading then overlaps those round trips. The
// report, the event payload and everything after are there too: none of it is needed before.
// run() takes no arguments so @github/local-action can call it from source.
import { readFileSync } from 'node:fs';
import * as core from '@actions/core';
import { Input, State } from './constants.js';
import { getInputs, type InputSource } from './inputs.js';
import { fetchOidcToken } from './signin/oidc.js';
import { afterItsRequest } from './signin/request-sent.js';
import { unexpectedError } from './reporting/errors.js';
import { warmUp } from './azure/warm.js';

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

/** The Azure half: dist/main/index.js next to this bundle, or step.ts when run from source. */
function loadStep(): Promise<typeof import('./step.js')> {
  const fromSource = new URL(import.meta.url).pathname.endsWith('.ts');
  return import(/* webpackIgnore: true */ fromSource ? './step.js' : import.meta.url.replace(/[^/]*$/, 'main/index.js'));
}

async function main(): Promise<void> {
  const started = Date.now();
  core.saveState(State.isPost, 'true');
  let inputs;
  try {
    inputs = getInputs(source, await yamlParser());
  } catch (err) {
    await (await loadStep()).refuseInputs(err, { core, started });
    return;
  }
  let prefetchedAssertion: Promise<string> | undefined;
  if (inputs.authType === 'oidc' && process.env.ACTIONS_ID_TOKEN_REQUEST_URL) {
    const { audience } = inputs;
    prefetchedAssertion = (await afterItsRequest(() => fetchOidcToken(core.getIDToken, audience, core))).work;
  }
  const warm = warmUp(inputs, process.env);
  const { step } = await loadStep();
  await step(inputs, { core, started, prefetchedAssertion, warm });
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
  const { post } = await loadStep();
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
