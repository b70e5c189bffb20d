// The requests sign-in makes for its first token, per authority, with the real @azure/identity and
// MSAL over a recording transport: where MSAL signs in and whether it reads the authority's OpenID
// configuration first, as warm.ts expects (it opens connections and reads ahead on that basis),
// and that a read made ahead answers MSAL's.
import { createHttpHeaders, type HttpClient, type PipelineRequest } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { createHttp } from '../../../src/azure/http.js';
import { msalAuthority, type ReadAhead } from '../../../src/azure/warm.js';
import { getInputs, type Inputs } from '../../../src/inputs.js';
import { createSession } from '../../../src/signin/signin.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const quiet = { info: () => undefined, warning: () => undefined, debug: () => undefined };
const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

function inputs(values: Record<string, string>): Inputs {
  const all: Record<string, string> = {
    'client-id': '99999999-2222-3333-4444-555555555555',
    'tenant-id': TENANT,
    'subscription-id': TENANT,
    'resource-group': 'rg',
    workspace: 'ws-main',
    'endpoint-type': 'online',
    endpoint: 'score',
    request: '{}',
    ...values,
  };
  return getInputs({ get: (name) => all[name] ?? '', env: {}, readFile: () => '', setSecret: () => undefined }, JSON.parse);
}

/** Signs in once over a transport that records each request and answers as Entra would. */
async function firstToken(i: Inputs, metadata?: ReadAhead): Promise<string[]> {
  const seen: string[] = [];
  const client: HttpClient = {
    sendRequest: (request: PipelineRequest) => {
      seen.push(`${request.method} ${request.url.split('?')[0]}`);
      const json = (body: object) =>
        Promise.resolve({ request, status: 200, headers: createHttpHeaders({ 'content-type': 'application/json' }), bodyAsText: JSON.stringify(body) });
      if (request.url.endsWith('/.well-known/openid-configuration')) return json(JSON.parse(configuration(request.url)) as object);
      return json({ token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: jwt({ oid: 'o', appid: 'a' }) });
    },
  };
  const http = { ...createHttp(quiet), client };
  const session = createSession(i, {
    http,
    log: quiet,
    setSecret: () => undefined,
    getIdToken: () => Promise.resolve(jwt({ exp: Math.floor(Date.now() / 1000) + 300 })),
    env: { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://github.invalid/idtoken' },
    metadata,
  });
  await session.token(i.cloud.armScope);
  return seen;
}

/** The OpenID configuration an authority serves (the fields MSAL checks). */
function configuration(url: string): string {
  const base = url.replace('/v2.0/.well-known/openid-configuration', '');
  return JSON.stringify({
    token_endpoint: `${base}/oauth2/v2.0/token`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    issuer: `${base}/v2.0`,
    jwks_uri: `${base}/discovery/v2.0/keys`,
  });
}

describe('the first token', () => {
  it.each([
    ['AzureCloud', { cloud: 'AzureCloud' }, 'https://login.microsoftonline.com', false],
    ['AzureUSGovernment', { cloud: 'AzureUSGovernment' }, 'https://login.microsoftonline.us', false],
    // Instance discovery sends China's sign-in to the host it prefers, whose configuration MSAL reads.
    ['AzureChinaCloud', { cloud: 'AzureChinaCloud' }, 'https://login.partner.microsoftonline.cn', true],
    ['an overridden authority-host', { 'authority-host': 'https://Login.Example.test' }, 'https://login.example.test', true],
    [
      'an overridden authority-host MSAL knows',
      { cloud: 'AzureChinaCloud', 'authority-host': 'https://login.chinacloudapi.cn' },
      'https://login.chinacloudapi.cn',
      false,
    ],
  ] as const)('%s: signs in at the host warm.ts expects, reading the configuration first only when it expects', async (_, values, host, reads) => {
    const i = inputs(values);
    const authority = msalAuthority(i);
    expect(authority.host.toLowerCase()).toBe(host);
    expect(authority.metadataUrl !== undefined).toBe(reads);
    const token = `POST ${host}/${TENANT}/oauth2/v2.0/token`;
    expect(await firstToken(i)).toEqual(reads ? [`GET ${authority.metadataUrl}`, token] : [token]);
    if (reads) {
      const url = authority.metadataUrl!;
      const ahead = { url, response: Promise.resolve({ status: 200, headers: { 'content-type': 'application/json' }, body: configuration(url) }) };
      expect(await firstToken(i, ahead)).toEqual([token]);
    }
  });

  it('a read ahead that failed is no answer: MSAL reads the configuration itself', async () => {
    const i = inputs({ 'authority-host': 'https://login.example.test' });
    const url = msalAuthority(i).metadataUrl!;
    const seen = await firstToken(i, { url, response: Promise.resolve({ status: 503, headers: {}, body: '' }) });
    expect(seen).toEqual([`GET ${url}`, `POST https://login.example.test/${TENANT}/oauth2/v2.0/token`]);
  });
});
