// Sign-in failures as the user meets them: translated, with the presented token's claims and the
// command that fixes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulator, firstLine, requests, step, withEmulator, type Emulator } from './helpers.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await emulator({
    github: { environment: 'production' },
    identities: [
      { name: 'branch-only', federatedCredentials: [{ subject: 'repo:contoso/scoring:ref:refs/heads/main' }] },
      {
        name: 'env',
        federatedCredentials: [{ subject: 'repo:contoso/scoring:environment:production' }],
        roles: [{ role: 'Contributor', scope: 'resourceGroup' }],
      },
      {
        name: 'blocked',
        conditionalAccessBlocked: true,
        federatedCredentials: [{ subject: 'repo:contoso/scoring:environment:production' }],
        roles: [{ role: 'Contributor', scope: 'resourceGroup' }],
      },
      { name: 'secret', secrets: ['the-right-secret-value'], federatedCredentials: [], roles: [{ role: 'Contributor', scope: 'resourceGroup' }] },
    ],
  });
});
afterAll(() => emu.close());

const online = { 'endpoint-type': 'online', endpoint: 'score-key', request: '{}' };
const batch = { 'endpoint-type': 'batch', endpoint: 'score-batch', input: 'https://x.blob.core.windows.net/d/' };

describe.concurrent('sign-in diagnostics', () => {
  it('AADSTS700213: prints the presented issuer, subject, audience and the credential to create', async () => {
    const app = emu.identities[0].clientId;
    const r = await step(emu, online, { identity: 'branch-only' });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe(
      `Register a federated credential for subject 'repo:contoso/scoring:environment:production' on app ${app}: Microsoft Entra has none matching this run (AADSTS700213).`,
    );
    const text = r.annotations[0].message;
    expect(text).toContain('  subject:  repo:contoso/scoring:environment:production');
    expect(text).toContain('  issuer:   https://token.actions.githubusercontent.com');
    expect(text).toContain('  audience: api://AzureADTokenExchange');
    expect(text).toContain(
      `az ad app federated-credential create --id ${app} --parameters '{"name":"github-contoso-scoring-environment-production","issuer":"https://token.actions.githubusercontent.com","subject":"repo:contoso/scoring:environment:production","audiences":["api://AzureADTokenExchange"]}'`,
    );
    expect(text).toContain("(any job with 'environment:')");
    expect(emu.log.filter((e) => e.service === 'management' && e.token?.appid === app)).toHaveLength(0);
  });

  it('AADSTS70021 (the older form) prints the presented subject too', () =>
    withEmulator(
      { entra: { legacyFederationErrors: true }, identities: [{ federatedCredentials: [{ subject: 'repo:contoso/other:ref:refs/heads/main' }] }] },
      async (legacy) => {
        const r = await step(legacy, online);
        expect(r.code).toBe(1);
        expect(firstLine(r)).toContain('(AADSTS70021)');
        expect(r.annotations[0].message).toContain('  subject:  repo:contoso/scoring:ref:refs/heads/main');
      },
    ));

  it('a custom audience that the credential does not accept: AADSTS700212 names the audience input', async () => {
    const r = await step(emu, { ...online, audience: 'api://custom' }, { identity: 'env' });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toContain('no federated credential on app');
    expect(firstLine(r)).toContain("accepts audience 'api://custom' (AADSTS700212); set the 'audience' input");
  });

  it('no id-token permission: says exactly that, before any request', async () => {
    emu.clearLog();
    const r = await step(emu, online, { identity: 'env', env: { ACTIONS_ID_TOKEN_REQUEST_URL: undefined, ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined } });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe(
      "Add 'permissions: id-token: write' to the workflow: this job has no GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is not set).",
    );
    expect(r.annotations[0].message).toContain('    id-token: write');
  });

  it('AADSTS700016: a client id the tenant does not know', async () => {
    const r = await step(emu, { ...online, 'client-id': '0a0a0a0a-0000-4000-8000-000000000000' }, { identity: 'env' });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe(
      `Check 'client-id' and 'tenant-id': application 0a0a0a0a-0000-4000-8000-000000000000 was not found in tenant ${emu.tenantId} (AADSTS700016).`,
    );
  });

  it('AADSTS53003: Conditional Access on the Azure Machine Learning app (batch needs an ML token)', async () => {
    const r = await step(emu, batch, { identity: 'blocked' });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toMatch(/^Ask a tenant administrator to exempt service principal .+ from the Conditional Access policy .+\(AADSTS53003\)\.$/);
    expect(requests(emu, 'POST', /\/jobs$/).filter((e) => e.token?.appid === emu.identities[2].clientId)).toHaveLength(0);
  });

  it('client-secret: works with a warning that OIDC is preferred; a wrong secret is AADSTS7000215 and never printed', async () => {
    const ok = await step(emu, { ...online, 'auth-type': 'client-secret', 'client-secret': 'the-right-secret-value' }, { identity: 'secret' });
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.annotations.some((a) => a.level === 'warning' && /prefer auth-type oidc/.test(a.message))).toBe(true);
    const bad = await step(emu, { ...online, 'auth-type': 'client-secret', 'client-secret': 'a-wrong-secret-value' }, { identity: 'secret' });
    expect(bad.code).toBe(1);
    expect(firstLine(bad)).toMatch(/^Update 'client-secret': Microsoft Entra rejected it .+\(AADSTS7000215\)\.$/);
    expect(bad.visibleLog).not.toContain('a-wrong-secret-value');
    expect(bad.masked).toContain('a-wrong-secret-value');
  });

  it('a tenant that does not exist (Entra answers AADSTS90002 to the metadata MSAL reads first)', async () => {
    const r = await step(emu, { ...online, 'tenant-id': '0b0b0b0b-0000-4000-8000-000000000000' }, { identity: 'env' });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe(
      "Check 'tenant-id' and 'cloud': Microsoft Entra has no sign-in metadata for tenant 0b0b0b0b-0000-4000-8000-000000000000 in AzureCloud (unknown tenant, or the wrong cloud or authority-host).",
    );
  });
});
