// Connections opened ahead. The entry step calls warmUp as it sends the first GitHub OIDC request,
// before the Azure libraries load: the TCP and TLS handshakes to the hosts the inputs name (two
// round trips each on a real link) then happen while the token is on its way and the libraries
// compile, not after. When MSAL does not hold the authority's OpenID configuration (an overridden
// authority-host, or China's), it reads it before its first token request: that is read at the
// same time. Everything here is node:https: nothing from the Azure SDKs loads early.
//
// The Azure half of the run sends every request through `agent` (http.ts), a keep-alive agent
// that hands its first requests to each origin the connections opened for them. Nothing is opened
// ahead to a host the proxy of HTTPS_PROXY takes (requests to it go through the proxy's own
// agent); hosts NO_PROXY exempts are opened as usual.
import { Agent, request, type RequestOptions } from 'node:https';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Inputs } from '../inputs.js';

/** A response read ahead: what MSAL would have read itself. */
export interface ReadAhead {
  url: string;
  response: Promise<{ status: number; headers: Record<string, string>; body: string } | undefined>;
}

export interface Warm {
  /** Keep-alive agent for every https request of the run, connections opened ahead first. */
  agent: Agent;
  /** Opens `count` connections to the origin of url now, for requests about to be sent there. */
  preconnect(url: string, count?: number): void;
  /** The authority's OpenID configuration, when MSAL will read it. */
  metadata?: ReadAhead;
}

/**
 * Whether the action's pipelines (core-rest-pipeline's proxyPolicy) send a request to url through
 * a proxy: HTTPS_PROXY, ALL_PROXY or HTTP_PROXY (each upper case first) is set, and no NO_PROXY
 * entry names the host (an entry with a leading dot names the domain and every host below it).
 * Written out here because the entry step must not load the pipeline; warm.test.ts checks it
 * against proxyPolicy itself.
 */
export function isProxied(url: string, env: Record<string, string | undefined>): boolean {
  const value = (name: string) => env[name] || env[name.toLowerCase()];
  if (!(value('HTTPS_PROXY') || value('ALL_PROXY') || value('HTTP_PROXY'))) return false;
  const host = new URL(url).hostname;
  const exempt = (value('NO_PROXY') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .some((entry) => entry && (entry.startsWith('.') ? host.endsWith(entry) || host === entry.slice(1) : host === entry));
  return !exempt;
}

/** Hosts whose OpenID configuration MSAL holds (msal-common's AuthorityMetadata), of the ones used here. */
const MSAL_KNOWS_METADATA = ['https://login.microsoftonline.com', 'https://login.microsoftonline.us', 'https://login.chinacloudapi.cn'];

/**
 * Where MSAL will send the sign-in requests, and the OpenID configuration it will read first, if
 * any. A named cloud's own authority goes through instance discovery, which moves China's to
 * another host; an overridden authority-host is taken as it is. A tenant named by its domain is
 * left to MSAL: the document is the same, but the URL MSAL resolves may differ.
 * __tests__/unit/signin/authority.test.ts runs MSAL to check both for every case.
 */
export function msalAuthority(inputs: Pick<Inputs, 'authorityHost' | 'customAuthority' | 'cloud' | 'tenantId'>): { host: string; metadataUrl?: string } {
  const host = inputs.customAuthority ? inputs.authorityHost : inputs.cloud.signInHost;
  if (MSAL_KNOWS_METADATA.includes(host)) return { host };
  return { host, metadataUrl: `${host}/${inputs.tenantId}/v2.0/.well-known/openid-configuration`.toLowerCase() };
}

/**
 * What to open ahead for these inputs: the metadata to read, if MSAL will (its connection then
 * serves the first token request), and the connections to open beside it, per origin.
 */
export function warmPlan(inputs: Inputs): { metadataUrl?: string; connections: { url: string; count: number }[] } {
  const connections: { url: string; count: number }[] = [];
  const entra = inputs.authType === 'oidc' || inputs.authType === 'client-secret';
  const authority = entra ? msalAuthority(inputs) : undefined;
  if (authority) {
    // A batch run asks for its resource manager and ML tokens at once; an online run for one.
    const tokens = inputs.endpointType === 'batch' && inputs.checkPermissions !== 'only' && !inputs.jobName ? 2 : 1;
    const count = tokens - (authority.metadataUrl ? 1 : 0);
    if (count > 0) connections.push({ url: authority.host, count });
  }
  // The endpoint and the permissions are read at once unless the check is off.
  connections.push({ url: inputs.resourceManagerEndpoint, count: inputs.checkPermissions === 'false' ? 1 : 2 });
  return { metadataUrl: authority?.metadataUrl, connections };
}

/** Hands the connections opened ahead for an origin to its first requests; others connect as usual. */
class WarmAgent extends Agent {
  private readonly ready = new Map<string, TLSSocket[]>();

  preconnect(url: string, count: number): void {
    const u = new URL(url);
    if (u.protocol !== 'https:') return;
    const port = Number(u.port || 443);
    const options: ConnectionOptions = { host: u.hostname, port, ...(isIP(u.hostname) ? {} : { servername: u.hostname }) };
    const key = `${u.hostname}:${port}`;
    for (let i = 0; i < count; i++) {
      const socket = connect(options);
      // Until a request takes it, it must not hold the process open, nor crash it by failing.
      socket.unref();
      socket.on('error', () => undefined);
      this.ready.set(key, [...(this.ready.get(key) ?? []), socket]);
    }
  }

  createConnection(options: RequestOptions, callback?: (err: Error | null, socket: Duplex) => void): Duplex | null | undefined {
    const list = this.ready.get(`${options.host}:${options.port}`);
    // Only for requests with the default TLS settings, which the connection was opened with.
    const plain = !options.ca && !options.cert && !options.key && !options.pfx && options.rejectUnauthorized !== false;
    let socket: TLSSocket | undefined;
    while (plain && list?.length && !socket) {
      const next = list.shift();
      if (next && !next.destroyed) socket = next;
    }
    if (!socket) return super.createConnection(options, callback);
    socket.ref();
    return socket;
  }
}

/** Reads url through the agent: status, headers and body (undefined if it fails). */
function readAhead(url: string, agent: Agent): ReadAhead {
  const response = new Promise<Awaited<ReadAhead['response']>>((resolve) => {
    const req = request(url, { agent, headers: { accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', () => resolve(undefined));
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
  return { url, response };
}

/** Opens what the inputs will need, except to hosts a proxy takes. */
export function warmUp(inputs: Inputs, env: Record<string, string | undefined>): Warm {
  const agent = new WarmAgent({ keepAlive: true });
  const direct = (url: string) => !isProxied(url, env);
  const preconnect = (url: string, count = 1) => {
    if (direct(url)) agent.preconnect(url, count);
  };
  const plan = warmPlan(inputs);
  const metadata = plan.metadataUrl && direct(plan.metadataUrl) ? readAhead(plan.metadataUrl, agent) : undefined;
  for (const { url, count } of plan.connections) preconnect(url, count);
  return { agent, preconnect, metadata };
}
