// The online endpoint identity's diagnosis, pure parts: the identity read from any answer, the
// secret-store trigger, the RBAC match of a need against held roles (fast-check: wildcards,
// NotActions carve-outs, parent scopes), which needs are checked, and the error it produces.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { covers, type HeldRole } from '../../../src/permissions/assignments.js';
import { ENDPOINT_IDENTITY_NEEDS, type EndpointNeed } from '../../../src/permissions/catalog.js';
import { grantedBy, identityOf, needsFor, usesSecretStore, type Check, type IdentityFinding } from '../../../src/permissions/endpoint-identity.js';
import { explainWithIdentity, findingMarkdown } from '../../../src/permissions/endpoint-identity-report.js';
import type { PermissionEntry } from '../../../src/permissions/rbac.js';
import { ActionError } from '../../../src/reporting/errors.js';

const SUB = '/subscriptions/0000';
const RG = `${SUB}/resourceGroups/rg`;
const REGISTRY = `${RG}/providers/Microsoft.ContainerRegistry/registries/cr1`;
const ACCOUNT = `${RG}/providers/Microsoft.Storage/storageAccounts/st1`;
const WS = `${RG}/providers/Microsoft.MachineLearningServices/workspaces/ws`;
const need = (on: EndpointNeed['on']) => ENDPOINT_IDENTITY_NEEDS.find((n) => n.on === on)!;
const PULL = need('containerRegistry');
const READ = need('storageAccount');
const SECRETS = need('workspace');
const UAI = (name: string) => `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;

describe('the needs, from the catalogs', () => {
  it("AcrPull's pull action and Storage Blob Data Reader's blob read, both granted to a system-assigned identity; the secrets reader only with a secret store", () => {
    expect(PULL).toMatchObject({ role: 'AcrPull', action: 'Microsoft.ContainerRegistry/registries/pull/read', data: false, autoGranted: true });
    expect(READ).toMatchObject({
      role: 'Storage Blob Data Reader',
      action: 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read',
      data: true,
      autoGranted: true,
    });
    expect(SECRETS).toMatchObject({
      role: 'Azure Machine Learning Workspace Connection Secrets Reader',
      action: 'Microsoft.MachineLearningServices/workspaces/connections/listsecrets/action',
      autoGranted: false,
      secretStore: true,
    });
    expect(needsFor('user', false)).toEqual([PULL, READ]);
    expect(needsFor('user', true)).toEqual([PULL, READ, SECRETS]);
    expect(needsFor('system', false)).toEqual([]);
    expect(needsFor('system', true)).toEqual([SECRETS]);
  });
});

describe('identityOf', () => {
  it('system-assigned: its principal; user-assigned: each one, named by its resource id', () => {
    expect(identityOf({ type: 'SystemAssigned', principalId: 'p0' })).toEqual({ kind: 'system', type: 'SystemAssigned', principals: [{ principalId: 'p0' }] });
    expect(identityOf({ type: 'UserAssigned', userAssignedIdentities: { [UAI('a')]: { principalId: 'pa' }, [UAI('b')]: { principalId: 'pb' } } })).toEqual({
      kind: 'user',
      type: 'UserAssigned',
      principals: [
        { principalId: 'pa', name: 'a' },
        { principalId: 'pb', name: 'b' },
      ],
    });
  });

  it('none, no type, or a principal missing: nothing to check, and the type is kept to be named', () => {
    expect(identityOf(undefined).kind).toBe('none');
    expect(identityOf({ type: 'None' }).kind).toBe('none');
    expect(identityOf({ type: 'UserAssigned', userAssignedIdentities: { [UAI('a')]: {} } })).toEqual({ kind: 'unknown', type: 'UserAssigned', principals: [] });
    expect(identityOf({ type: 'SystemAssigned' }).kind).toBe('unknown');
    expect(identityOf({ type: 'FederatedAssigned' }).type).toBe('FederatedAssigned');
  });

  it('never throws, whatever the answer holds (fast-check)', () => {
    const value = fc.oneof(fc.constant(undefined), fc.constant(null), fc.string(), fc.record({ principalId: fc.option(fc.string(), { nil: undefined }) }));
    fc.assert(
      fc.property(
        fc.record(
          {
            type: fc.option(fc.constantFrom('SystemAssigned', 'UserAssigned', 'SystemAssigned,UserAssigned', 'None', 'x'), { nil: undefined }),
            principalId: fc.option(fc.uuid(), { nil: undefined }),
            userAssignedIdentities: fc.option(fc.dictionary(fc.string(), value), { nil: undefined }),
          },
          { requiredKeys: [] },
        ),
        (identity) => {
          const id = identityOf(identity as never);
          expect(['system', 'user', 'none', 'unknown']).toContain(id.kind);
          for (const p of id.principals) expect(typeof p.principalId).toBe('string');
        },
      ),
    );
  });
});

describe('usesSecretStore', () => {
  it('the endpoint enforcing access to the default secret store, or a connection reference in the environment', () => {
    expect(usesSecretStore({ enforce_access_to_default_secret_stores: 'enabled' }, {})).toBe(true);
    expect(usesSecretStore({ Enforce_Access_To_Default_Secret_Stores: 'True' }, undefined)).toBe(true);
    expect(usesSecretStore({ enforce_access_to_default_secret_stores: 'disabled' }, {})).toBe(false);
    expect(usesSecretStore(undefined, { KEY: '${{azureml://connections/openai/credentials/key}}' })).toBe(true);
    expect(usesSecretStore({ other: null }, { KEY: '${{keyvault:https://kv.vault.azure.net/secrets/s/1}}', NULL: null })).toBe(false);
  });
});

// Segments of resource ids, with characters a regular expression would read as syntax.
const segment = fc.stringMatching(/^[a-zA-Z0-9.()+-]{1,8}$/);
const path = fc.array(segment, { minLength: 1, maxLength: 6 });

describe('covers: an assignment applies at its scope and below it (fast-check)', () => {
  it('a scope covers every id that extends it by whole segments, in any case, and nothing else', () => {
    fc.assert(
      fc.property(path, path, fc.boolean(), (a, rest, upper) => {
        const scope = `/${a.join('/')}`;
        const resource = `${scope}/${rest.join('/')}`;
        expect(covers(upper ? scope.toUpperCase() : scope, resource)).toBe(true);
        expect(covers(resource, scope)).toBe(false);
        // A longer name is another resource, not a child: /rg-a does not cover /rg-ab.
        expect(covers(scope, `${scope}${rest[0]}`)).toBe(false);
      }),
    );
  });

  it('the root and a management group, listed for a resource, are above it', () => {
    expect(covers('/', REGISTRY)).toBe(true);
    expect(covers('/providers/Microsoft.Management/managementGroups/contoso', REGISTRY)).toBe(true);
    expect(covers(`${REGISTRY}/`, REGISTRY)).toBe(true);
  });
});

/** An action's segments with some of them, or parts of them, replaced by '*'. */
function wildcard(action: string, picks: number[]): string {
  const parts = action.split('/');
  for (const p of picks) {
    const i = p % parts.length;
    parts[i] = p % 3 === 0 ? '*' : `${parts[i].slice(0, p % (parts[i].length + 1))}*`;
  }
  return parts.join('/');
}

const role = (entry: PermissionEntry, scope: string, roleName = 'custom'): HeldRole => ({ roleName, scope, permissions: [entry] });
const scopes = fc.constantFrom(SUB, RG, REGISTRY, ACCOUNT);

describe('grantedBy: a need against the roles held (fast-check)', () => {
  it('a role that grants the action through a wildcard, assigned at the resource or a parent scope, grants it', () => {
    fc.assert(
      fc.property(fc.constantFrom(PULL, READ), fc.array(fc.nat(), { maxLength: 4 }), fc.constantFrom(SUB, RG), (n, picks, parent) => {
        const resource = n === PULL ? REGISTRY : ACCOUNT;
        const pattern = wildcard(n.action, picks);
        const held = role(n.data ? { dataActions: [pattern] } : { actions: [pattern] }, parent);
        expect(grantedBy(n, resource, [held])).toBe(held);
        expect(grantedBy(n, resource, [role(held.permissions[0], resource)])).toBeDefined();
      }),
    );
  });

  it('a NotActions carve-out of the same entry removes it; another role still grants it (NotActions are no deny)', () => {
    fc.assert(
      fc.property(fc.constantFrom(PULL, READ), fc.array(fc.nat(), { maxLength: 3 }), fc.array(fc.nat(), { maxLength: 3 }), (n, allow, deny) => {
        const resource = n === PULL ? REGISTRY : ACCOUNT;
        const carved = role(
          n.data
            ? { dataActions: [wildcard(n.action, allow)], notDataActions: [wildcard(n.action, deny)] }
            : { actions: [wildcard(n.action, allow)], notActions: [wildcard(n.action, deny)] },
          RG,
        );
        expect(grantedBy(n, resource, [carved])).toBeUndefined();
        const other = role(n.data ? { dataActions: [n.action] } : { actions: [n.action] }, resource, n.role);
        expect(grantedBy(n, resource, [carved, other])).toBe(other);
      }),
    );
  });

  it('an assignment on another resource, or below the one needed, grants nothing', () => {
    fc.assert(
      fc.property(fc.constantFrom(PULL, READ), scopes, (n, scope) => {
        const resource = n === PULL ? REGISTRY : ACCOUNT;
        const held = role({ actions: ['*'], dataActions: ['*'] }, scope);
        expect(grantedBy(n, resource, [held]) !== undefined).toBe(covers(scope, resource));
        expect(grantedBy(n, resource, [role({ actions: ['*'], dataActions: ['*'] }, `${resource}/blobServices/default`)])).toBeUndefined();
      }),
    );
  });

  it('blob read is a data action: Owner-like Actions "*" do not grant it, and Reader "*/read" grants the pull', () => {
    expect(grantedBy(READ, ACCOUNT, [role({ actions: ['*'] }, RG, 'Owner')])).toBeUndefined();
    expect(grantedBy(PULL, REGISTRY, [role({ actions: ['*/read'] }, RG, 'Reader')])?.roleName).toBe('Reader');
    expect(grantedBy(SECRETS, WS, [role({ actions: ['Microsoft.MachineLearningServices/workspaces/*/action'] }, WS, 'AzureML Data Scientist')])).toBeDefined();
  });
});

const stopped = new ActionError(
  'not-ready',
  "Fix or redeploy deployment 'blue': its provisioning state is 'Failed' (BadArgument: Unable to download user container image), so it cannot be invoked.",
  ["Its last operation's status was read."],
);
const a = { principalId: '11111111-aaaa', name: 'uai-a' };
const b = { principalId: '22222222-bbbb', name: 'uai-b' };
const finding = (checks: Check[], extra: Partial<IdentityFinding> = {}): IdentityFinding => ({
  endpoint: 'smoke',
  deployment: 'blue',
  identity: { kind: 'user', type: 'UserAssigned', principals: [a] },
  checks,
  notes: [],
  ...extra,
});
const held = (n: EndpointNeed, resource: string, by = role({ actions: ['*'] }, RG, 'Contributor')): Check => ({
  principal: a,
  need: n,
  resource,
  result: { state: 'held', by },
});

describe('explainWithIdentity', () => {
  it('a missing role leads: the role, the scope, the identity, then the command; the deployment error follows', () => {
    const e = explainWithIdentity(stopped, finding([{ principal: a, need: PULL, resource: REGISTRY, result: { state: 'missing' } }, held(READ, ACCOUNT)]), {
      onlyMissing: false,
    });
    expect(e.kind).toBe('permission');
    expect(e.message).toBe(
      "Grant 'AcrPull' on container registry 'cr1' to user-assigned identity 'uai-a' (principal id 11111111-aaaa), which online endpoint 'smoke' runs deployment 'blue' as: its container cannot start without it.",
    );
    expect(e.details).toContain(
      `  az role assignment create --assignee-object-id 11111111-aaaa --assignee-principal-type ServicePrincipal --role "AcrPull" --scope ${REGISTRY}`,
    );
    expect(e.details).toContain("Held: 'Storage Blob Data Reader' on storage account 'st1' by 'uai-a' through 'Contributor' at resource group 'rg'.");
    expect(e.details).toContain(`What stopped the run: ${stopped.message}`);
    expect(e.details.at(-1)).toBe("Its last operation's status was read.");
    expect(e.summary).toContain("| uai-a | AcrPull | container registry 'cr1' | ❌ missing |");
    expect(e.missingActions).toBeUndefined();
  });

  it('several identities lacking roles are named together', () => {
    const checks: Check[] = [
      { principal: a, need: PULL, resource: REGISTRY, result: { state: 'missing' } },
      { principal: b, need: READ, resource: ACCOUNT, result: { state: 'missing' } },
    ];
    const e = explainWithIdentity(stopped, finding(checks, { identity: { kind: 'user', principals: [a, b] } }), { onlyMissing: true });
    expect(e.message).toMatch(
      /^Grant 'AcrPull' on container registry 'cr1' and 'Storage Blob Data Reader' on storage account 'st1' to the user-assigned identities 'uai-a' and 'uai-b', .*without them\.$/,
    );
    expect(e.details).toContain(
      "If 'blue' ends Failed, redeploy it (update it again). New role assignments can take up to 10 minutes to apply; re-run after that.",
    );
  });

  it("both roles held: the deployment's own error stays first, and the lines say the roles are there", () => {
    const e = explainWithIdentity(stopped, finding([held(PULL, REGISTRY, role({ actions: [PULL.action] }, REGISTRY, 'AcrPull')), held(READ, ACCOUNT)]), {
      onlyMissing: false,
    });
    expect(e.message).toBe(stopped.message);
    expect(e.kind).toBe('not-ready');
    expect(e.details).toContain("Held: 'AcrPull' on container registry 'cr1' by 'uai-a'.");
    expect(e.details).toContain("It holds every role a deployment needs to start: the cause is the deployment's own error, above.");
    expect(e.details.at(-1)).toBe(stopped.details[0]);
  });

  it("a system-assigned identity: Azure grants the roles itself, the guide's other causes", () => {
    const e = explainWithIdentity(stopped, finding([], { identity: { kind: 'system', principals: [{ principalId: 'p0' }] } }), { onlyMissing: false });
    expect(e.details[0]).toBe(
      "Online endpoint 'smoke' runs deployment 'blue' as its system-assigned identity (principal id p0), which Azure grants 'AcrPull' on the workspace's container registry and 'Storage Blob Data Reader' on the workspace's storage account itself.",
    );
    expect(e.details[1]).toMatch(/^If the image or the model cannot be downloaded, .*private registry.*another workspace.*managed network/);
  });

  it('role assignments that cannot be read: one line, naming the permission and what it would have checked', () => {
    const unread = (n: EndpointNeed, resource: string): Check => ({
      principal: a,
      need: n,
      resource,
      result: { state: 'unread', why: 'HTTP 403 AuthorizationFailed' },
    });
    const e = explainWithIdentity(stopped, finding([unread(PULL, REGISTRY), unread(READ, ACCOUNT)]), { onlyMissing: false });
    expect(e.message).toBe(stopped.message);
    expect(e.details.filter((l) => l.includes('Microsoft.Authorization/roleAssignments/read'))).toEqual([
      "The identity's role assignments were not read (HTTP 403 AuthorizationFailed): with 'Microsoft.Authorization/roleAssignments/read' there (Reader has it), the run would check that 'uai-a' holds 'AcrPull' on container registry 'cr1' and 'Storage Blob Data Reader' on storage account 'st1'.",
    ]);
    expect(findingMarkdown(finding([unread(PULL, REGISTRY)]))).toContain('❔ not read (HTTP 403 AuthorizationFailed)');
  });

  it('still provisioning (onlyMissing): the error is unchanged unless a role is missing; an unread endpoint is a note', () => {
    expect(explainWithIdentity(stopped, finding([held(PULL, REGISTRY)]), { onlyMissing: true })).toBe(stopped);
    const e = explainWithIdentity(stopped, { endpoint: 'smoke', deployment: 'blue', checks: [], notes: ['note'] }, { onlyMissing: false });
    expect(e.details.slice(0, 2)).toEqual(['note', '']);
  });
});
