// The roles another principal holds at a resource (a compute cluster's or an online endpoint's
// managed identity), read as its role assignments and the role definitions they point to
// (authorization 2022-04-01): `$filter=assignedTo('<principal>')` lists the principal's assignments,
// those of its groups included, at, above and below the scope; only those at the resource or above
// it apply there. Reading them needs Microsoft.Authorization/roleAssignments/read.
import type { AuthorizationManagementClient, RoleDefinition } from '@azure/arm-authorization';
import type { PermissionEntry } from './rbac.js';

export const ROLE_ASSIGNMENTS_READ = 'Microsoft.Authorization/roleAssignments/read';

export interface HeldRole {
  /** The role's name, when its definition says. */
  roleName?: string;
  /** Where it is assigned: the resource or a scope above it. */
  scope: string;
  permissions: PermissionEntry[];
}

/** A management group's scope: above subscriptions, though no resource id starts with it. */
const MANAGEMENT_GROUP = /^\/providers\/Microsoft\.Management\/managementGroups\/[^/]+$/i;

/**
 * Whether an assignment at `assigned` applies at `resource`: the same scope or one above it (ids
 * compare without case). A management group counts as above: the API lists one for a resource
 * only when the resource's subscription is in it.
 */
export function covers(assigned: string, resource: string): boolean {
  const a = assigned.toLowerCase().replace(/\/+$/, '');
  const r = resource.toLowerCase().replace(/\/+$/, '');
  return a === '' || r === a || r.startsWith(`${a}/`) || MANAGEMENT_GROUP.test(a);
}

/** An assignment's scope: its own field, else its id up to /providers/Microsoft.Authorization/roleAssignments/. */
function scopeOf(a: { scope?: string; id?: string }): string | undefined {
  return a.scope ?? a.id?.split(/\/providers\/Microsoft\.Authorization\/roleAssignments\//i)[0];
}

/** Role definitions read once per run, by id. */
export type DefinitionCache = Map<string, Promise<RoleDefinition>>;

/**
 * The roles assigned to a principal that apply at a resource. Throws what the authorization API
 * answered when the assignments or a definition cannot be read.
 */
export async function rolesAt(
  authz: AuthorizationManagementClient,
  principalId: string,
  resource: string,
  definitions: DefinitionCache = new Map(),
): Promise<HeldRole[]> {
  const applying: { scope: string; roleDefinitionId: string }[] = [];
  for await (const a of authz.roleAssignments.listForScope(resource, { filter: `assignedTo('${principalId}')` })) {
    const scope = scopeOf(a);
    if (scope !== undefined && a.roleDefinitionId && covers(scope, resource)) applying.push({ scope, roleDefinitionId: a.roleDefinitionId });
  }
  return Promise.all(
    applying.map(async ({ scope, roleDefinitionId }) => {
      const key = roleDefinitionId.toLowerCase();
      let definition = definitions.get(key);
      if (!definition) definitions.set(key, (definition = authz.roleDefinitions.getById(roleDefinitionId)));
      const role = await definition;
      return { roleName: role.roleName, scope, permissions: role.permissions ?? [] };
    }),
  );
}
