// The endpoint identity's check against the emulator, in process (the Azure SDK clients the action
// uses, trusting the emulator's CA): the identity and the workspace's resources read, each
// principal's role assignments at, or above, the registry and the storage account, the role
// definitions read once each, and every read that fails kept to a note.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../../emulator/src/index.js';
import { authzClient, mlClient } from '../../../emulator/test/client.js';
import type { Arm } from '../../../src/azure/arm.js';
import { checkEndpointIdentity, explainByEndpointIdentity } from '../../../src/permissions/endpoint-identity.js';
import { ActionError } from '../../../src/reporting/errors.js';

const ML = 'Microsoft.MachineLearningServices/workspaces';
const SECRET = { KEY: '${{azureml://connections/openai/credentials/key}}' };

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({
    onlineEndpoints: [
      {
        name: 'spread',
        authMode: 'key',
        // AcrPull for one identity at the resource group, blob read for the other at the subscription;
        // each lacks the other's, and the deployment needs a connection's secret too.
        identity: {
          type: 'UserAssigned',
          identities: [
            { name: 'uai-a', roles: [{ role: 'AcrPull', scope: 'resourceGroup' }] },
            {
              name: 'uai-b',
              roles: [
                { role: 'Storage Blob Data Reader', scope: 'subscription' },
                { role: 'Reader', scope: 'containerRegistry' },
              ],
            },
          ],
        },
        deployments: [{ name: 'blue', provisioningState: 'Failed', environmentVariables: SECRET }],
      },
      { name: 'system', authMode: 'key', deployments: [{ name: 'blue', provisioningState: 'Failed' }] },
    ],
    identities: [
      {},
      // Reads endpoints and deployments, but neither the workspace nor role assignments.
      { name: 'narrow', roles: [{ role: 'scorer', scope: 'workspace' }] },
    ],
    roles: [{ name: 'scorer', actions: [`${ML}/onlineEndpoints/read`, `${ML}/onlineEndpoints/deployments/read`] }],
  });
});
afterAll(() => emu.close());

const arm = (identity?: string): Arm => ({ ml: mlClient(emu, identity), authz: authzClient(emu, identity) });
const where = () => ({ resourceGroup: emu.resourceGroup, workspace: emu.workspace, endpoint: 'spread' });
const workspaceId = () =>
  `/subscriptions/${emu.subscriptionId}/resourceGroups/${emu.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${emu.workspace}`;
const definitionReads = () => emu.log.filter((e) => /\/roleDefinitions\//.test(e.url)).length;

describe('checkEndpointIdentity', () => {
  it('each user-assigned principal: roles from parent scopes count, Reader pulls, the secret reader is needed for the injected secret', async () => {
    const before = definitionReads();
    const f = await checkEndpointIdentity(arm(), where(), workspaceId(), 'blue');
    expect(f.identity?.principals.map((p) => p.name)).toEqual(['uai-a', 'uai-b']);
    const states = Object.fromEntries(
      f.checks.map((c) => [`${c.principal.name} ${c.need.role}`, c.result.state === 'held' ? `held by ${c.result.by.roleName}` : c.result.state]),
    );
    expect(states).toEqual({
      'uai-a AcrPull': 'held by AcrPull',
      'uai-a Storage Blob Data Reader': 'missing',
      'uai-a Azure Machine Learning Workspace Connection Secrets Reader': 'missing',
      'uai-b AcrPull': 'held by Reader',
      'uai-b Storage Blob Data Reader': 'held by Storage Blob Data Reader',
      'uai-b Azure Machine Learning Workspace Connection Secrets Reader': 'missing',
    });
    expect(f.notes).toEqual([]);
    // Three distinct role definitions, each read once however many checks hold it.
    expect(definitionReads() - before).toBe(3);
  });

  it('a system-assigned identity without a secret store: nothing to read but the endpoint, the workspace and the deployment', async () => {
    emu.clearLog();
    const f = await checkEndpointIdentity(arm(), { ...where(), endpoint: 'system' }, workspaceId(), 'blue');
    expect(f.identity?.kind).toBe('system');
    expect(f.checks).toEqual([]);
    expect(emu.log.filter((e) => /roleAssignments/.test(e.url))).toHaveLength(0);
  });

  it('an identity that may read neither the workspace nor role assignments: notes, and the run still gets its error', async () => {
    const narrow = arm(emu.identities[1].clientId);
    const f = await checkEndpointIdentity(narrow, where(), workspaceId(), 'blue');
    expect(f.notes).toEqual([
      `Workspace '${emu.workspace}' was not read (HTTP 403 AuthorizationFailed; it takes 'Microsoft.MachineLearningServices/workspaces/read'): the identity's roles on its container registry and storage account were not checked.`,
    ]);
    // The workspace scope is known without reading it: the secret reader's assignments were tried.
    expect(f.checks.map((c) => c.result.state)).toEqual(['unread', 'unread']);
    const stopped = new ActionError('not-ready', "Fix or redeploy deployment 'blue': its provisioning state is 'Failed', so it cannot be invoked.");
    const e = await explainByEndpointIdentity(narrow, { ...where(), workspaceId: workspaceId() }, 'blue', stopped, { onlyMissing: false });
    expect(e.message).toBe(stopped.message);
    expect(e.details.join('\n')).toContain("with 'Microsoft.Authorization/roleAssignments/read' there (Reader has it), the run would check that 'uai-a' holds");
  });

  it('an endpoint that cannot be read again is one note', async () => {
    const f = await checkEndpointIdentity(arm(), { ...where(), endpoint: 'gone' }, workspaceId(), 'blue');
    expect(f.identity).toBeUndefined();
    expect(f).toMatchObject({
      checks: [],
      notes: ["Online endpoint 'gone' was not read again (HTTP 404 NotFound): the roles of its identity were not checked."],
    });
  });
});
