import { describe, expect, it } from 'vitest';
import { actionMatches, carvedOutBy, isAllowed, isDataActionAllowed, missingActions, type PermissionEntry } from '../../../src/permissions/rbac.js';

const ML = 'Microsoft.MachineLearningServices';
const scientist: PermissionEntry = {
  actions: [`${ML}/workspaces/*/read`, `${ML}/workspaces/*/action`, `${ML}/workspaces/*/delete`, `${ML}/workspaces/*/write`],
  notActions: [
    `${ML}/workspaces/delete`,
    `${ML}/workspaces/write`,
    `${ML}/workspaces/computes/*/write`,
    `${ML}/workspaces/computes/*/delete`,
    `${ML}/workspaces/computes/listKeys/action`,
    `${ML}/workspaces/listKeys/action`,
  ],
};

describe('actionMatches', () => {
  it.each([
    ['*', `${ML}/workspaces/read`, true],
    ['*', 'Microsoft.Authorization/roleAssignments/write', true],
    [`${ML}/*`, `${ML}/workspaces/batchEndpoints/jobs/write`, true],
    [`${ML}/*`, 'Microsoft.Storage/storageAccounts/read', false],
    [`${ML}/workspaces/*/read`, `${ML}/workspaces/batchEndpoints/deployments/read`, true],
    [`${ML}/workspaces/*/read`, `${ML}/workspaces/read`, false],
    [`${ML}/workspaces/*/read`, `${ML}/workspaces/batchEndpoints/write`, false],
    [`${ML}/workspaces/onlineEndpoints/*/action`, `${ML}/workspaces/onlineEndpoints/score/action`, true],
    [`${ML}/workspaces/onlineEndpoints/*/action`, `${ML}/workspaces/onlineEndpoints/listKeys/action`, true],
    [`${ML}/workspaces/onlineEndpoints/*/action`, `${ML}/workspaces/onlineEndpoints/read`, false],
    ['*/read', `${ML}/workspaces/jobs/read`, true],
    ['*/read', `${ML}/workspaces/jobs/cancel/action`, false],
    ['microsoft.machinelearningservices/WORKSPACES/*', `${ML}/workspaces/read`, true],
    [`${ML}/workspaces/read`, `microsoft.machinelearningservices/workspaces/READ`, true],
    [`${ML}/workspaces/jobs/*`, `${ML}/workspaces/jobs/cancel/action`, true],
    [`${ML}/workspaces/jobs/read`, `${ML}/workspaces/jobs/readx`, false],
    [`${ML}/workspaces/data/*/write`, `${ML}/workspaces/data/versions/write`, true],
    ['Microsoft.Authorization/*/Write', 'Microsoft.Authorization/roleAssignments/write', true],
    [`${ML}/workspaces/(x)/read`, `${ML}/workspaces/(x)/read`, true],
    [`${ML}/workspaces/.+/read`, `${ML}/workspaces/a/read`, false],
  ])('%s covers %s: %s', (pattern, action, expected) => {
    expect(actionMatches(pattern, action)).toBe(expected);
  });

  it("lets '*' match line terminators too, though Azure's actions never hold them", () => {
    expect(actionMatches('a*b', 'a\nb')).toBe(true);
    expect(actionMatches(`${ML}/*/read`, `${ML}/workspaces/\u2028\r/read`)).toBe(true);
  });
});

describe('isAllowed', () => {
  it('subtracts NotActions within the entry that grants', () => {
    expect(isAllowed([scientist], `${ML}/workspaces/computes/listKeys/action`)).toBe(false);
    expect(isAllowed([scientist], `${ML}/workspaces/onlineEndpoints/listKeys/action`)).toBe(true);
    expect(carvedOutBy([scientist], `${ML}/workspaces/computes/listKeys/action`)).toBe(`${ML}/workspaces/computes/listKeys/action`);
    expect(carvedOutBy([scientist], `${ML}/workspaces/read`)).toBeUndefined();
  });

  it('takes the union across entries: NotActions are not a deny', () => {
    const listKeys: PermissionEntry = { actions: [`${ML}/workspaces/computes/listKeys/action`] };
    expect(isAllowed([scientist, listKeys], `${ML}/workspaces/computes/listKeys/action`)).toBe(true);
  });

  it('a NotActions wildcard carves out a whole family', () => {
    const entry: PermissionEntry = { actions: ['*'], notActions: [`${ML}/workspaces/*/write`] };
    expect(isAllowed([entry], `${ML}/workspaces/datastores/write`)).toBe(false);
    expect(isAllowed([entry], `${ML}/workspaces/datastores/read`)).toBe(true);
  });

  it('keeps DataActions apart from Actions', () => {
    const blob: PermissionEntry = { actions: [], dataActions: ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'] };
    expect(isAllowed([blob], 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read')).toBe(false);
    expect(isDataActionAllowed([blob], 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read')).toBe(true);
    expect(isDataActionAllowed([{ actions: ['*'] }], 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read')).toBe(false);
  });

  it('an empty list allows nothing', () => {
    expect(isAllowed([], `${ML}/workspaces/read`)).toBe(false);
    expect(isAllowed([{}], `${ML}/workspaces/read`)).toBe(false);
  });
});

describe('missingActions', () => {
  it('lists exactly what the AzureML Data Scientist shape lacks, in order', () => {
    const required = [
      `${ML}/workspaces/read`,
      `${ML}/workspaces/batchEndpoints/read`,
      `${ML}/workspaces/computes/listKeys/action`,
      `${ML}/workspaces/listStorageAccountKeys/action`,
    ];
    expect(missingActions([scientist], required)).toEqual([`${ML}/workspaces/read`, `${ML}/workspaces/computes/listKeys/action`]);
  });
});
