// A deployment that cannot start, explained by its online endpoint's own identity: a user-assigned
// identity without AcrPull (its deployment Failed), without Storage Blob Data Reader (a 503 from a
// container that never started), with both (the deployment's own error stays first), a
// system-assigned one, role assignments the signed-in identity may not read, and a secret store the
// identity may not read. One step each, against one emulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoleAssignmentSpec } from '../../emulator/src/index.js';
import { emulator, firstLine, requests, step, type Emulator, type StepResult } from './helpers.js';

const ML = 'Microsoft.MachineLearningServices';
const PULL: RoleAssignmentSpec = { role: 'AcrPull', scope: 'containerRegistry' };
const READ: RoleAssignmentSpec = { role: 'Storage Blob Data Reader', scope: 'storageAccount' };
const user = (name: string, roles: RoleAssignmentSpec[]) => ({ type: 'UserAssigned' as const, identities: [{ name, roles }] });
const failed = (message: string) => ({ name: 'blue', provisioningState: 'Failed', provisioningError: { code: 'BadArgument', message } });
const online = (endpoint: string) => ({ 'endpoint-type': 'online', endpoint, request: '{"data": [[1, 2]]}' });
const errorOf = (r: StepResult) => r.annotations.find((a) => a.level === 'error')!.message;

let emu: Emulator;
let registry: string;
beforeAll(async () => {
  emu = await emulator({
    onlineEndpoints: [
      // Azure fails the deployment itself: the identity may not pull the image.
      { name: 'no-pull', authMode: 'key', identity: user('uai-pull', [READ]) },
      // Provisioned, but its container never started: 503 'no healthy upstream' and an empty log.
      {
        name: 'no-read',
        authMode: 'key',
        identity: user('uai-read', [PULL]),
        deployments: [{ name: 'blue', provisioningState: 'Succeeded', condition: 'spike', logs: [] }],
      },
      { name: 'both', authMode: 'key', identity: user('uai-both', [PULL, READ]), deployments: [failed('Unable to download user model')] },
      { name: 'system', authMode: 'key', deployments: [failed('Unable to download user container image')] },
      {
        name: 'secrets',
        authMode: 'key',
        enforceSecretStore: true,
        // Its creator could not read secrets, so Azure granted the identity no secrets reader.
        identity: { type: 'SystemAssigned', roles: [PULL, READ] },
        deployments: [{ name: 'blue', environmentVariables: { OPENAI_KEY: '${{azureml://connections/openai/credentials/key}}' } }],
      },
    ],
    roles: [
      {
        name: 'smoke-tester',
        actions: [
          `${ML}/workspaces/read`,
          `${ML}/workspaces/onlineEndpoints/read`,
          `${ML}/workspaces/onlineEndpoints/listKeys/action`,
          `${ML}/workspaces/onlineEndpoints/deployments/read`,
          `${ML}/locations/mfeOperationsStatus/read`,
        ],
      },
    ],
    identities: [{}, { name: 'smoke-tester', roles: [{ role: 'smoke-tester', scope: 'workspace' }] }],
  });
  registry = `/subscriptions/${emu.subscriptionId}/resourceGroups/${emu.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/`;
});
afterAll(() => emu.close());

