// startEmulator: builds the world, starts one listener per service and hands back the handle the
// tests use (types.ts is the contract).
import { rmSync } from 'node:fs';
import { armRoutes } from './arm.js';
import { dataPlaneRoutes } from './dataplane.js';
import { Faults } from './faults.js';
import { githubRest } from './github-rest.js';
import { githubClaims, identityRoutes, type Keys } from './identity.js';
import { toRecord } from './jobs.js';
import { newSigningKey, signJwt } from './jwt.js';
import { listen, makeHandler, text, type Listener } from './server.js';
import type { State } from './state.js';
import { makeTls } from './tls.js';
import { createBlobStore, STORAGE_SUFFIX } from './storage.js';
import { startProxy } from './proxy.js';
import { datastoreRoutes } from './datastores.js';
import { runRoutes, settle } from './runs.js';
import { createShaper } from './shapes.js';
import type { AnswerShape, Clock, ConnectionLogEntry, Emulator, FaultPlan, ProxyLogEntry, RequestLogEntry, Service, WorldSpec } from './types.js';
import { assign, buildWorld, DEFAULT_AUDIENCE, findIdentity } from './world.js';

export type * from './types.js';

const SERVICES: Service[] = ['github', 'login', 'management', 'inference', 'mlapi'];

function makeClock(kind: 'real' | 'manual'): Clock {
  if (kind === 'real') {
    return {
      now: () => Date.now(),
      advance: () => {
        throw new Error("clock.advance() needs a world with clock: 'manual'");
      },
    };
  }
  let t = Date.now();
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** Error bodies for injected faults, in each service's own shape. */
function faultBody(service: Service, status: number): { body: unknown; headers?: Record<string, string> } {
  const reason: Record<number, string> = {
    429: 'TooManyRequests',
    500: 'InternalServerError',
    502: 'BadGateway',
    503: 'ServiceUnavailable',
    504: 'GatewayTimeout',
  };
  if (service === 'login') {
    return {
      body: {
        error: 'temporarily_unavailable',
        error_description: `AADSTS90033: A transient error has occurred. Please try again.\r\nTrace ID: ${crypto.randomUUID()}`,
        error_codes: [90033],
      },
    };
  }
  if (service === 'github') return { body: { message: reason[status] } };
  return {
    body: {
      error: {
        code: reason[status] ?? 'Error',
        message: status === 429 ? 'The request is being throttled.' : 'The service is temporarily unavailable. Please retry.',
      },
    },
  };
}

export interface StartOptions {
  /** Listen on basePort, basePort+1, … (github, login, management, inference, mlapi, imds) instead of free ports. */
  basePort?: number;
  /** Write the CA to this folder (kept after close) instead of a temp one. */
  caDir?: string;
}

export async function startEmulator(spec: WorldSpec = {}, options: StartOptions = {}): Promise<Emulator> {
  const w = buildWorld(spec);
  const tls = await makeTls(options.caDir);
  const keys: Keys = { github: newSigningKey(`gh-${w.prng.hex(8)}`), entra: newSigningKey(`ms-${w.prng.hex(8)}`) };
  const clock = makeClock(spec.clock ?? 'real');
  const log: RequestLogEntry[] = [];
  const connections: ConnectionLogEntry[] = [];
  const store = createBlobStore({ w, keys, tls, log, now: clock.now });
  const state: State = {
    w,
    keys,
    clock,
    startedAt: clock.now(),
    jobs: [],
    nextJobPlans: [],
    repeatability: new Map(),
    settle: (job) => settle(state, store, job),
  };
  let faults = spec.faults ? new Faults(spec.faults, spec.seed ?? 1) : undefined;
  const roundTrip = (service: Service) => (typeof spec.latencyMs === 'number' ? spec.latencyMs : (spec.latencyMs?.[service] ?? 0));
  const github = githubRest({
    repository: spec.github?.repository,
    pullRequests: spec.github?.pullRequests,
    rateLimit: spec.github?.rateLimit,
    serverUrl: () => w.urls.github,
    now: clock.now,
  });
  let shapes: Record<string, AnswerShape> | undefined = spec.shapes;
  const lean = spec.lean ? { '*': { lean: true } } : undefined;
  const shaper = createShaper(
    () => shapes ?? lean,
    (ctx) => w.urls[ctx.service],
  );
  const handler = makeHandler({
    routes: [
      ...identityRoutes(w, keys),
      ...armRoutes(state),
      ...datastoreRoutes(state),
      ...dataPlaneRoutes(state),
      ...runRoutes(state),
      ...github.routes,
      ...shaper.routes,
    ],
    log,
    now: clock.now,
    faults: () => faults,
    faultBody,
    reshape: shaper.apply,
  });

  const listeners: Partial<Record<Service, Listener>> = {};
  const port = (i: number) => (options.basePort ? options.basePort + i : 0);
  const serve = (service: Service, i: number, secure: boolean) =>
    listen(handler, {
      tls: secure ? { key: tls.keyPem, cert: tls.certPem } : undefined,
      port: port(i),
      roundTripMs: roundTrip(service),
      onConnection: () => connections.push({ time: clock.now(), service }),
    });
  for (const [i, service] of SERVICES.entries()) listeners[service] = await serve(service, i, true);
  listeners.imds = await serve('imds', SERVICES.length, false);
  for (const [service, l] of Object.entries(listeners)) w.urls[service as Service] = l.url;
  const proxyLog: ProxyLogEntry[] = [];
  const proxy = await startProxy({
    tls: { key: tls.keyPem, cert: tls.certPem },
    isStorageHost: (host) => store.accountOf(host) !== undefined,
    ownPorts: () => Object.values(listeners).map((l) => Number(new URL(l.url).port)),
    storage: store.handle,
    log: proxyLog,
    now: clock.now,
    roundTripMs: roundTrip('storage'),
    onConnection: () => connections.push({ time: clock.now(), service: 'storage' }),
  });
  w.urls.storage = proxy.url;
  const accountNamed = (name: string) => {
    const a = w.storageAccounts.find((x) => x.name === name);
    if (!a) throw new Error(`no storage account '${name}'`);
    return a;
  };
  const oidcRequestUrl = `${w.urls.github}/_apis/distributedtask/hubs/Actions/plans/${w.prng.uuid()}/jobs/${w.prng.uuid()}/idtoken?api-version=2.0`;

  const emulator: Emulator = {
    url: w.urls.management,
    urls: w.urls,
    caFile: tls.caFile,
    caPem: tls.caPem,
    cloud: w.cloud,
    tenantId: w.tenantId,
    subscriptionId: w.subscriptionId,
    resourceGroup: w.resourceGroup,
    workspace: w.workspaces[0].name,
    identities: w.identities.map((i) => ({ name: i.name, clientId: i.clientId, objectId: i.objectId, kind: i.kind })),
    oidcRequestUrl,
    oidcRequestToken: spec.github!.requestToken!,
    world: spec,
    log,
    connections,
    clearLog: () => {
      log.splice(0, log.length);
      connections.splice(0, connections.length);
    },
    jobs: () => state.jobs.map((j) => toRecord(j, clock)),
    nextJobPlans: state.nextJobPlans,
    proxyUrl: proxy.url,
    proxyLog,
    storage: {
      accountUrl: (name) => `https://${accountNamed(name).name}.blob.${STORAGE_SUFFIX[w.cloud]}`,
      accountKey: (name) => accountNamed(name).key,
      accountId: (name) => accountNamed(name).id,
      datastore: (name) => {
        const d = w.datastores.find((x) => x.workspace === w.workspaces[0].name && x.name === name);
        if (!d) throw new Error(`no datastore '${name}'`);
        return { account: d.account, container: d.container };
      },
      list: (account, container, prefix) => store.list(account, container, prefix),
      read: async (account, container, blob) => {
        const r = await store.call('GET', account, `/${container}/${blob}`);
        if (r.status !== 200) throw new Error(`reading ${account}/${container}/${blob}: HTTP ${r.status}`);
        return r.body;
      },
      write: async (account, container, blob, content) => {
        const r = await store.call('PUT', account, `/${container}/${blob}`, { headers: { 'x-ms-blob-type': 'BlockBlob' }, body: content });
        if (r.status !== 201) throw new Error(`writing ${account}/${container}/${blob}: HTTP ${r.status}`);
      },
    },
    clock,
    setFaults: (plan: FaultPlan | undefined) => {
      faults = plan ? new Faults(plan, spec.seed ?? 1) : undefined;
    },
    setShapes: (next) => {
      shapes = next;
    },
    shapeLog: shaper.log,
    setRoles: (identity, roles) => {
      const rec = findIdentity(w, identity);
      if (!rec) throw new Error(`no identity '${identity}'`);
      assign(w, rec, roles);
    },
    env: () => ({
      ACTIONS_ID_TOKEN_REQUEST_URL: oidcRequestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: spec.github!.requestToken!,
      GITHUB_API_URL: `${w.urls.github}/api/v3`,
      NODE_EXTRA_CA_CERTS: tls.caFile,
      HTTPS_PROXY: proxy.url,
      NO_PROXY: '127.0.0.1,localhost',
    }),
    actionInputs: (identity) => {
      const rec = identity ? findIdentity(w, identity) : w.identities[0];
      if (!rec) throw new Error(`no identity '${identity}'`);
      return {
        'tenant-id': w.tenantId,
        'client-id': rec.clientId,
        'subscription-id': w.subscriptionId,
        'resource-group': w.resourceGroup,
        workspace: w.workspaces[0].name,
        'authority-host': w.urls.login,
        'resource-manager-endpoint': w.urls.management,
        ...(w.cloud !== 'AzureCloud' ? { cloud: w.cloud } : {}),
      };
    },
    secrets: () => [
      ...w.issued,
      ...w.onlineEndpoints.flatMap((e) => [e.keys.primaryKey, e.keys.secondaryKey]),
      ...w.identities.flatMap((i) => i.secrets),
      ...w.storageAccounts.map((a) => a.key),
      spec.github!.requestToken!,
      ...github.secrets(),
    ],
    githubApiUrl: `${w.urls.github}/api/v3`,
    githubToken: github.token,
    pullRequestComments: github.comments,
    githubReplies: github.replies,
    mintGithubToken: (claims = {}) => signJwt(keys.github, githubClaims(w, claims.aud === undefined ? DEFAULT_AUDIENCE : text(claims.aud), claims)),
    close: async () => {
      await Promise.all([...Object.values(listeners).map((l) => l.close()), proxy.close(), store.close()]);
      if (tls.dir) rmSync(tls.dir, { recursive: true, force: true });
    },
  };
  return emulator;
}
