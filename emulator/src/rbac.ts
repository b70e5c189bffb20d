// Azure RBAC as Azure evaluates it (Microsoft Learn, "Understand Azure role definitions"):
// a role assignment applies at its scope and every scope below it; an action is allowed when some
// applicable role has a permission entry whose Actions match it and whose NotActions do not;
// matching ignores case and '*' stands for any run of characters. NotActions are not denies.
// Written apart from the action's own matcher: the emulator models Azure, it must not share the
// logic it is used to test.
import roles from './roles.json' with { type: 'json' };

export interface Permission {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

export interface RoleDefinition {
  roleName: string;
  name: string;
  permissions: Permission[];
  custom: boolean;
  assignableScopes: string[];
}

export interface Assignment {
  principalId: string;
  role: RoleDefinition;
  scope: string;
}

export const BUILT_IN_ROLES: RoleDefinition[] = (roles.roles as { roleName: string; name: string; permissions: Permission[] }[]).map((r) => ({
  ...r,
  custom: false,
  assignableScopes: ['/'],
}));

/** Glob match with '*' only, case-insensitive, by backtracking over the pattern's pieces. */
export function globMatch(pattern: string, text: string): boolean {
  const p = pattern.toLowerCase();
  const t = text.toLowerCase();
  const pieces = p.split('*');
  if (pieces.length === 1) return p === t;
  if (!t.startsWith(pieces[0]) || !t.endsWith(pieces[pieces.length - 1])) return false;
  let pos = pieces[0].length;
  const end = t.length - pieces[pieces.length - 1].length;
  if (end < pos) return false;
  for (const middle of pieces.slice(1, -1)) {
    const at = t.indexOf(middle, pos);
    if (at < 0 || at + middle.length > end) return false;
    pos = at + middle.length;
  }
  return true;
}

/** Does the assignment's scope contain the requested scope (same or an ancestor)? */
export function scopeContains(assignmentScope: string, scope: string): boolean {
  const a = assignmentScope.toLowerCase().replace(/\/+$/, '');
  const s = scope.toLowerCase().replace(/\/+$/, '').replace(/\/\/+/g, '/');
  return a === '' || s === a || s.startsWith(`${a}/`);
}

export function permissionAllows(p: Permission, action: string): boolean {
  return p.actions.some((a) => globMatch(a, action)) && !p.notActions.some((n) => globMatch(n, action));
}

export function permissionAllowsData(p: Permission, dataAction: string): boolean {
  return p.dataActions.some((a) => globMatch(a, dataAction)) && !p.notDataActions.some((n) => globMatch(n, dataAction));
}

/** Permission entries of every role assigned to the principal at or above the scope. */
export function effectivePermissions(assignments: Assignment[], principalId: string, scope: string): Permission[] {
  return assignments
    .filter((a) => a.principalId.toLowerCase() === principalId.toLowerCase() && scopeContains(a.scope, scope))
    .flatMap((a) => a.role.permissions);
}

export function isAuthorized(assignments: Assignment[], principalId: string, action: string, scope: string): boolean {
  return effectivePermissions(assignments, principalId, scope).some((p) => permissionAllows(p, action));
}

export function isDataAuthorized(assignments: Assignment[], principalId: string, dataAction: string, scope: string): boolean {
  return effectivePermissions(assignments, principalId, scope).some((p) => permissionAllowsData(p, dataAction));
}
