// Azure's rule for whether a set of role permissions allows an action (Microsoft Learn,
// "Understand Azure role definitions"): case-insensitive, '*' matches any run of characters,
// within one permission entry allowed = Actions - NotActions, across entries the union.
// NotActions are not a deny: another entry may still grant the action. DataActions are apart.

export interface PermissionEntry {
  actions?: string[];
  notActions?: string[];
  dataActions?: string[];
  notDataActions?: string[];
}

const compiled = new Map<string, RegExp>();

function toRegExp(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    // 's': '*' matches any run of characters, line terminators included, as Azure's rule says.
    re = new RegExp(`^${body}$`, 'is');
    compiled.set(pattern, re);
  }
  return re;
}

/** Does an Actions/NotActions pattern such as 'Microsoft.MachineLearningServices/workspaces/*\/read' cover the action? */
export function actionMatches(pattern: string, action: string): boolean {
  return toRegExp(pattern.trim()).test(action.trim());
}

function grants(allow: string[] | undefined, deny: string[] | undefined, action: string): boolean {
  return (allow ?? []).some((p) => actionMatches(p, action)) && !(deny ?? []).some((p) => actionMatches(p, action));
}

/** A control-plane action allowed by any one entry. */
export function isAllowed(entries: PermissionEntry[], action: string): boolean {
  return entries.some((e) => grants(e.actions, e.notActions, action));
}

/** A data-plane action (DataActions - NotDataActions), kept apart from Actions. */
export function isDataActionAllowed(entries: PermissionEntry[], dataAction: string): boolean {
  return entries.some((e) => grants(e.dataActions, e.notDataActions, dataAction));
}

/** The required actions none of the entries allows, in the order given. */
export function missingActions(entries: PermissionEntry[], required: string[]): string[] {
  return required.filter((action) => !isAllowed(entries, action));
}

/** Which NotActions pattern of an entry removes the action (for "looks sufficient but carves out" notes). */
export function carvedOutBy(entries: PermissionEntry[], action: string): string | undefined {
  for (const e of entries) {
    if ((e.actions ?? []).some((p) => actionMatches(p, action))) {
      const hit = (e.notActions ?? []).find((p) => actionMatches(p, action));
      if (hit) return hit;
    }
  }
  return undefined;
}
