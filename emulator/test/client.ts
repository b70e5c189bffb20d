// In-process clients for the emulator tests: the real Azure SDK clients and a raw HTTPS helper,
// trusting the emulator's CA per request (NODE_EXTRA_CA_CERTS is read only at process start).
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import { ClientAssertionCredential, ClientSecretCredential } from '@azure/identity';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import type { Emulator } from '../src/index.js';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export function call(emu: Emulator, method: string, url: string, o: { headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const send = u.protocol === 'https:' ? request : httpRequest;
    const req = send(u, { method, headers: o.headers, ca: emu.caPem, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** The token endpoint, with a form body. */
export function tokenRequest(emu: Emulator, fields: Record<string, string>, tenant = emu.tenantId): Promise<Answer> {
  return call(emu, 'POST', `${emu.urls.login}/${tenant}/oauth2/v2.0/token`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

export async function githubToken(emu: Emulator, audience = 'api://AzureADTokenExchange'): Promise<string> {
  const r = await call(emu, 'GET', `${emu.oidcRequestUrl}&audience=${encodeURIComponent(audience)}`, {
    headers: { authorization: `Bearer ${emu.oidcRequestToken}` },
  });
  return r.json<{ value: string }>().value;
}

export function assertionGrant(emu: Emulator, assertion: string, scope = 'https://management.azure.com/.default', clientId = emu.identities[0].clientId) {
  return tokenRequest(emu, {
    client_id: clientId,
    scope,
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  });
}

const tls = (emu: Emulator) => ({ tlsOptions: { ca: emu.caPem } });

export function credential(emu: Emulator, identity = emu.identities[0].clientId) {
  return new ClientAssertionCredential(emu.tenantId, identity, () => githubToken(emu), {
    authorityHost: emu.urls.login,
    disableInstanceDiscovery: true,
    ...tls(emu),
  });
}

export function secretCredential(emu: Emulator, clientId: string, secret: string) {
  return new ClientSecretCredential(emu.tenantId, clientId, secret, { authorityHost: emu.urls.login, disableInstanceDiscovery: true, ...tls(emu) });
}

const arm = (emu: Emulator) => ({
  $host: emu.urls.management,
  endpoint: emu.urls.management,
  credentialScopes: ['https://management.azure.com/.default'],
  ...tls(emu),
});

export function mlClient(emu: Emulator, identity?: string) {
  return new AzureMachineLearningWorkspaces(credential(emu, identity), emu.subscriptionId, arm(emu));
}

export function authzClient(emu: Emulator, identity?: string) {
  return new AuthorizationManagementClient(credential(emu, identity), emu.subscriptionId, arm(emu));
}

/** An ML-audience or management token for the first identity, straight from the token endpoint. */
export async function accessToken(emu: Emulator, scope: string, identity = emu.identities[0].clientId): Promise<string> {
  const r = await assertionGrant(emu, await githubToken(emu), scope, identity);
  return r.json<{ access_token: string }>().access_token;
}

/** A batch job created through an endpoint's scoring URI, as a client invokes it; its name. */
export async function createBatchJob(emu: Emulator, endpoint = 'score-batch'): Promise<string> {
  const mlToken = await accessToken(emu, 'https://ml.azure.com/.default');
  const created = await call(emu, 'POST', `${emu.urls.inference}/${endpoint}/jobs`, {
    headers: { authorization: `Bearer ${mlToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ properties: { inputData: { d: { uri: 'https://x.blob.core.windows.net/d/', jobInputType: 'UriFolder' } } } }),
  });
  return created.json<{ name: string }>().name;
}

export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
}

/**
 * A request to an https URL through the emulator's CONNECT proxy (HTTPS_PROXY), as a client behind
 * a proxy makes it: CONNECT host:443, then TLS to that host name over the tunnel, trusting the CA.
 */
export function viaProxy(emu: Emulator, method: string, url: string, o: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const proxy = new URL(emu.proxyUrl);
    const connectReq = httpRequest({ host: proxy.hostname, port: proxy.port, method: 'CONNECT', path: `${u.hostname}:${u.port || 443}`, agent: false });
    connectReq.on('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        return resolve({ status: res.statusCode ?? 0, headers: res.headers, text: '', json: () => ({}) as never });
      }
      const secure = tlsConnect({ socket, servername: u.hostname, ca: emu.caPem });
      // Plain HTTP framing over the TLS socket the tunnel already carries.
      const req = httpRequest(
        { host: u.hostname, path: `${u.pathname}${u.search}`, method, headers: { host: u.host, ...o.headers }, createConnection: () => secure },
        (answer) => {
          let text = '';
          answer.setEncoding('utf8').on('data', (d: string) => (text += d));
          answer.on('end', () => {
            secure.destroy();
            resolve({ status: answer.statusCode ?? 0, headers: answer.headers, text, json: <T>() => JSON.parse(text) as T });
          });
        },
      );
      req.on('error', reject);
      req.end(o.body);
    });
    connectReq.on('error', reject);
    connectReq.end();
  });
}
