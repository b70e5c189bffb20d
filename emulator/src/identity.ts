// Who may call, and as whom: GitHub's OIDC token service, Microsoft Entra (metadata, instance
// discovery, the v2.0 token endpoint for federated-assertion and secret grants), IMDS for managed
// identities, and the bearer-token check every resource manager and data plane route runs.
import { randomUUID } from 'node:crypto';
import { decodeJwt, jwk, signJwt, type Claims, type SigningKey } from './jwt.js';
import { text, type Ctx, type Route } from './server.js';
import { STORAGE_AUDIENCES } from './storage.js';
import { DEFAULT_AUDIENCE, DEFAULT_REF, DEFAULT_REPOSITORY, findIdentity, GITHUB_ISSUER, githubSubject, type IdentityRec, type World } from './world.js';

export interface Keys {
  github: SigningKey;
  entra: SigningKey;
}

export interface Caller {
  identity: IdentityRec;
  claims: Claims;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Entra's timestamp format: "2022-10-27 23:39:22Z". */
function entraTime(d = new Date()): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/**
 * Entra's error body (Azure/azure-workload-identity#616, #1200; shapes in the research notes):
 * error, error_description with the Trace/Correlation/Timestamp trailer, error_codes, …
 */
export function entraError(ctx: Ctx, status: number, error: string, code: number, text: string, extra: Record<string, unknown> = {}): void {
  const trace = randomUUID();
  const correlation = randomUUID();
  const ts = entraTime();
  ctx.json(status, {
    error,
    error_description: `AADSTS${code}: ${text}\r\nTrace ID: ${trace}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${ts}`,
    error_codes: [code],
    timestamp: ts,
    trace_id: trace,
    correlation_id: correlation,
    error_uri: `${ctx.url.protocol}//${ctx.url.host}/error?code=${code}`,
    ...extra,
  });
}

/** GitHub's OIDC claims (docs.github.com, "About security hardening with OpenID Connect"). */
export function githubClaims(w: World, audience: string, overrides: Claims = {}): Claims {
  const g = w.spec.github ?? {};
  const repository = g.repository ?? DEFAULT_REPOSITORY;
  const ref = g.ref ?? DEFAULT_REF;
  const iat = nowSeconds();
  return {
    jti: randomUUID(),
    sub: githubSubject(w.spec),
    aud: audience,
    ref,
    sha: 'd6bfd0a3b3fa2b4f7f43dd96b8b0b5cf1f7c4e21',
    repository,
    repository_owner: repository.split('/')[0],
    repository_visibility: 'private',
    run_id: '4242',
    run_number: '17',
    run_attempt: '1',
    actor: 'octocat',
    workflow: 'nightly-scoring',
    head_ref: '',
    base_ref: '',
    event_name: 'workflow_dispatch',
    ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    job_workflow_ref: `${repository}/.github/workflows/nightly.yml@${ref}`,
    ...(g.environment ? { environment: g.environment } : {}),
    iss: GITHUB_ISSUER,
    nbf: iat - 5,
    iat,
    exp: iat + (g.tokenLifetimeSeconds ?? 300),
    ...overrides,
  };
}

function tenantMatches(w: World, tenant: string): boolean {
  return tenant.toLowerCase() === w.tenantId.toLowerCase();
}

type Resource = 'management' | 'ml' | 'storage';

/** The resource a scope names, if this cloud knows it (Azure Storage's audience is the same in every cloud). */
function resourceOf(w: World, scope: string): Resource | undefined {
  const resource = scope
    .replace(/\/\.default$/, '')
    .replace(/\/+$/, '')
    .toLowerCase();
  if (resource === w.resources.management) return 'management';
  if (resource === w.resources.ml) return 'ml';
  if (resource === STORAGE_AUDIENCES[0]) return 'storage';
  return undefined;
}

/** v1 access token audiences: the resource manager's carries a trailing slash (research notes, §5); storage's is a guess without one. */
function audienceOf(w: World, resource: Resource): string {
  return resource === 'management' ? `${w.resources.management}/` : resource === 'ml' ? w.resources.ml : STORAGE_AUDIENCES[0];
}

/**
 * appidacr: how the client proved itself — '1' a secret, '2' a certificate or assertion (a
 * federated credential presents one), '0' none (managed identities).
 */
export function issueAccessToken(
  w: World,
  keys: Keys,
  identity: IdentityRec,
  resource: Resource,
  appidacr: '0' | '1' | '2',
): { token: string; expiresIn: number } {
  const iat = nowSeconds();
  const expiresIn = w.spec.accessTokenLifetimeSeconds ?? 3600;
  const claims: Claims = {
    aud: audienceOf(w, resource),
    iss: `https://sts.windows.net/${w.tenantId}/`,
    iat,
    nbf: iat,
    exp: iat + expiresIn,
    aio: randomUUID().replace(/-/g, ''),
    appid: identity.clientId,
    appidacr,
    idp: `https://sts.windows.net/${w.tenantId}/`,
    idtyp: 'app',
    oid: identity.objectId,
    rh: '0.AAAA',
    sub: identity.objectId,
    tid: w.tenantId,
    uti: randomUUID().replace(/-/g, '').slice(0, 22),
    ver: '1.0',
  };
  const token = signJwt(keys.entra, claims);
  w.issued.push(token);
  return { token, expiresIn };
}

function form(ctx: Ctx): URLSearchParams {
  return new URLSearchParams(ctx.body.toString('utf8'));
}

/** Checks a federated assertion against the app's credentials; answers the error and returns false on a mismatch. */
function federationMatches(ctx: Ctx, w: World, identity: IdentityRec, claims: Claims): boolean {
  const iss = text(claims.iss);
  const sub = text(claims.sub);
  const aud = Array.isArray(claims.aud) ? claims.aud.map(text) : [text(claims.aud)];
  const creds = identity.federatedCredentials;
  const byIssuer = creds.filter((c) => c.issuer === iss);
  const bySubject = byIssuer.filter((c) => c.subject === sub);
  const byAudience = bySubject.filter((c) => c.audiences.some((a) => aud.includes(a)));
  if (byAudience.length > 0) return true;
  const help =
    'Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation';
  if (w.spec.entra?.legacyFederationErrors) {
    entraError(
      ctx,
      400,
      'invalid_request',
      70021,
      `No matching federated identity record found for presented assertion. Assertion Issuer: '${iss}'. Assertion Subject: '${sub}'. Assertion Audience: '${aud.join(',')}'. https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation`,
    );
    return false;
  }
  if (byIssuer.length === 0) {
    entraError(ctx, 401, 'invalid_client', 700211, `No matching federated identity record found for presented assertion issuer '${iss}'. ${help}`);
  } else if (bySubject.length === 0) {
    const caseOnly = byIssuer.some((c) => c.subject.toLowerCase() === sub.toLowerCase());
    // Text quoted in a public README (notes §2.2); status and error value as its siblings'.
    if (caseOnly)
      entraError(
        ctx,
        401,
        'invalid_client',
        7002138,
        `No matching federated identity record found for presented assertion subject '${sub}'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison.`,
      );
    else entraError(ctx, 401, 'invalid_client', 700213, `No matching federated identity record found for presented assertion subject '${sub}'. ${help}`);
  } else {
    entraError(ctx, 401, 'invalid_client', 700212, `No matching federated identity record found for presented assertion audience '${aud.join(',')}'. ${help}`);
  }
  return false;
}

export function identityRoutes(w: World, keys: Keys): Route[] {
  // Metadata names the host the client asked (every listener serves login routes).
  const hostOf = (ctx: Ctx) => (ctx.req.headers.host ? `https://${ctx.req.headers.host}` : w.urls.login);
  const metadata = (ctx: Ctx) => {
    const login = () => hostOf(ctx);
    const tenant = ctx.params.tenant;
    if (!tenantMatches(w, tenant) && !/^(common|organizations)$/i.test(tenant)) {
      return entraError(
        ctx,
        400,
        'invalid_tenant',
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
      );
    }
    const t = tenantMatches(w, tenant) ? w.tenantId : '{tenantid}';
    // Shape of login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration.
    ctx.json(200, {
      token_endpoint: `${login()}/${t}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${login()}/${t}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${login()}/${t}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
      authorization_endpoint: `${login()}/${t}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${login()}/${t}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${login()}/${t}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'tid', 'ver'],
      tenant_region_scope: 'NA',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    });
  };

