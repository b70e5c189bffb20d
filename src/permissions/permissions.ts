// Permission diagnosis: which required actions the identity lacks (read ahead of time from
// Microsoft.Authorization/permissions, or learned from a denial), and the exact fix — a built-in
// role, a minimal custom role and the az commands — in one report for the log, summary and output.
import type { AuthorizationManagementClient } from '@azure/arm-authorization';
import { ActionError } from '../reporting/errors.js';
import { isAllowed, isDataActionAllowed, type PermissionEntry } from './rbac.js';
import { endpointResourceType, suggestRole, type Requirement, type Scopes } from './catalog.js';

export interface Principal {
  clientId?: string;
  objectId?: string;
}

export interface PermissionReport {
  principal: Principal;
  missing: Requirement[];
  /** How the gap was found. */
  source: 'pre-flight' | 'denied';
  /** Extra context, e.g. why a 401 is read as a missing action. */
  note?: string;
}

export interface ReportContext {
  scopes: Scopes;
  endpointType: 'batch' | 'online';
  endpoint: string;
}

/** Effective permissions at the endpoint's scope (the workspace's when none is named), inherited assignments included. */
export async function readPermissions(
  authz: AuthorizationManagementClient,
  p: { resourceGroup: string; workspace: string; endpointType: 'batch' | 'online'; endpoint: string },
): Promise<PermissionEntry[]> {
  const provider = 'Microsoft.MachineLearningServices';
  const pages = p.endpoint
    ? authz.permissions.listForResource(p.resourceGroup, provider, `workspaces/${p.workspace}`, endpointResourceType(p.endpointType), p.endpoint)
    : authz.permissions.listForResource(p.resourceGroup, provider, '', 'workspaces', p.workspace);
  return readEntries(pages);
}

/**
 * Every entry of a permissions answer. The model lets an entry leave out both of its lists; such
 * an entry says nothing, so the answer is not read (rather than read as "no permissions").
 */
async function readEntries(pages: AsyncIterable<PermissionEntry>): Promise<PermissionEntry[]> {
  const entries: PermissionEntry[] = [];
  for await (const entry of pages) {
    if (entry.actions == null && entry.dataActions == null) throw new Error('an entry of its answer lists neither actions nor dataActions');
    entries.push(entry);
  }
  return entries;
}

/** The required actions the entries do not allow, in the order given. */
export function findMissing(entries: PermissionEntry[], required: Requirement[]): Requirement[] {
  return required.filter((r) => !(r.data ? isDataActionAllowed(entries, r.action) : isAllowed(entries, r.action)));
}

/** Effective permissions at a storage account (its data actions included), by its resource id. */
export async function readAccountPermissions(authz: AuthorizationManagementClient, accountId: string): Promise<PermissionEntry[]> {
  const m = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Storage\/storageAccounts\/([^/]+)$/i.exec(accountId);
  if (!m) throw new Error(`not a storage account id: ${accountId}`);
  return readEntries(authz.permissions.listForResource(m[1], 'Microsoft.Storage', '', 'storageAccounts', m[2]));
}

/** A scope as the reports name it: "workspace 'ws'", "storage account 'st'", "resource group 'rg'"… */
export function shortScope(scope: string): string {
  const m = /\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)(?:\/(batchEndpoints|onlineEndpoints)\/([^/]+))?$/i.exec(scope);
  if (m?.[3]) return `${m[2]?.toLowerCase() === 'batchendpoints' ? 'batch endpoint' : 'online endpoint'} '${m[3]}'`;
  if (m?.[1]) return `workspace '${m[1]}'`;
  const account = /\/providers\/Microsoft\.Storage\/storageAccounts\/([^/]+)$/i.exec(scope);
  if (account) return `storage account '${account[1]}'`;
  const registry = /\/providers\/Microsoft\.ContainerRegistry\/registries\/([^/]+)$/i.exec(scope);
  if (registry) return `container registry '${registry[1]}'`;
  const rg = /\/resourceGroups\/([^/]+)$/i.exec(scope);
  if (rg) return `resource group '${rg[1]}'`;
  const subscription = /^\/subscriptions\/([^/]+)$/i.exec(scope);
  if (subscription) return `subscription ${subscription[1]}`;
  return scope;
}

function who(principal: Principal): string {
  if (principal.clientId && principal.objectId) return `service principal ${principal.clientId} (object id ${principal.objectId})`;
  if (principal.clientId) return `service principal ${principal.clientId}`;
  if (principal.objectId) return `the identity with object id ${principal.objectId}`;
  return 'the signed-in identity';
}

function assignee(principal: Principal): string {
  return principal.objectId
    ? `--assignee-object-id ${principal.objectId} --assignee-principal-type ServicePrincipal`
    : `--assignee ${principal.clientId ?? '<client-id>'}`;
}

/** The az command that assigns a role to a principal at a scope. */
export function assignRoleCommand(principal: Principal, role: string, scope: string): string {
  return `az role assignment create ${assignee(principal)} --role "${role}" --scope ${scope}`;
}

