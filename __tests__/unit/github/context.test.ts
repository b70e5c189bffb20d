import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { context } from '@actions/github';
import { Context } from '../../../node_modules/@actions/github/lib/context.js';
import { readRunContext, runLink } from '../../../src/github/context.js';
import { newInvocation } from '../../../src/batch/batch.js';
import { JobTag } from '../../../src/constants.js';
import { pullRequestEvent, pushEvent } from '../../github-events.js';

const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

const dir = mkdtempSync(join(tmpdir(), 'run-context-'));
/** The environment a runner gives a step for this event (and nothing else of GitHub's). */
function runner(env: Record<string, string>, event?: { name: string; payload: unknown }): void {
  for (const k of Object.keys(process.env)) if (/^GITHUB_/.test(k)) delete process.env[k];
  Object.assign(process.env, env);
  if (event) {
    const file = join(dir, `${event.name}-${Math.random()}.json`);
    writeFileSync(file, JSON.stringify(event.payload));
    Object.assign(process.env, { GITHUB_EVENT_NAME: event.name, GITHUB_EVENT_PATH: file });
  }
}

describe('readRunContext', () => {
  it('reads through the Context class github.context is made from (imported by path, without Octokit)', () => {
    expect(context).toBeInstanceOf(Context);
  });

  it('gives the repository, run, attempt and their link, on GitHub Enterprise Server too', () => {
    runner({
      GITHUB_REPOSITORY: 'contoso/scoring',
      GITHUB_RUN_ID: '4242',
      GITHUB_RUN_ATTEMPT: '3',
      GITHUB_SERVER_URL: 'https://ghes.contoso.test/',
      GITHUB_API_URL: 'https://ghes.contoso.test/api/v3',
      GITHUB_JOB: 'score',
      GITHUB_WORKFLOW: 'Nightly',
      GITHUB_SHA: 'ffac537e6cbbf934b08745a378932722df287a53',
      GITHUB_REF: 'refs/heads/main',
    });
    const run = readRunContext();
    expect(run).toMatchObject({
      repository: 'contoso/scoring',
      runId: 4242,
      runAttempt: 3,
      serverUrl: 'https://ghes.contoso.test',
      apiUrl: 'https://ghes.contoso.test/api/v3',
      job: 'score',
      workflow: 'Nightly',
      runUrl: 'https://ghes.contoso.test/contoso/scoring/actions/runs/4242/attempts/3',
    });
    expect(runLink(run)).toBe('[run 4242, attempt 3](https://ghes.contoso.test/contoso/scoring/actions/runs/4242/attempts/3) (job `score`)');
    expect(newInvocation(run).tags).toMatchObject({ [JobTag.repository]: 'contoso/scoring', [JobTag.runId]: '4242', [JobTag.runAttempt]: '3' });
  });

  it("off a runner: github.com's URLs, and no run, link or tags it does not know (never NaN)", () => {
    runner({});
    const run = readRunContext();
    expect(run).toMatchObject({ serverUrl: 'https://github.com', apiUrl: 'https://api.github.com' });
    expect([run.repository, run.runId, run.runAttempt, run.runUrl, run.pullRequest]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(runLink(run)).toBeUndefined();
    expect(Object.keys(newInvocation(run).tags)).toEqual([JobTag.invocationId]);
  });

  it('knows the pull request of pull_request and pull_request_target events, and whether it comes from a fork', () => {
    const cases = [
      [pullRequestEvent(), false, 'Codertocat/Hello-World'],
      [pullRequestEvent({ fork: 'fork' }), true, 'contributor/Hello-World'],
      [pullRequestEvent({ fork: 'fork', target: true }), true, 'contributor/Hello-World'],
      [pullRequestEvent({ fork: 'deleted' }), true, undefined],
    ] as const;
    for (const [e, fromFork, headRepository] of cases) {
      runner(e.env, e.event);
      expect(readRunContext().pullRequest, e.event.name).toEqual({
        number: 2,
        url: 'https://github.com/Codertocat/Hello-World/pull/2',
        baseRepository: 'Codertocat/Hello-World',
        headRepository,
        fromFork,
        author: 'Codertocat',
      });
    }
  });

  it('has no pull request on other events, and takes the repository from the payload when the variable is missing', () => {
    const e = pushEvent();
    runner({}, e.event);
    const run = readRunContext();
    expect(run.eventName).toBe('push');
    expect(run.pullRequest).toBeUndefined();
    expect(run.repository).toBe('Codertocat/Hello-World');
  });
});
