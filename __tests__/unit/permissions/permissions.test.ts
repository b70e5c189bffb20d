import { describe, expect, it } from 'vitest';
import { buildFix, findMissing, headline, permissionError, reportLines, reportMarkdown, type PermissionReport } from '../../../src/permissions/permissions.js';
import { batchRequirements, onlineRequirements, resourceScopes } from '../../../src/permissions/catalog.js';

const ML = 'Microsoft.MachineLearningServices/workspaces';
const batchScopes = resourceScopes({ subscriptionId: 'sub-1', resourceGroup: 'rg', workspace: 'ws', endpointType: 'batch', endpoint: 'nightly' });
const onlineScopes = resourceScopes({ subscriptionId: 'sub-1', resourceGroup: 'rg', workspace: 'ws', endpointType: 'online', endpoint: 'smoke' });
const principal = { clientId: 'app-id', objectId: 'obj-id' };

describe('findMissing', () => {
  it('reports each required action not allowed, with its scope', () => {
    const required = batchRequirements(batchScopes, { wait: true, cancelOnTimeout: false });
    const missing = findMissing([{ actions: [`${ML}/*`], notActions: [`${ML}/datastores/listsecrets/action`] }], required);
    expect(missing).toEqual([{ action: `${ML}/datastores/listsecrets/action`, scope: batchScopes.workspace }]);
    expect(findMissing([{ actions: ['*'] }], required)).toEqual([]);
    expect(findMissing([], required)).toHaveLength(36);
  });
});

describe('the report', () => {
  const report: PermissionReport = { principal, missing: onlineRequirements(onlineScopes, 'aad_token').slice(1), source: 'pre-flight' };
  const ctx = { scopes: onlineScopes, endpointType: 'online' as const, endpoint: 'smoke' };

  it('says what to grant, to whom and where, in its first line', () => {
    expect(headline(report)).toBe(
      `Grant service principal app-id (object id obj-id) '${ML}/onlineEndpoints/score/action' on online endpoint 'smoke' (the az commands below do it), then re-run.`,
    );
  });

  it('builds a minimal custom role assignable at the resource group and assigned at the endpoint', () => {
    const fix = buildFix(report, ctx);
    expect(fix.customRole).toEqual({
      Name: 'azureml-invoke online smoke',
      IsCustom: true,
      Description: "What azureml-invoke needs to invoke online endpoint 'smoke'.",
      Actions: [`${ML}/onlineEndpoints/score/action`],
      NotActions: [],
      DataActions: [],
      NotDataActions: [],
      AssignableScopes: ['/subscriptions/sub-1/resourceGroups/rg'],
    });
    expect(fix.commands).toEqual([
      `az role definition create --role-definition '${JSON.stringify(fix.customRole)}'`,
      `az role assignment create --assignee-object-id obj-id --assignee-principal-type ServicePrincipal --role "azureml-invoke online smoke" --scope ${onlineScopes.endpoint}`,
    ]);
    expect(fix.roleName).toBe('AzureML Data Scientist');
  });

  it('falls back to --assignee with the client id when the object id is unknown', () => {
    const fix = buildFix({ ...report, principal: { clientId: 'app-id' } }, ctx);
    expect(fix.commands[1]).toContain('--assignee app-id --role');
  });

  it('reads the same in the log and the summary, with the propagation note', () => {
    const lines = reportLines(report, ctx).join('\n');
    const md = reportMarkdown(report, ctx);
    for (const text of [lines, md]) {
      expect(text).toContain(`${ML}/onlineEndpoints/score/action`);
      expect(text).toContain(onlineScopes.endpoint);
      expect(text).toContain('az role assignment create');
      expect(text).toContain('up to 10 minutes');
    }
    expect(md).toContain('| Missing action | Scope |');
  });

  it('names the Data Scientist gap for batch invocation', () => {
    const batch: PermissionReport = { principal, missing: batchRequirements(batchScopes, { wait: false, cancelOnTimeout: false }), source: 'pre-flight' };
    const text = reportLines(batch, { scopes: batchScopes, endpointType: 'batch', endpoint: 'nightly' }).join('\n');
    expect(text).toContain("Or the built-in role 'Contributor'");
    expect(text).toContain(
      `AzureML Data Scientist is not enough: it lacks ${ML}/read (not matched by its Actions); ${ML}/computes/listKeys/action (removed by its NotActions '${ML}/computes/listKeys/action')`,
    );
  });

  it('carries the missing actions for the output', () => {
    const err = permissionError(report, ctx);
    expect(err.kind).toBe('permission');
    expect(err.missingActions).toEqual([`${ML}/onlineEndpoints/score/action`]);
    expect(err.summary).toContain('### Missing permissions');
  });
});
