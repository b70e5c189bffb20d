// Azure's RBAC semantics, as the emulator enforces them on every call.
import { describe, expect, it } from 'vitest';
import { BUILT_IN_ROLES, globMatch, isAuthorized, isDataAuthorized, scopeContains, type Assignment, type RoleDefinition } from '../src/rbac.js';

const ML = 'Microsoft.MachineLearningServices';
const SUB = '/subscriptions/s';
const RG = `${SUB}/resourceGroups/rg`;
const WS = `${RG}/providers/${ML}/workspaces/ws`;
const EP = `${WS}/onlineEndpoints/ep`;
const builtIn = (name: string) => BUILT_IN_ROLES.find((r) => r.roleName === name)!;
const custom = (actions: string[], notActions: string[] = []): RoleDefinition => ({
  roleName: 'custom',
  name: 'c',
  custom: true,
  assignableScopes: [RG],
  permissions: [{ actions, notActions, dataActions: [], notDataActions: [] }],
});
const at = (role: RoleDefinition, scope: string, principalId = 'p'): Assignment => ({ principalId, role, scope });

describe('globMatch', () => {
  it.each([
    ['*', `${ML}/workspaces/read`, true],
    [`${ML}/*`, `${ML}/workspaces/onlineEndpoints/score/action`, true],
    [`${ML}/workspaces/*/read`, `${ML}/workspaces/jobs/read`, true],
    [`${ML}/workspaces/*/read`, `${ML}/workspaces/read`, false],
    [`${ML}/workspaces/onlineEndpoints/*/action`, `${ML}/workspaces/onlineEndpoints/token/action`, true],
    [`${ML}/workspaces/onlineEndpoints/*/action`, `${ML}/workspaces/onlineEndpoints/write`, false],
    ['MICROSOFT.machinelearningservices/Workspaces/READ', `${ML}/workspaces/read`, true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['*/read', 'x/read/more', false],
  ])('%s ~ %s: %s', (p, t, expected) => expect(globMatch(p, t)).toBe(expected));
});

describe('scope inheritance', () => {
  it.each([
    [SUB, EP, true],
    [RG, EP, true],
    [WS, EP, true],
    [EP, EP, true],
    [EP, WS, false],
    [`${WS}/onlineEndpoints/e`, EP, false],
    [WS.toUpperCase(), EP, true],
    [`${RG}/providers/${ML}/workspaces/w`, WS, false],
  ])('assignment at %s covers %s: %s', (a, s, expected) => expect(scopeContains(a, s)).toBe(expected));
});

describe('isAuthorized', () => {
  it('built-in Owner, Contributor and Reader', () => {
    expect(isAuthorized([at(builtIn('Owner'), RG)], 'p', 'Microsoft.Authorization/roleAssignments/write', WS)).toBe(true);
    expect(isAuthorized([at(builtIn('Contributor'), RG)], 'p', 'Microsoft.Authorization/roleAssignments/write', WS)).toBe(false);
    expect(isAuthorized([at(builtIn('Contributor'), RG)], 'p', `${ML}/workspaces/onlineEndpoints/score/action`, EP)).toBe(true);
    expect(isAuthorized([at(builtIn('Reader'), RG)], 'p', `${ML}/workspaces/read`, WS)).toBe(true);
    expect(isAuthorized([at(builtIn('Reader'), RG)], 'p', `${ML}/workspaces/onlineEndpoints/listKeys/action`, EP)).toBe(false);
  });

  it('AzureML Data Scientist: wildcards with NotActions carve-outs', () => {
    const a = [at(builtIn('AzureML Data Scientist'), WS)];
    expect(isAuthorized(a, 'p', `${ML}/workspaces/onlineEndpoints/score/action`, EP)).toBe(true);
    expect(isAuthorized(a, 'p', `${ML}/workspaces/batchEndpoints/jobs/write`, WS)).toBe(true);
    expect(isAuthorized(a, 'p', `${ML}/workspaces/computes/listKeys/action`, WS)).toBe(false);
    expect(isAuthorized(a, 'p', `${ML}/workspaces/read`, WS)).toBe(false);
  });

  it('the union across assignments: a NotAction of one role is granted by another', () => {
    const a = [at(builtIn('AzureML Data Scientist'), WS), at(custom([`${ML}/workspaces/computes/listKeys/action`]), WS)];
    expect(isAuthorized(a, 'p', `${ML}/workspaces/computes/listKeys/action`, WS)).toBe(true);
  });

  it('only the principal of the assignment, only at or below its scope', () => {
    const a = [at(custom([`${ML}/*`]), EP)];
    expect(isAuthorized(a, 'p', `${ML}/workspaces/onlineEndpoints/read`, EP)).toBe(true);
    expect(isAuthorized(a, 'q', `${ML}/workspaces/onlineEndpoints/read`, EP)).toBe(false);
    expect(isAuthorized(a, 'p', `${ML}/workspaces/read`, WS)).toBe(false);
  });

  it('a custom role with mixed case and a carve-out', () => {
    const a = [at(custom([`microsoft.machinelearningservices/WORKSPACES/*`], [`${ML}/workspaces/datastores/listsecrets/action`]), RG)];
    expect(isAuthorized(a, 'p', `${ML}/workspaces/datastores/read`, WS)).toBe(true);
    expect(isAuthorized(a, 'p', `${ML}/workspaces/datastores/listsecrets/action`, WS)).toBe(false);
  });

  it('data actions are separate from actions', () => {
    const a = [at(builtIn('Storage Blob Data Reader'), RG), at(builtIn('Owner'), RG)];
    expect(isDataAuthorized(a, 'p', 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read', RG)).toBe(true);
    expect(isDataAuthorized([at(builtIn('Owner'), RG)], 'p', 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read', RG)).toBe(false);
  });
});
