// The resource manager's side of data access: a workspace's datastores (2022-10-01 shapes, with
// the resourceGroup and subscriptionId of the 2022-10-01-preview model), their secrets, and role
// assignments and definitions
// (authorization 2022-04-01) for the questions "may this cluster read that account?".
import { ContainerSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { armError, authorizationFailed, frontDoor, ML, mlNotFound, re, systemData, WS } from './arm.js';
import type { Route } from './server.js';
import type { State } from './state.js';
import { STORAGE_SUFFIX } from './storage.js';
import { workspaceScope, type DatastoreRec } from './world.js';

export function datastoreRoutes(s: State): Route[] {
  const { w } = s;
  const { admit, guard, inWorkspace, list } = frontDoor(s);
  const created = Date.now() - 30 * 86_400_000;

  // Datastore Get: the real workspaceblobstore of the test_batch_job_download recording.
  const datastoreBody = (d: DatastoreRec) => ({
    id: `${workspaceScope(w, d.workspace)}/datastores/${d.name}`,
    name: d.name,
    type: `${ML}/workspaces/datastores`,
    properties: {
      description: null,
      tags: null,
      properties: null,
      isDefault: d.isDefault,
      credentials: { credentialsType: d.credentials },
      datastoreType: d.datastoreType,
      accountName: d.account,
      containerName: d.container,
      endpoint: STORAGE_SUFFIX[w.cloud],
      protocol: 'https',
      serviceDataAccessAuthIdentity: d.credentials === 'None' ? 'None' : 'WorkspaceSystemAssignedIdentity',
      resourceGroup: w.resourceGroup,
      subscriptionId: w.subscriptionId,
    },
    systemData: systemData(created, w.workspaces[0].workspaceId, 'Application'),
  });

  const find = (ws: string, name: string) => w.datastores.find((d) => d.workspace === ws && d.name.toLowerCase() === name.toLowerCase());

  const roleDefinitionId = (name: string) => `/subscriptions/${w.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${name}`;

  return [
    {
      // Datastores_List: isDefault, names, count; first page only is enough for the clients here.
      service: 'management',
      method: 'GET',
      path: re(`${WS}/datastores`),
      model: 'DatastoreResourceArmPaginatedResult',
      handler: (ctx) => {
        const g = inWorkspace(ctx, `${ML}/workspaces/datastores/read`);
        if (!g) return;
        const isDefault = ctx.query.get('isDefault');
        const names = ctx.query
          .get('names')
          ?.split(',')
          .map((n) => n.trim().toLowerCase());
        const items = w.datastores
          .filter((d) => d.workspace === g.ws.name)
          .filter((d) => isDefault === null || String(d.isDefault) === isDefault.toLowerCase())
          .filter((d) => !names || names.includes(d.name.toLowerCase()))
          .map(datastoreBody);
        list(ctx, items, Number(ctx.query.get('count') ?? 30) || 30);
      },
    },
    {
      service: 'management',
      method: 'GET',
      path: re(`${WS}/datastores/(?<name>[^/]+)`),
      model: 'Datastore',
      handler: (ctx) => {
        const g = inWorkspace(ctx, `${ML}/workspaces/datastores/read`);
        if (!g) return;
        const d = find(g.ws.name, ctx.params.name);
        if (!d) return mlNotFound(ctx, `datastore '${ctx.params.name}'`);
        ctx.json(200, datastoreBody(d));
      },
    },
    {
      // Datastores_ListSecrets (examples/Datastore/listSecrets.json): AccountKey {key} or Sas {sasToken}.
      service: 'management',
      method: 'POST',
      path: re(`${WS}/datastores/(?<name>[^/]+)/listSecrets`),
      model: 'DatastoreSecrets',
      handler: (ctx) => {
        const g = inWorkspace(ctx, `${ML}/workspaces/datastores/listsecrets/action`);
        if (!g) return;
        const d = find(g.ws.name, ctx.params.name);
        if (!d) return mlNotFound(ctx, `datastore '${ctx.params.name}'`);
        const account = w.storageAccounts.find((a) => a.name === d.account)!;
        if (d.credentials === 'AccountKey') return ctx.json(200, { secretsType: 'AccountKey', key: account.key });
        if (d.credentials === 'Sas') {
          const now = Date.now();
          const sas = generateBlobSASQueryParameters(
            {
              containerName: d.container,
              permissions: ContainerSASPermissions.parse('racwdl'),
              startsOn: new Date(now - (d.sasExpired ? 2 * 86_400_000 : 300_000)),
              expiresOn: new Date(now + (d.sasExpired ? -86_400_000 : 86_400_000)),
            },
            new StorageSharedKeyCredential(account.name, account.key),
          ).toString();
          w.issued.push(sas);
          return ctx.json(200, { secretsType: 'Sas', sasToken: sas });
        }
        // An identity-based datastore has nothing to list; the real answer is unknown (a guess).
        armError(ctx, 400, 'UserError', `Datastore '${d.name}' has no credentials: it is identity-based, reached with the caller's own token.`);
      },
    },
    {
      // RoleAssignments_ListForScope (RoleAssignments_ListForScope.json): those that apply at the
      // scope (at it or above), $filter atScope(), principalId eq '…' or assignedTo('…').
      service: 'management',
      method: 'GET',
      path: /^\/subscriptions\/(?<sub>[^/]+)(?<scope>\/.*?)?\/providers\/Microsoft\.Authorization\/roleAssignments$/i,
      model: 'RoleAssignmentListResult',
      handler: (ctx) => {
        const scope = `/subscriptions/${ctx.params.sub}${ctx.params.scope ?? ''}`;
        const action = 'Microsoft.Authorization/roleAssignments/read';
        if (w.spec.roleAssignmentsApi === 'denied') {
          const caller = admit(ctx);
          if (caller) ctx.json(403, authorizationFailed(caller, action, scope));
          return;
        }
        if (!guard(ctx, action, scope)) return;
        const filter = ctx.query.get('$filter') ?? '';
        const principal = /(?:principalId eq|assignedTo\()\s*'([^']+)'/i.exec(filter)?.[1]?.toLowerCase();
        const atScope = /atScope\(\)/i.test(filter);
        const lower = scope.toLowerCase();
        const items = w.assignments
          .filter((a) => lower === a.scope.toLowerCase() || (!atScope && lower.startsWith(`${a.scope.toLowerCase()}/`)))
          .filter((a) => !principal || a.principalId.toLowerCase() === principal)
          .map((a, i) => {
            const name = `${a.principalId.slice(0, 8)}-${a.role.name.slice(9, 23)}-${String(i).padStart(12, '0')}`;
            return {
              properties: {
                roleDefinitionId: roleDefinitionId(a.role.name),
                principalId: a.principalId,
                principalType: 'ServicePrincipal',
                scope: a.scope,
                condition: null,
                conditionVersion: null,
                createdOn: new Date(created).toISOString(),
                updatedOn: new Date(created).toISOString(),
                createdBy: null,
                updatedBy: null,
                delegatedManagedIdentityResourceId: null,
                description: null,
              },
              id: `${a.scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
              type: 'Microsoft.Authorization/roleAssignments',
              name,
            };
          });
        ctx.json(200, { value: items });
      },
    },
    {
      // RoleDefinitions_GetById / _Get (GetRoleDefinitionById.json).
      service: 'management',
      method: 'GET',
      path: /^(?:\/subscriptions\/(?<sub>[^/]+)(?:\/.*?)?)?\/providers\/Microsoft\.Authorization\/roleDefinitions\/(?<id>[^/]+)$/i,
      model: 'RoleDefinition',
      handler: (ctx) => {
        const role = w.roles.find((r) => r.name.toLowerCase() === ctx.params.id.toLowerCase());
        // Role definitions are readable by every signed-in caller (built-in ones are public); a guess for custom ones.
        if (!admit(ctx)) return;
        if (!role) return armError(ctx, 404, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${ctx.params.id}' does not exist.`);
        ctx.json(200, {
          properties: {
            roleName: role.roleName,
            type: role.custom ? 'CustomRole' : 'BuiltInRole',
            description: '',
            assignableScopes: role.assignableScopes,
            permissions: role.permissions,
          },
          id: roleDefinitionId(role.name),
          type: 'Microsoft.Authorization/roleDefinitions',
          name: role.name,
        });
      },
    },
  ];
}
