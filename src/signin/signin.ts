// Signing in: builds the @azure/identity credential the auth type asks for and hands out tokens —
// masked the moment they exist, one request per scope however many clients ask at once, and every
// failure translated into what to do.
import {
  AzureCliCredential,
  ClientAssertionCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type AccessToken,
  type GetTokenOptions,
  type TokenCredential,
} from '@azure/identity';
import { ActionError, describeThrown } from '../reporting/errors.js';
import type { Inputs } from '../inputs.js';
import type { Credentials } from './inputs.js';
import { claim, decodeClaims, describeAccessToken, type Claims } from './jwt.js';
import { fetchOidcToken, missingIdTokenError, type GetIdToken } from './oidc.js';
import type { Principal } from '../permissions/permissions.js';
import { translateSignInError } from './signin-errors.js';
import type { Http, Log } from '../azure/http.js';
import type { ReadAhead } from '../azure/warm.js';
import { createHttpHeaders, type PipelinePolicy } from '@azure/core-rest-pipeline';

export interface Session {
  /** For Azure SDK clients: masked, shared per scope, failures translated. */
  credential: TokenCredential;
  /** A bearer token for one scope. */
  token(scope: string, options?: GetTokenOptions): Promise<string>;
  /** Who signed in, from the claims of the tokens received so far. */
  principal: Principal;
}

export interface SessionDeps {
  http: Http;
  log: Log;
  setSecret(value: string): void;
  getIdToken: GetIdToken;
  env: Record<string, string | undefined>;
  /** The first GitHub OIDC token, requested while the libraries loaded. */
  prefetchedAssertion?: Promise<string>;
  /** The authority's OpenID configuration, read at the same time (warm.ts). */
  metadata?: ReadAhead;
}

/**
 * Answers MSAL's read of the authority's metadata with the response read ahead, when that was a
 * 200; anything else goes to the network as MSAL asked (it then reports the failure itself).
 */
function readAheadPolicy(ahead: ReadAhead): PipelinePolicy {
  return {
    name: 'azureml-invoke-read-ahead',
    async sendRequest(request, next) {
      if (request.method === 'GET' && request.url.toLowerCase() === ahead.url) {
        const answer = await ahead.response;
        if (answer?.status === 200) return { request, status: 200, headers: createHttpHeaders(answer.headers), bodyAsText: answer.body };
      }
      return next(request);
    },
  };
}

/** The @azure/identity credential for an auth type, as plain data (tested at this seam). */
export type CredentialPlan =
  | { kind: 'ClientAssertionCredential'; tenantId: string; clientId: string }
  | { kind: 'ClientSecretCredential'; tenantId: string; clientId: string; clientSecret: string }
  | { kind: 'ManagedIdentityCredential'; clientId?: string }
  | { kind: 'AzureCliCredential'; tenantId?: string };

export function planCredential(inputs: Credentials): CredentialPlan {
  switch (inputs.authType) {
    case 'oidc':
      return { kind: 'ClientAssertionCredential', tenantId: inputs.tenantId, clientId: inputs.clientId };
    case 'client-secret':
      return { kind: 'ClientSecretCredential', tenantId: inputs.tenantId, clientId: inputs.clientId, clientSecret: inputs.clientSecret };
    case 'managed-identity':
      return inputs.clientId ? { kind: 'ManagedIdentityCredential', clientId: inputs.clientId } : { kind: 'ManagedIdentityCredential' };
    case 'azure-cli':
      return inputs.tenantId ? { kind: 'AzureCliCredential', tenantId: inputs.tenantId } : { kind: 'AzureCliCredential' };
  }
}

/** An OIDC token this young is handed to MSAL again rather than fetched anew. */
const REUSE_ASSERTION_MS = 10_000;

/** Refresh a shared token this long before it expires. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * The GitHub OIDC token MSAL presents as its client assertion: the prefetched one first, then
 * fresh ones; remembers the last one's claims and any failure, for the sign-in diagnosis.
 */
function assertionSource(inputs: Inputs, deps: SessionDeps) {
  const state: { last?: Claims; failure?: unknown } = {};
  let prefetched = deps.prefetchedAssertion;
  let recent: { token: string; at: number; exp: number } | undefined;
  let inflight: Promise<string> | undefined;
  const fetchAssertion = async (): Promise<string> => {
    const pending = prefetched;
    prefetched = undefined;
    try {
      const token = await (pending ?? fetchOidcToken(deps.getIdToken, inputs.audience, deps.log));
      state.last = decodeClaims(token);
      recent = { token, at: Date.now(), exp: Number(state.last?.exp ?? 0) * 1000 };
      deps.log.debug(`GitHub OIDC token: iss=${claim(state.last, 'iss')} sub=${claim(state.last, 'sub')} aud=${claim(state.last, 'aud')}`);
      return token;
    } catch (err) {
      state.failure = err;
      throw err;
    }
  };
  const get = (): Promise<string> => {
    // MSAL asks for the assertion twice for each token it requests (once for the request, once
    // for its client configuration): a token fetched moments ago, far from expiry, serves both.
    // Anything older is fetched fresh, so a job polled for hours never presents an expired one.
    // Tokens asked for at once (a batch run's two) share one GitHub request.
    const now = Date.now();
    if (recent && now - recent.at < REUSE_ASSERTION_MS && recent.exp - now > 60_000) return Promise.resolve(recent.token);
    inflight ??= fetchAssertion().finally(() => (inflight = undefined));
    return inflight;
  };
  return { get, state };
}

