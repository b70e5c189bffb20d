// The least-privilege fix, for random roles of the identity: its custom role holds exactly the
// missing actions (each needed, together enough), and the built-in role it names covers them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import builtInRoles from '../../../src/permissions/catalog/built-in-roles.json' with { type: 'json' };
import { batchRequirements, onlineRequirements, resourceScopes, type OnlineAuthMode } from '../../../src/permissions/catalog.js';
import { buildFix, findMissing, type PermissionReport } from '../../../src/permissions/permissions.js';
import { isAllowed, type PermissionEntry } from '../../../src/permissions/rbac.js';

const roles = builtInRoles.roles as { roleName: string; permissions: PermissionEntry[] }[];
const ML = 'Microsoft.MachineLearningServices';

const target = fc.record({
  endpointType: fc.constantFrom('batch' as const, 'online' as const),
  wait: fc.boolean(),
  cancelOnTimeout: fc.boolean(),
  authMode: fc.constantFrom<OnlineAuthMode>('key', 'aml_token', 'aad_token'),
});
const allRequired = [
  ...batchRequirements(resourceScopes({ subscriptionId: 's', resourceGroup: 'rg', workspace: 'ws', endpointType: 'batch', endpoint: 'e' }), {
    wait: true,
    cancelOnTimeout: true,
  }),
  ...(['key', 'aml_token', 'aad_token'] as const).flatMap((m) =>
    onlineRequirements(resourceScopes({ subscriptionId: 's', resourceGroup: 'rg', workspace: 'ws', endpointType: 'online', endpoint: 'e' }), m),
  ),
].map((r) => r.action);
/** A pattern as roles write them: a required action, a wildcard over a family of them, or anything else. */
const pattern = fc.oneof(
  fc.constantFrom(...allRequired),
  fc.constantFrom(
    `${ML}/*`,
    `${ML}/workspaces/*/read`,
    `${ML}/workspaces/*/action`,
    `${ML}/workspaces/batchEndpoints/*`,
    `${ML}/workspaces/onlineEndpoints/*/action`,
    '*/read',
    'Microsoft.Storage/*',
  ),
  fc.constantFrom(...allRequired).map((a) => a.toUpperCase()),
);
const entry = fc.oneof(
  fc.constantFrom(...roles.flatMap((r) => r.permissions)),
  fc.record({ actions: fc.array(pattern, { maxLength: 8 }), notActions: fc.array(pattern, { maxLength: 3 }) }),
);

describe('least-privilege fix (fast-check)', () => {
  it('covers exactly the missing actions', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 4 }), target, (entries, t) => {
        const scopes = resourceScopes({ subscriptionId: 's', resourceGroup: 'rg', workspace: 'ws', endpointType: t.endpointType, endpoint: 'e' });
        const required = t.endpointType === 'batch' ? batchRequirements(scopes, t) : onlineRequirements(scopes, t.authMode);
        const missing = findMissing(entries, required);
        fc.pre(missing.length > 0);
        const report: PermissionReport = { principal: { clientId: 'c', objectId: 'o' }, missing, source: 'pre-flight' };
        const fix = buildFix(report, { scopes, endpointType: t.endpointType, endpoint: 'e' });
        const granted = fix.customRole.Actions as string[];

        expect(new Set(granted).size).toBe(granted.length);
        expect(new Set(granted)).toEqual(new Set(missing.map((m) => m.action)));
        // Together enough: with the custom role, nothing required is missing.
        expect(findMissing([...entries, { actions: granted }], required)).toEqual([]);
        // Each needed: without any one of its actions, exactly that one is missing again.
        for (const a of granted) {
          expect(findMissing([...entries, { actions: granted.filter((g) => g !== a) }], required).map((m) => m.action)).toEqual([a]);
        }
        // One assignment per scope that lacks something.
        expect(fix.commands.filter((c) => c.startsWith('az role assignment create'))).toHaveLength(new Set(missing.map((m) => m.scope)).size);
        if (fix.roleName) {
          const role = roles.find((r) => r.roleName === fix.roleName)!;
          for (const a of granted) expect(isAllowed(role.permissions, a), `${fix.roleName} allows ${a}`).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
