// warm.ts opens connections ahead only to hosts no proxy takes, deciding that without loading the
// pipeline. Its decision must be the pipeline's own: each case runs core-rest-pipeline's
// proxyPolicy in a node process of its own (the policy reads NO_PROXY once per process) with the
// case's environment, and compares.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isProxied } from '../../../src/azure/warm.js';
import { ROOT } from '../../../scripts/runner.js';

const URLS = [
  'https://login.microsoftonline.com/t/oauth2/v2.0/token',
  'https://management.azure.com/subscriptions',
  'https://score.westeurope.inference.ml.azure.com/score',
  'https://127.0.0.1:8443/x',
  'https://azure.com/',
];

/** For each of URLS, whether proxyPolicy gave its request a proxy's agent, in a process with env. */
function pipelineDecisions(env: Record<string, string>): boolean[] {
  const script = `
    import { createPipelineRequest, proxyPolicy } from '@azure/core-rest-pipeline';
    const policy = proxyPolicy();
    const out = [];
    for (const url of ${JSON.stringify(URLS)}) {
      const request = createPipelineRequest({ url });
      await policy.sendRequest(request, async (r) => ({ request: r, status: 200, headers: undefined }));
      out.push(request.agent !== undefined);
    }
    console.log(JSON.stringify(out));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  return JSON.parse(out) as boolean[];
}

describe('isProxied', () => {
  it.each<[string, Record<string, string>]>([
    ['no proxy', {}],
    ['HTTPS_PROXY', { HTTPS_PROXY: 'http://127.0.0.1:3128' }],
    ['https_proxy (lower case)', { https_proxy: 'http://127.0.0.1:3128' }],
    ['ALL_PROXY', { ALL_PROXY: 'http://127.0.0.1:3128' }],
    ['HTTP_PROXY', { HTTP_PROXY: 'http://127.0.0.1:3128' }],
    ['NO_PROXY of exact hosts', { HTTPS_PROXY: 'http://127.0.0.1:3128', NO_PROXY: '127.0.0.1, localhost,management.azure.com' }],
    ['no_proxy (lower case) with a domain', { HTTPS_PROXY: 'http://127.0.0.1:3128', no_proxy: '.azure.com' }],
    ['NO_PROXY naming a domain without its dot', { HTTPS_PROXY: 'http://127.0.0.1:3128', NO_PROXY: 'azure.com,ml.azure.com' }],
    ['an empty NO_PROXY', { HTTPS_PROXY: 'http://127.0.0.1:3128', NO_PROXY: '' }],
  ])('%s: the same as proxyPolicy', (_, env) => {
    const ours = URLS.map((url) => isProxied(url, env));
    expect(ours).toEqual(pipelineDecisions(env));
  });
});