export interface Fix {
  roleName?: string;
  nearMiss?: string;
  customRole: Record<string, unknown>;
  commands: string[];
}

/** The least-privilege custom role (exactly the missing actions) and the commands that apply it. */
export function buildFix(report: PermissionReport, ctx: ReportContext): Fix {
  const actions = [...new Set(report.missing.filter((m) => !m.data).map((m) => m.action))];
  const dataActions = [...new Set(report.missing.filter((m) => m.data).map((m) => m.action))];
  const scopes = [...new Set(report.missing.map((m) => m.scope))];
  // Assignable where each scope lives: the workspace's resource group, or a storage account's own.
  const assignable = [...new Set(scopes.map((sc) => /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+/i.exec(sc)?.[0] ?? ctx.scopes.resourceGroup))];
  const name = `azureml-invoke ${ctx.endpointType} ${ctx.endpoint}`;
  // Custom roles are assignable at management group, subscription or resource group level only;
  // the assignment itself goes on the narrow scope below.
  const customRole = {
    Name: name,
    IsCustom: true,
    Description: `What azureml-invoke needs to invoke ${ctx.endpointType} endpoint '${ctx.endpoint}'.`,
    Actions: actions,
    NotActions: [],
    DataActions: dataActions,
    NotDataActions: [],
    AssignableScopes: assignable,
  };
  const commands = [`az role definition create --role-definition '${JSON.stringify(customRole)}'`];
  for (const scope of scopes) commands.push(assignRoleCommand(report.principal, name, scope));
  const suggestion = suggestRole(actions, dataActions);
  const fix: Fix = { customRole, commands, roleName: suggestion?.roleName };
  if (suggestion?.nearMiss) {
    const lacks = suggestion.nearMiss.lacks
      .map((l) => (l.carvedOutBy ? `${l.action} (removed by its NotActions '${l.carvedOutBy}')` : `${l.action} (not matched by its Actions)`))
      .join('; ');
    fix.nearMiss = `${suggestion.nearMiss.roleName} is not enough: it lacks ${lacks}.`;
  }
  return fix;
}

/** First line of the failure: what to grant, to whom, where. */
export function headline(report: PermissionReport): string {
  const scopes = [...new Set(report.missing.map((m) => shortScope(m.scope)))].join(' and ');
  if (report.missing.length === 1) {
    return `Grant ${who(report.principal)} '${report.missing[0].action}' on ${scopes} (the az commands below do it), then re-run.`;
  }
  return `Grant ${who(report.principal)} the ${report.missing.length} missing permissions on ${scopes} (the az commands below do it), then re-run.`;
}

export const PROPAGATION = 'New role assignments can take up to 10 minutes to apply; re-run after that.';

/** The report as log lines. */
export function reportLines(report: PermissionReport, ctx: ReportContext): string[] {
  const fix = buildFix(report, ctx);
  const lines = [
    `${report.source === 'pre-flight' ? 'Permission check' : 'Azure denied the call'}: ${who(report.principal)} lacks ${report.missing.length} required action(s):`,
    ...report.missing.map((m) => `  ${m.action}\n      at ${m.scope}`),
  ];
  if (report.note) lines.push('', report.note);
  lines.push('', 'Least privilege: a custom role with exactly these actions, assigned at the narrowest scope:', ...fix.commands.map((c) => `  ${c}`));
  if (fix.roleName) {
    const scope = report.missing[0].scope;
    lines.push('', `Or the built-in role '${fix.roleName}', which covers them:`, `  ${assignRoleCommand(report.principal, fix.roleName, scope)}`);
  }
  if (fix.nearMiss) lines.push('', fix.nearMiss);
  lines.push('', PROPAGATION);
  return lines;
}

/** The report as job-summary markdown. */
export function reportMarkdown(report: PermissionReport, ctx: ReportContext): string {
  const fix = buildFix(report, ctx);
  const rows = report.missing.map((m) => `| \`${m.action}\` | \`${m.scope}\` |`).join('\n');
  const parts = [
    `### Missing permissions`,
    `${who(report.principal)} lacks ${report.missing.length} required action(s)${report.source === 'pre-flight' ? ' (found by the pre-flight check)' : ''}.`,
    '',
    '| Missing action | Scope |',
    '| --- | --- |',
    rows,
  ];
  if (report.note) parts.push('', report.note);
  parts.push('', '**Fix** (least privilege: a custom role with exactly these actions):', '', '```sh', ...fix.commands, '```');
  if (fix.roleName) parts.push('', `Or assign the built-in role **${fix.roleName}**, which covers them.`);
  if (fix.nearMiss) parts.push('', fix.nearMiss);
  parts.push('', PROPAGATION);
  return parts.join('\n');
}

/** The failure a permission gap ends the run with. */
export function permissionError(report: PermissionReport, ctx: ReportContext): ActionError {
  return new ActionError('permission', headline(report), reportLines(report, ctx), {
    summary: reportMarkdown(report, ctx),
    missingActions: [...new Set(report.missing.map((m) => m.action))],
  });
}
