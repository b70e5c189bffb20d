// An online endpoint's own identity: the ManagedServiceIdentity the resource manager gives (system-
// or user-assigned), the roles it holds on the workspace's container registry and storage account
// (a system-assigned one those Azure grants itself), role definitions by id, and the deployments it
// cannot start, failed with the troubleshooting guide's reasons through their operation status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/index.js';
import { accessToken, authzClient, call, mlClient } from './client.js';

const SECRET = '${{azureml://connections/openai/credentials/key}}';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({
    onlineEndpoints: [
      { name: 'system', authMode: 'key' },
      { name: 'bare', authMode: 'key', identity: { type: 'UserAssigned', identities: [{ name: 'uai-bare' }] } },
      {
        name: 'pull-only',
        authMode: 'key',
        identity: { type: 'UserAssigned', identities: [{ name: 'uai-pull', roles: [{ role: 'AcrPull', scope: 'containerRegistry' }] }] },
      },
      {
        name: 'granted',
        authMode: 'key',
        // Each role from a parent scope, each on another of its identities.
        identity: {
          type: 'UserAssigned',
          identities: [
            { name: 'uai-a', roles: [{ role: 'AcrPull', scope: 'resourceGroup' }] },
            { name: 'uai-b', roles: [{ role: 'Storage Blob Data Reader', scope: 'subscription' }] },
          ],
        },
      },
      { name: 'secrets', authMode: 'key', enforceSecretStore: true, deployments: [{ name: 'blue', environmentVariables: { KEY: SECRET } }] },
      {
        name: 'secrets-denied',
        authMode: 'key',
        enforceSecretStore: true,
        identity: {
          type: 'SystemAssigned',
          roles: [
            { role: 'AcrPull', scope: 'containerRegistry' },
            { role: 'Storage Blob Data Reader', scope: 'storageAccount' },
          ],
        },
        deployments: [{ name: 'blue', environmentVariables: { KEY: SECRET, PLAIN: 'x' } }],
      },
      {
        name: 'explicit',
        authMode: 'key',
        identity: { type: 'UserAssigned', identities: [{ name: 'uai-x' }] },
        deployments: [{ name: 'blue', provisioningState: 'Succeeded' }],
      },
    ],
  });
});
afterAll(() => emu.close());

const rg = () => emu.resourceGroup;
const ws = () => emu.workspace;

async function operationOf(endpoint: string): Promise<Record<string, unknown>> {
  const d = await mlClient(emu).onlineDeployments.get(rg(), ws(), endpoint, 'blue');
  const token = await accessToken(emu, 'https://management.azure.com/.default');
  return (await call(emu, 'GET', d.properties.properties!.AzureAsyncOperationUri!, { headers: { authorization: `Bearer ${token}` } })).json();
}

async function rolesOf(principal: string, scope: string): Promise<string[]> {
  const authz = authzClient(emu);
  const names: string[] = [];
  for await (const a of authz.roleAssignments.listForScope(scope, { filter: `assignedTo('${principal}')` })) {
    names.push((await authz.roleDefinitions.getById(a.roleDefinitionId!)).roleName!);
  }
  return names;
}

describe('the endpoint identity as the resource manager gives it', () => {
  it('system-assigned: principalId and tenantId; it holds what Azure grants it on the registry and the storage account', async () => {
    const ml = mlClient(emu);
    const e = await ml.onlineEndpoints.get(rg(), ws(), 'system');
    expect(e.identity).toMatchObject({ type: 'SystemAssigned', tenantId: emu.tenantId });
    expect(e.identity?.userAssignedIdentities).toBeUndefined();
    const w = await ml.workspaces.get(rg(), ws());
    expect(w.containerRegistry).toMatch(
      new RegExp(`^/subscriptions/${emu.subscriptionId}/resourceGroups/${rg()}/providers/Microsoft.ContainerRegistry/registries/cr[0-9a-f]{8}$`),
    );
    expect(await rolesOf(e.identity!.principalId!, w.containerRegistry!)).toEqual(['AcrPull']);
    expect(await rolesOf(e.identity!.principalId!, w.storageAccount!)).toEqual(['Storage Blob Data Reader']);
    expect(e.properties.properties).not.toHaveProperty('enforce_access_to_default_secret_stores');
    expect((await ml.onlineDeployments.get(rg(), ws(), 'system', 'blue')).properties.provisioningState).toBe('Succeeded');
  });

  it('user-assigned: userAssignedIdentities by resource id, with principal and client ids; no top-level principal', async () => {
    const e = await mlClient(emu).onlineEndpoints.get(rg(), ws(), 'granted');
    expect(e.identity?.type).toBe('UserAssigned');
    expect(e.identity?.principalId).toBeUndefined();
    const ids = Object.keys(e.identity!.userAssignedIdentities!);
    expect(ids).toEqual(
      ['uai-a', 'uai-b'].map(
        (n) => `/subscriptions/${emu.subscriptionId}/resourceGroups/${rg()}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${n}`,
      ),
    );
    for (const u of Object.values(e.identity!.userAssignedIdentities!)) {
      expect(u.principalId).toMatch(/^[0-9a-f-]{36}$/);
      expect(u.clientId).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('AcrPull and the connection secrets reader are role definitions by id, with their actions', async () => {
    const authz = authzClient(emu);
    const acr = await authz.roleDefinitions.getById(
      `/subscriptions/${emu.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`,
    );
    expect(acr).toMatchObject({
      roleName: 'AcrPull',
      roleType: 'BuiltInRole',
      permissions: [{ actions: ['Microsoft.ContainerRegistry/registries/pull/read'] }],
    });
    const secrets = await authz.roleDefinitions.getById('/providers/Microsoft.Authorization/roleDefinitions/ea01e6af-a1c1-4350-9563-ad00f8c72ec5');
    expect(secrets.permissions![0].actions).toContain('Microsoft.MachineLearningServices/workspaces/connections/listsecrets/action');
  });
});

describe('deployments the identity cannot start', () => {
  it("fail with the guide's BadArgument reasons: no pull on the registry, then no blob read on the storage account", async () => {
    expect(await operationOf('bare')).toMatchObject({ status: 'Failed', error: { code: 'BadArgument', message: 'Unable to download user container image' } });
    expect(await operationOf('pull-only')).toMatchObject({ status: 'Failed', error: { code: 'BadArgument', message: 'Unable to download user model' } });
    const d = await mlClient(emu).onlineDeployments.get(rg(), ws(), 'bare', 'blue');
    expect(d.properties.provisioningState).toBe('Failed');
  });

  it('start when the roles come from parent scopes, spread over the identities', async () => {
    expect(await operationOf('granted')).toMatchObject({ status: 'Succeeded' });
    expect(await operationOf('explicit')).toMatchObject({ status: 'Succeeded' });
  });

  it('secret injection: the secrets reader Azure grants with the secret store enforced, SecretsInjectionError without it', async () => {
    const e = await mlClient(emu).onlineEndpoints.get(rg(), ws(), 'secrets');
    expect(e.properties.properties).toMatchObject({ enforce_access_to_default_secret_stores: 'enabled' });
    const d = await mlClient(emu).onlineDeployments.get(rg(), ws(), 'secrets', 'blue');
    expect(d.properties.environmentVariables).toEqual({ KEY: SECRET });
    expect(await operationOf('secrets')).toMatchObject({ status: 'Succeeded' });
    expect(await operationOf('secrets-denied')).toMatchObject({
      status: 'Failed',
      error: { code: 'SecretsInjectionError', message: "The endpoint identity does not have permission to read the secrets of workspace connection 'openai'." },
    });
  });
});