/** The @azure/identity credential of the plan, its requests on the action's own HTTP stack. */
function buildCredential(inputs: Inputs, deps: SessionDeps, getAssertion: () => Promise<string>): TokenCredential {
  const pipeline = deps.http.newReadPipeline();
  if (deps.metadata) pipeline.addPolicy(readAheadPolicy(deps.metadata));
  const common = {
    authorityHost: inputs.authorityHost,
    // Instance discovery asks login.microsoftonline.com about the authority; an overridden
    // authority (air-gapped cloud, emulator) must not depend on it.
    disableInstanceDiscovery: inputs.customAuthority,
    httpClient: deps.http.client,
    // Token requests go through the action's own pipeline (http.ts says why), so they retry and
    // log as every other request does. @azure/identity hands its options to core-client's
    // ServiceClient, which uses a pipeline it is given in place of building its default one.
    pipeline,
    // Only a managed identity reads this: its IMDS retries stay off, as ours already retries.
    retryOptions: { maxRetries: 0 },
  };
  const plan = planCredential(inputs);
  switch (plan.kind) {
    case 'ClientAssertionCredential':
      return new ClientAssertionCredential(plan.tenantId, plan.clientId, getAssertion, common);
    case 'ClientSecretCredential':
      return new ClientSecretCredential(plan.tenantId, plan.clientId, plan.clientSecret, common);
    case 'ManagedIdentityCredential':
      return plan.clientId ? new ManagedIdentityCredential(plan.clientId, common) : new ManagedIdentityCredential(common);
    case 'AzureCliCredential':
      return new AzureCliCredential(plan.tenantId ? { tenantId: plan.tenantId } : {});
  }
}

export function createSession(inputs: Inputs, deps: SessionDeps): Session {
  const { log } = deps;
  if (inputs.authType === 'oidc' && !deps.env.ACTIONS_ID_TOKEN_REQUEST_URL) throw missingIdTokenError(deps.env);
  if (inputs.authType === 'client-secret') {
    log.warning(
      'auth-type client-secret works, but a stored secret can leak and expires: prefer auth-type oidc with a federated credential (no secret at all).',
    );
  }
  const assertion = assertionSource(inputs, deps);
  const inner = buildCredential(inputs, deps, assertion.get);
  const principal: Principal = {};
  const cache = new Map<string, Promise<AccessToken>>();

  const fetch = (scope: string, options?: GetTokenOptions): Promise<AccessToken> =>
    inner.getToken(scope, { abortSignal: options?.abortSignal }).then(
      (token) => {
        if (!token) throw new ActionError('signin', `Sign-in returned no token for ${scope}.`);
        deps.setSecret(token.token);
        const claims = decodeClaims(token.token);
        principal.objectId = claim(claims, 'oid') ?? principal.objectId;
        principal.clientId = claim(claims, 'appid') ?? claim(claims, 'azp') ?? principal.clientId ?? inputs.clientId;
        log.debug(`Token for ${scope}: ${describeAccessToken(claims)}`);
        return token;
      },
      (err: unknown) => {
        if (assertion.state.failure instanceof ActionError) throw assertion.state.failure;
        if (err instanceof ActionError) throw err;
        throw translateSignInError(describeThrown(err), {
          authType: inputs.authType,
          clientId: inputs.clientId,
          tenantId: inputs.tenantId,
          audience: inputs.audience,
          cloud: inputs.cloud.name,
          assertion: assertion.state.last,
        });
      },
    );

  const getShared = async (scope: string, options?: GetTokenOptions): Promise<AccessToken> => {
    const cached = cache.get(scope);
    if (cached) {
      const token = await cached.catch(() => undefined);
      if (token && token.expiresOnTimestamp - Date.now() > REFRESH_MARGIN_MS) return token;
    }
    const pending = fetch(scope, options);
    cache.set(scope, pending);
    pending.catch(() => cache.delete(scope));
    return pending;
  };

  return {
    principal,
    credential: {
      getToken: (scopes: string | string[], options?: GetTokenOptions) => getShared(Array.isArray(scopes) ? scopes[0] : scopes, options),
    },
    token: async (scope, options) => (await getShared(scope, options)).token,
  };
}
