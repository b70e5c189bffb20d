// GitHub's OIDC service and Microsoft Entra as the real @azure/identity sees them, and every
// Entra error the action must translate, in Entra's own shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagedIdentityCredential } from '@azure/identity';
import { startEmulator, type Emulator } from '../src/index.js';
import { accessTokenExpired } from '../src/identity.js';
import type { World } from '../src/world.js';
import { assertionGrant, call, claimsOf, credential, githubToken, secretCredential, tokenRequest } from './client.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({
    identities: [
      {},
      { name: 'ci-secret', secrets: ['correct-horse-battery'], federatedCredentials: [] },
      { name: 'blocked', conditionalAccessBlocked: true },
      { name: 'env-only', federatedCredentials: [{ subject: 'repo:contoso/scoring:environment:prod' }] },
      { name: 'other-aud', federatedCredentials: [{ subject: 'repo:contoso/scoring:ref:refs/heads/main', audiences: ['api://custom'] }] },
      {
        name: 'other-iss',
        federatedCredentials: [{ subject: 'repo:contoso/scoring:ref:refs/heads/main', issuer: 'https://token.actions.githubusercontent.com/contoso' }],
      },
      { name: 'case', federatedCredentials: [{ subject: 'repo:Contoso/Scoring:ref:refs/heads/main' }] },
      { name: 'vm-identity', kind: 'managedIdentity' },
    ],
  });
});
afterAll(() => emu.close());

const id = (name: string) => emu.identities.find((i) => i.name === name)!.clientId;