describe.concurrent('the online endpoint identity of a deployment that cannot start', () => {
  it('user-assigned without AcrPull: the role, the registry, the identity and the command, then the deployment error', async () => {
    const r = await step(emu, online('no-pull'));
    expect(r.code).toBe(1);
    expect(firstLine(r)).toMatch(
      /^Grant 'AcrPull' on container registry 'cr[0-9a-f]{8}' to user-assigned identity 'uai-pull' \(principal id [0-9a-f-]{36}\), which online endpoint 'no-pull' runs deployment 'blue' as: its container cannot start without it\.$/,
    );
    const text = errorOf(r);
    expect(text).toMatch(
      new RegExp(
        `az role assignment create --assignee-object-id [0-9a-f-]{36} --assignee-principal-type ServicePrincipal --role "AcrPull" --scope ${registry}cr[0-9a-f]{8}\\n`,
      ),
    );
    expect(text).toContain(
      "What stopped the run: Fix or redeploy deployment 'blue': its provisioning state is 'Failed' (BadArgument: Unable to download user container image)",
    );
    expect(r.summary).toMatch(/### Endpoint identity[\s\S]*\| uai-pull \| AcrPull \| container registry 'cr[0-9a-f]{8}' \| ❌ missing \|/);
    expect(r.outputs['missing-actions']).toBe('[]');
    expect(requests(emu, 'POST', /\/no-pull\/score$/)).toHaveLength(0);
  });

  it('user-assigned without Storage Blob Data Reader, found by a 503 whose container never started', async () => {
    const r = await step(emu, online('no-read'));
    expect(r.code).toBe(1);
    expect(r.outputs['status-code']).toBe('503');
    expect(firstLine(r)).toMatch(
      /^Grant 'Storage Blob Data Reader' on storage account 'st[0-9a-f]{8}' to user-assigned identity 'uai-read' \(principal id [0-9a-f-]{36}\), which online endpoint 'no-read' runs deployment 'blue' as: its container cannot start without it\.$/,
    );
    expect(errorOf(r)).toContain("What stopped the run: Scale out deployment 'blue' or lower 'concurrency': it answered 503");
    expect(errorOf(r)).toMatch(/Held: 'AcrPull' on container registry 'cr[0-9a-f]{8}' by 'uai-read'\./);
  });

  it("user-assigned with both roles: the deployment's own error first, and the roles said to be there", async () => {
    const r = await step(emu, online('both'));
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe(
      "Fix or redeploy deployment 'blue': its provisioning state is 'Failed' (BadArgument: Unable to download user model), so it cannot be invoked.",
    );
    expect(errorOf(r)).toContain("It holds every role a deployment needs to start: the cause is the deployment's own error, above.");
    expect(r.summary).toMatch(/\| uai-both \| Storage Blob Data Reader \| storage account 'st[0-9a-f]{8}' \| ✅ held \|/);
  });

  it("system-assigned: Azure grants the roles itself; the guide's other causes", async () => {
    const r = await step(emu, online('system'));
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe(
      "Fix or redeploy deployment 'blue': its provisioning state is 'Failed' (BadArgument: Unable to download user container image), so it cannot be invoked.",
    );
    expect(errorOf(r)).toMatch(/runs deployment 'blue' as its system-assigned identity \(principal id [0-9a-f-]{36}\), which Azure grants 'AcrPull'/);
    expect(errorOf(r)).toContain('an image in another, private registry');
  });

  it('role assignments the signed-in identity may not read: one line naming the permission and what it would have checked', async () => {
    const r = await step(emu, online('no-pull'), { identity: 'smoke-tester' });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe(
      "Fix or redeploy deployment 'blue': its provisioning state is 'Failed' (BadArgument: Unable to download user container image), so it cannot be invoked.",
    );
    const lines = errorOf(r)
      .split('\n')
      .filter((l) => l.includes('Microsoft.Authorization/roleAssignments/read'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^The identity's role assignments were not read \(HTTP 403 AuthorizationFailed\): with 'Microsoft\.Authorization\/roleAssignments\/read' there \(Reader has it\), the run would check that 'uai-pull' holds 'AcrPull' on container registry 'cr[0-9a-f]{8}' and 'Storage Blob Data Reader' on storage account 'st[0-9a-f]{8}'\.$/,
    );
  });

  it('a secret store the identity may not read: the connection secrets reader on the workspace', async () => {
    const r = await step(emu, online('secrets'));
    expect(r.code).toBe(1);
    expect(firstLine(r)).toMatch(
      /^Grant 'Azure Machine Learning Workspace Connection Secrets Reader' on workspace 'ws-scoring' to the endpoint's system-assigned identity \(principal id [0-9a-f-]{36}\), which online endpoint 'secrets' runs deployment 'blue' as: its container cannot start without it\.$/,
    );
    expect(errorOf(r)).toContain(
      "(SecretsInjectionError: The endpoint identity does not have permission to read the secrets of workspace connection 'openai'.)",
    );
    expect(errorOf(r)).toMatch(/--role "Azure Machine Learning Workspace Connection Secrets Reader" --scope \/subscriptions\/.*\/workspaces\/ws-scoring\n/);
  });
});