  const token = (ctx: Ctx) => {
    const tenant = ctx.params.tenant;
    if (!tenantMatches(w, tenant)) {
      return entraError(
        ctx,
        400,
        'invalid_tenant',
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
    }
    const f = form(ctx);
    const clientId = f.get('client_id') ?? '';
    if (f.get('grant_type') !== 'client_credentials') {
      return entraError(ctx, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${f.get('grant_type')}'.`);
    }
    const identity = w.identities.find((i) => i.clientId.toLowerCase() === clientId.toLowerCase() && i.kind === 'application');
    if (!identity) {
      return entraError(
        ctx,
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${w.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    }
    const assertion = f.get('client_assertion');
    const secret = f.get('client_secret');
    if (assertion) {
      if (f.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
        return entraError(ctx, 400, 'invalid_request', 50027, 'Invalid client_assertion_type.');
      }
      const decoded = decodeJwt(assertion, [keys.github]);
      if (!decoded) return entraError(ctx, 400, 'invalid_request', 50027, 'JWT token is invalid or is malformed.');
      ctx.entry.token = { kind: 'github', aud: String(decoded.claims.aud) };
      if (!decoded.valid) return entraError(ctx, 401, 'invalid_client', 700027, 'Client assertion failed signature validation.');
      const now = nowSeconds();
      const exp = Number(decoded.claims.exp);
      const nbf = Number(decoded.claims.nbf ?? 0);
      if (!(exp > now) || nbf > now + 300) {
        const iso = (s: number) => new Date(s * 1000).toISOString().replace('Z', '0000Z');
        return entraError(
          ctx,
          401,
          'invalid_client',
          700024,
          `Client assertion is not within its valid time range. Current time: ${iso(now)}, assertion valid from ${iso(nbf)}, expiry time of assertion ${iso(exp)}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`,
        );
      }
      if (!federationMatches(ctx, w, identity, decoded.claims)) return;
    } else if (secret) {
      if (!identity.secrets.includes(secret)) {
        return entraError(
          ctx,
          401,
          'invalid_client',
          7000215,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${identity.clientId}'.`,
        );
      }
    } else {
      return entraError(ctx, 400, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    const scope = f.get('scope') ?? '';
    const resource = resourceOf(w, scope.split(' ')[0] ?? '');
    if (!resource) {
      const named = scope.replace(/\/\.default$/, '');
      return entraError(
        ctx,
        400,
        'invalid_resource',
        500011,
        `The resource principal named ${named} was not found in the tenant named ${w.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
      );
    }
    if (identity.conditionalAccessBlocked && resource === 'ml') {
      // Status and error value from the ROPC sample in the notes; for client credentials: a guess.
      return entraError(
        ctx,
        400,
        'interaction_required',
        53003,
        'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
        { suberror: 'message_only' },
      );
    }
    const issued = issueAccessToken(w, keys, identity, resource, assertion ? '2' : '1');
    ctx.json(200, { token_type: 'Bearer', expires_in: issued.expiresIn, ext_expires_in: issued.expiresIn, access_token: issued.token });
  };

  return [
    {
      service: 'github',
      method: 'GET',
      path: /^\/_apis\/distributedtask\/hubs\/Actions\/plans\/(?<plan>[^/]+)\/jobs\/(?<job>[^/]+)\/idtoken$/i,
      model: 'GithubIdToken',
      handler: (ctx) => {
        if (ctx.header('authorization') !== `Bearer ${w.spec.github!.requestToken}`) {
          return ctx.json(401, { message: 'TF400813: The user is not authorized to access this resource.' });
        }
        const audience = ctx.query.get('audience') || DEFAULT_AUDIENCE;
        const value = signJwt(keys.github, githubClaims(w, audience));
        w.issued.push(value);
        ctx.json(200, { count: 1, value });
      },
    },
    {
      service: 'github',
      method: 'GET',
      path: /^\/\.well-known\/jwks$/,
      handler: (ctx) => ctx.json(200, { keys: [jwk(keys.github)] }),
    },
    { service: 'login', method: 'GET', path: /^\/(?<tenant>[^/]+)\/v2\.0\/\.well-known\/openid-configuration$/, handler: metadata },
    { service: 'login', method: 'GET', path: /^\/(?<tenant>[^/]+)\/discovery\/v2\.0\/keys$/, handler: (ctx) => ctx.json(200, { keys: [jwk(keys.entra)] }) },
    {
      service: 'login',
      method: 'GET',
      path: /^\/common\/discovery\/instance$/,
      handler: (ctx) => {
        const host = new URL(hostOf(ctx)).host;
        ctx.json(200, {
          tenant_discovery_endpoint: `${hostOf(ctx)}/common/v2.0/.well-known/openid-configuration`,
          'api-version': '1.1',
          metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
        });
      },
    },
    { service: 'login', method: 'POST', path: /^\/(?<tenant>[^/]+)\/oauth2\/v2\.0\/token$/, model: 'EntraToken', handler: token },
    {
      service: 'imds',
      method: 'GET',
      path: /^\/metadata\/identity\/oauth2\/token\/?$/,
      handler: (ctx) => {
        if (ctx.header('metadata') !== 'true') return ctx.json(400, { error: 'invalid_request', error_description: 'Required metadata header not specified' });
        const wanted = ctx.query.get('client_id') ?? ctx.query.get('object_id') ?? ctx.query.get('msi_res_id');
        const mis = w.identities.filter((i) => i.kind === 'managedIdentity');
        const identity = wanted ? mis.find((i) => i.clientId === wanted || i.objectId === wanted) : mis.length === 1 ? mis[0] : undefined;
        if (!identity) return ctx.json(400, { error: 'invalid_request', error_description: 'Identity not found' });
        const resource = resourceOf(w, ctx.query.get('resource') ?? '');
        if (!resource)
          return ctx.json(400, {
            error: 'invalid_resource',
            error_description: `AADSTS500011: The resource principal named ${ctx.query.get('resource')} was not found in the tenant.`,
          });
        const issued = issueAccessToken(w, keys, identity, resource, '0');
        const now = nowSeconds();
        ctx.json(200, {
          access_token: issued.token,
          client_id: identity.clientId,
          expires_in: String(issued.expiresIn),
          expires_on: String(now + issued.expiresIn),
          ext_expires_in: String(issued.expiresIn),
          not_before: String(now),
          resource: ctx.query.get('resource'),
          token_type: 'Bearer',
        });
      },
    },
  ];
}

/** .NET's en-US "M/d/yyyy h:mm:ss tt", as ARM prints token times. */
function armTime(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours() % 12 || 12;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${d.getUTCHours() < 12 ? 'AM' : 'PM'}`;
}

/** Whether a resource refuses an access token for its age: past `exp` by more than the allowed clock skew. */
export function accessTokenExpired(w: World, exp: unknown): boolean {
  return (Number(exp) + (w.spec.accessTokenClockSkewSeconds ?? 300)) * 1000 <= Date.now();
}

/** The audiences an Azure ML token may carry: the ML resource with or without its trailing slash. */
export function mlAudiences(w: World): string[] {
  return [`${w.resources.ml}/`, w.resources.ml];
}

/**
 * The caller of a resource manager or ML data-plane route, from its Entra bearer token. Answers
 * the resource manager's 401 (AuthenticationFailed, InvalidAuthenticationToken,
 * ExpiredAuthenticationToken, InvalidAuthenticationTokenAudience, …Tenant) and returns undefined
 * when the token does not do.
 */
export function authenticate(ctx: Ctx, w: World, keys: Keys, expect: 'management' | 'ml'): Caller | undefined {
  const auth = ctx.header('authorization');
  const fail = (code: string, message: string) => {
    ctx.json(
      401,
      { error: { code, message } },
      {
        'www-authenticate': `Bearer authorization_uri="${w.urls.login}/${w.tenantId}", error="invalid_token", error_description="${message.replace(/"/g, "'")}"`,
      },
    );
    return undefined;
  };
  if (!auth || !/^Bearer\s+\S+/i.test(auth)) {
    const challenge = `Bearer authorization_uri="${w.urls.login}/${w.tenantId}", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`;
    ctx.json(
      401,
      { error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." } },
      { 'www-authenticate': challenge },
    );
    return undefined;
  }
  const decoded = decodeJwt(auth.replace(/^Bearer\s+/i, ''), [keys.entra]);
  if (!decoded || !decoded.valid) {
    ctx.entry.token = { kind: 'invalid' };
    return fail('InvalidAuthenticationToken', 'The access token is invalid.');
  }
  const c = decoded.claims;
  ctx.entry.token = { kind: 'entra', aud: String(c.aud), oid: String(c.oid), appid: String(c.appid), tid: String(c.tid) };
  if (accessTokenExpired(w, c.exp)) {
    return fail(
      'ExpiredAuthenticationToken',
      `The access token expiry UTC time '${armTime(Number(c.exp) * 1000)}' is earlier than current UTC time '${armTime(Date.now())}'.`,
    );
  }
  // ARM also accepts the classic management.core.windows.net audience (message from
  // JetBrains/azure-tools-for-intellij#16, notes §6).
  const allowed =
    expect === 'management'
      ? w.cloud === 'AzureCloud'
        ? ['https://management.core.windows.net/', 'https://management.core.windows.net', `${w.resources.management}/`, w.resources.management]
        : [`${w.resources.management}/`, w.resources.management]
      : mlAudiences(w);
  if (!allowed.includes(String(c.aud))) {
    return fail(
      'InvalidAuthenticationTokenAudience',
      `The access token has been obtained for wrong audience or resource '${text(c.aud)}'. It should exactly match with one of the allowed audiences '${allowed.join("','")}'.`,
    );
  }
  if (String(c.tid).toLowerCase() !== w.tenantId.toLowerCase()) {
    return fail(
      'InvalidAuthenticationTokenTenant',
      `The access token is from the wrong issuer '${text(c.iss)}'. It must match the tenant 'https://sts.windows.net/${w.tenantId}/' associated with this subscription. Please use the authority (URL) '${w.urls.login}/${w.tenantId}' to get the token.`,
    );
  }
  const identity = findIdentity(w, String(c.oid));
  if (!identity) return fail('InvalidAuthenticationToken', 'The access token is invalid.');
  return { identity, claims: c };
}