function expectEntraError(body: Record<string, unknown>, code: number, error: string) {
  expect(body.error).toBe(error);
  expect(body.error_codes).toEqual([code]);
  expect(String(body.error_description)).toMatch(
    new RegExp(
      `^AADSTS${code}: .+\\r\\nTrace ID: [0-9a-f-]{36}\\r\\nCorrelation ID: [0-9a-f-]{36}\\r\\nTimestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`,
      's',
    ),
  );
  expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  expect(body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(body.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
}

describe('GitHub OIDC token service', () => {
  it("answers {value} with GitHub's claims for the requested audience", async () => {
    const token = await githubToken(emu, 'api://custom');
    const c = claimsOf(token);
    expect(c).toMatchObject({
      iss: 'https://token.actions.githubusercontent.com',
      sub: 'repo:contoso/scoring:ref:refs/heads/main',
      aud: 'api://custom',
      repository: 'contoso/scoring',
      ref: 'refs/heads/main',
    });
    expect(c.job_workflow_ref).toMatch(/^contoso\/scoring\/\.github\/workflows\/.+@refs\/heads\/main$/);
    expect(Number(c.exp) - Number(c.iat)).toBe(300);
  });

  it('refuses a request without the runtime bearer token', async () => {
    const r = await call(emu, 'GET', `${emu.oidcRequestUrl}&audience=x`);
    expect(r.status).toBe(401);
  });
});

describe('Microsoft Entra', () => {
  it('serves the metadata MSAL reads and instance discovery', async () => {
    const meta = (await call(emu, 'GET', `${emu.urls.login}/${emu.tenantId}/v2.0/.well-known/openid-configuration`)).json();
    expect(meta.token_endpoint).toBe(`${emu.urls.login}/${emu.tenantId}/oauth2/v2.0/token`);
    expect(meta.issuer).toBe(`${emu.urls.login}/${emu.tenantId}/v2.0`);
    const disc = (await call(emu, 'GET', `${emu.urls.login}/common/discovery/instance?api-version=1.1&authorization_endpoint=x`)).json();
    expect(disc['api-version']).toBe('1.1');
    expect((disc.metadata as unknown[]).length).toBe(1);
  });

  it('issues tokens to the real ClientAssertionCredential, with the claims a v1 token carries', async () => {
    const cred = credential(emu);
    const arm = await cred.getToken('https://management.azure.com/.default');
    const ml = await cred.getToken('https://ml.azure.com/.default');
    expect(claimsOf(arm.token)).toMatchObject({
      aud: 'https://management.azure.com/',
      appid: emu.identities[0].clientId,
      oid: emu.identities[0].objectId,
      tid: emu.tenantId,
      idtyp: 'app',
      ver: '1.0',
      iss: `https://sts.windows.net/${emu.tenantId}/`,
    });
    expect(claimsOf(ml.token).aud).toBe('https://ml.azure.com');
    expect(arm.expiresOnTimestamp).toBeGreaterThan(Date.now() + 3000_000);
  });

  it('issues tokens for a client secret and refuses a wrong one (AADSTS7000215)', async () => {
    expect(await secretCredential(emu, id('ci-secret'), 'correct-horse-battery').getToken('https://management.azure.com/.default')).toBeTruthy();
    await expect(secretCredential(emu, id('ci-secret'), 'wrong').getToken('https://management.azure.com/.default')).rejects.toThrow(/AADSTS7000215/);
    const r = await tokenRequest(emu, {
      client_id: id('ci-secret'),
      client_secret: 'wrong',
      grant_type: 'client_credentials',
      scope: 'https://management.azure.com/.default',
    });
    expect(r.status).toBe(401);
    expectEntraError(r.json(), 7000215, 'invalid_client');
  });

  it.each([
    ['env-only', 700213, 401, 'invalid_client', /presented assertion subject 'repo:contoso\/scoring:ref:refs\/heads\/main'/],
    ['case', 7002138, 401, 'invalid_client', /subject 'repo:contoso\/scoring:ref:refs\/heads\/main'/],
    ['other-aud', 700212, 401, 'invalid_client', /presented assertion audience 'api:\/\/AzureADTokenExchange'/],
    ['other-iss', 700211, 401, 'invalid_client', /presented assertion issuer 'https:\/\/token.actions.githubusercontent.com'/],
  ])('verifies the assertion against the federated credentials: %s → AADSTS%i', async (name, code, status, error, text) => {
    const r = await assertionGrant(emu, await githubToken(emu), undefined, id(name));
    expect(r.status).toBe(status);
    expectEntraError(r.json(), code, error);
    expect(r.json().error_description).toMatch(text);
  });

  it('the real credential surfaces the AADSTS code', async () => {
    await expect(credential(emu, id('env-only')).getToken('https://management.azure.com/.default')).rejects.toThrow(/AADSTS700213/);
  });

  it('answers the older AADSTS70021, naming all three claims, when asked to', async () => {
    emu.world.entra = { legacyFederationErrors: true };
    try {
      const r = await assertionGrant(emu, await githubToken(emu), undefined, id('env-only'));
      expect(r.status).toBe(400);
      expectEntraError(r.json(), 70021, 'invalid_request');
      expect(r.json().error_description).toContain(
        "Assertion Issuer: 'https://token.actions.githubusercontent.com'. Assertion Subject: 'repo:contoso/scoring:ref:refs/heads/main'. Assertion Audience: 'api://AzureADTokenExchange'.",
      );
    } finally {
      emu.world.entra = {};
    }
  });

  it('refuses an expired assertion (AADSTS700024) and a forged one (AADSTS700027)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await assertionGrant(emu, emu.mintGithubToken({ iat: now - 900, nbf: now - 900, exp: now - 600 }));
    expect(expired.status).toBe(401);
    expectEntraError(expired.json(), 700024, 'invalid_client');
    const real = await githubToken(emu);
    const forged = `${real.split('.')[0]}.${Buffer.from(JSON.stringify({ ...claimsOf(real), sub: 'repo:evil/repo:ref:refs/heads/main' })).toString('base64url')}.${real.split('.')[2]}`;
    expectEntraError((await assertionGrant(emu, forged)).json(), 700027, 'invalid_client');
  });

  it('refuses an unknown client (AADSTS700016), tenant (AADSTS90002) and resource (AADSTS500011)', async () => {
    const unknown = await assertionGrant(emu, await githubToken(emu), undefined, '00000000-0000-0000-0000-000000000001');
    expect(unknown.status).toBe(400);
    expectEntraError(unknown.json(), 700016, 'unauthorized_client');
    const tenant = await tokenRequest(emu, { client_id: 'x', grant_type: 'client_credentials' }, '11111111-1111-1111-1111-111111111111');
    expectEntraError(tenant.json(), 90002, 'invalid_tenant');
    const meta = await call(emu, 'GET', `${emu.urls.login}/11111111-1111-1111-1111-111111111111/v2.0/.well-known/openid-configuration`);
    expect(meta.status).toBe(400);
    expectEntraError((await assertionGrant(emu, await githubToken(emu), 'https://vault.azure.net/.default')).json(), 500011, 'invalid_resource');
  });

  it('blocks the ML audience for a Conditional Access identity (AADSTS53003)', async () => {
    expect((await assertionGrant(emu, await githubToken(emu), undefined, id('blocked'))).status).toBe(200);
    const r = await assertionGrant(emu, await githubToken(emu), 'https://ml.azure.com/.default', id('blocked'));
    expect(r.status).toBe(400);
    expectEntraError(r.json(), 53003, 'interaction_required');
  });
});

describe('access token lifetime at the resource', () => {
  const world = (skew?: number) => ({ spec: { accessTokenClockSkewSeconds: skew } }) as unknown as World;
  const now = () => Date.now() / 1000;
  it("accepts a token up to five minutes past exp, as Azure's token validation does", () => {
    expect(accessTokenExpired(world(), now() - 290)).toBe(false);
    expect(accessTokenExpired(world(), now() - 310)).toBe(true);
  });
  it('takes a shorter skew from the spec, down to none', () => {
    expect(accessTokenExpired(world(20), now() - 10)).toBe(false);
    expect(accessTokenExpired(world(20), now() - 30)).toBe(true);
    expect(accessTokenExpired(world(0), now() + 10)).toBe(false);
    expect(accessTokenExpired(world(0), now() - 1)).toBe(true);
  });
});

describe('IMDS', () => {
  it('issues a managed identity token to the real ManagedIdentityCredential', async () => {
    const before = process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
    process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = emu.urls.imds;
    try {
      const token = await new ManagedIdentityCredential(id('vm-identity')).getToken('https://management.azure.com/.default');
      expect(claimsOf(token.token)).toMatchObject({ appid: id('vm-identity'), aud: 'https://management.azure.com/' });
    } finally {
      if (before === undefined) delete process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
      else process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = before;
    }
    const noHeader = await call(emu, 'GET', `${emu.urls.imds}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com`);
    expect(noHeader.status).toBe(400);
  });
});
