import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../../scripts/runner.js';
import { BATCH_INVOKE_ACTIONS, batchRequirements, onlineRequirements, resourceScopes, suggestRole } from '../../../src/permissions/catalog.js';

const scopes = resourceScopes({ subscriptionId: 'sub', resourceGroup: 'rg', workspace: 'ws', endpointType: 'batch', endpoint: 'ep' });
const ML = 'Microsoft.MachineLearningServices/workspaces';

describe('required-action catalogs', () => {
  // The project's copy is what the code reads; where ../shared is present (not on GitHub's CI), it
  // must be the shared reference unchanged.
  const own = join(ROOT, 'src', 'permissions', 'catalog', 'required-actions.json');
  const shared = join(ROOT, '..', 'shared', 'reference', 'required-actions.json');
  it('are the shared reference, unchanged, in the project', () => {
    expect(existsSync(own), own).toBe(true);
    if (existsSync(shared)) expect(JSON.parse(readFileSync(own, 'utf8'))).toEqual(JSON.parse(readFileSync(shared, 'utf8')));
  });

  it('batch: the 35 invocation actions at workspace scope, plus following the job', () => {
    expect(BATCH_INVOKE_ACTIONS).toHaveLength(35);
    const all = batchRequirements(scopes, { wait: true, cancelOnTimeout: true });
    expect(all).toHaveLength(38);
    expect(new Set(all.map((r) => r.scope))).toEqual(new Set([scopes.workspace]));
    expect(all.map((r) => r.action)).toContain(`${ML}/jobs/cancel/action`);
    expect(batchRequirements(scopes, { wait: true, cancelOnTimeout: false }).map((r) => r.action)).not.toContain(`${ML}/jobs/cancel/action`);
    expect(batchRequirements(scopes, { wait: false, cancelOnTimeout: true })).toHaveLength(35);
  });

  it('online: reading the endpoint plus the auth mode action, at endpoint scope', () => {
    const s = resourceScopes({ subscriptionId: 'sub', resourceGroup: 'rg', workspace: 'ws', endpointType: 'online', endpoint: 'ep' });
    expect(s.endpoint).toBe('/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/ep');
    expect(onlineRequirements(s, 'key')).toEqual([
      { action: `${ML}/onlineEndpoints/read`, scope: s.endpoint },
      { action: `${ML}/onlineEndpoints/listKeys/action`, scope: s.endpoint },
    ]);
    expect(onlineRequirements(s, 'aml_token')[1].action).toBe(`${ML}/onlineEndpoints/token/action`);
    expect(onlineRequirements(s, 'aad_token')[1].action).toBe(`${ML}/onlineEndpoints/score/action`);
  });
});

describe('suggestRole', () => {
  it('picks the least privileged built-in role that covers everything', () => {
    expect(suggestRole([`${ML}/read`])?.roleName).toBe('Reader');
    expect(suggestRole([`${ML}/onlineEndpoints/score/action`])?.roleName).toBe('AzureML Data Scientist');
    expect(suggestRole([`${ML}/computes/listKeys/action`])?.roleName).toBe('AzureML Compute Operator');
    expect(suggestRole([...BATCH_INVOKE_ACTIONS])?.roleName).toBe('Contributor');
    expect(suggestRole(['Microsoft.Authorization/roleAssignments/write'])?.roleName).toBe('Owner');
  });

  it('explains why AzureML Data Scientist is not enough for batch invocation', () => {
    const s = suggestRole([...BATCH_INVOKE_ACTIONS])!;
    expect(s.nearMiss?.roleName).toBe('AzureML Data Scientist');
    expect(s.nearMiss?.lacks).toEqual([{ action: `${ML}/read` }, { action: `${ML}/computes/listKeys/action`, carvedOutBy: `${ML}/computes/listKeys/action` }]);
  });
});
