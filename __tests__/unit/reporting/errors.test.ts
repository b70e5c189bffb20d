// The unexpected-error path, kept for real bugs: it names the phase the run was in and the last
// request it sent (never a query, where SAS tokens and codes travel), so a report is enough to find it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { trackPhases, unexpectedError, type Whereabouts } from '../../../src/reporting/errors.js';
import { Report, type CoreLike } from '../../../src/reporting/report.js';
import { createHttp, requestLine } from '../../../src/azure/http.js';

const quiet = { info: () => undefined, warning: () => undefined, debug: () => undefined };

describe('unexpectedError', () => {
  it('names the phase and the last request in its first line, and says it is a bug', () => {
    const err = unexpectedError(new TypeError("Cannot read properties of undefined (reading 'split')"), {
      phase: "'Permissions'",
      lastRequest: 'GET https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/datastores/ds',
    });
    expect(err.message).toBe(
      "azureml-invoke stopped on an unexpected error (in 'Permissions', after GET https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/datastores/ds): Cannot read properties of undefined (reading 'split')",
    );
    expect(err.details[0]).toMatch(/^This is a bug in the action; please report it with this message/);
  });

  it('before any request, says so', () => {
    expect(unexpectedError('boom', { phase: "the set-up before 'Sign in'", lastRequest: null }).message).toBe(
      "azureml-invoke stopped on an unexpected error (in the set-up before 'Sign in', before any request): boom",
    );
    expect(unexpectedError('boom').message).toBe('azureml-invoke stopped on an unexpected error: boom');
    // Where the last request is not known (the post step), nothing is said of it.
    expect(unexpectedError('boom', { phase: 'the post step' }).message).toBe('azureml-invoke stopped on an unexpected error (in the post step): boom');
  });
});

describe('Report.fail', () => {
  it('an error nobody explained is reported with where the run was; an explained one is left as it is', () => {
    const errors: string[] = [];
    const core: CoreLike = {
      ...quiet,
      setOutput: () => undefined,
      error: (m) => errors.push(m),
      isDebug: () => false,
      summary: { addRaw: () => undefined, write: () => Promise.resolve() },
    };
    new Report(core, () => 0).fail(new TypeError('x is undefined'), { phase: "the step after 'Create the job'", lastRequest: 'POST https://h/jobs' });
    expect(errors[0].split('\n')[0]).toBe(
      "azureml-invoke stopped on an unexpected error (in the step after 'Create the job', after POST https://h/jobs): x is undefined",
    );
  });
});

describe('trackPhases', () => {
  it('the phase is the log group open, then the step after it; one that throws stays the phase', async () => {
    const where: Whereabouts = {};
    const core = trackPhases({ group: <T>(_: string, fn: () => Promise<T>) => fn(), info: () => undefined }, where);
    let inside: string | undefined;
    await core.group('Create the job', () => Promise.resolve((inside = where.phase)));
    expect(inside).toBe("'Create the job'");
    expect(where.phase).toBe("the step after 'Create the job'");
    await expect(core.group('Outputs', () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(where.phase).toBe("'Outputs'");
  });
});

describe('requestLine', () => {
  it.each([
    ['https://st.blob.core.windows.net/c/a.csv?sv=2021&sig=SECRET', 'PUT https://st.blob.core.windows.net/c/a.csv'],
    ['https://login.example/t/oauth2/v2.0/token#frag', 'PUT https://login.example/t/oauth2/v2.0/token'],
    ['not a url?code=SECRET', 'PUT not a url'],
  ])('%s', (url, line) => expect(requestLine('PUT', url)).toBe(line));
});

describe('createHttp', () => {
  it('keeps the last request it sent, without its query', async () => {
    const server = createServer((_, res) => res.end('{}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const http = createHttp(quiet);
      expect(http.lastRequest()).toBeUndefined();
      await http.client.sendRequest(
        createPipelineRequest({ url: `http://127.0.0.1:${port}/jobs/j1?sig=SECRET`, method: 'GET', allowInsecureConnection: true }),
      );
      expect(http.lastRequest()).toBe(`GET http://127.0.0.1:${port}/jobs/j1`);
    } finally {
      server.close();
    }
  });
});
