// What the endpoint identity's check adds to the error a deployment stops the run with: a role it
// lacks becomes the first line (the role, the scope, the identity) with the command that grants it;
// with every role held, or a system-assigned identity, the deployment's own error stays first and
// the lines say so. The same lines go to the log, the job summary and the error annotation.
import { ActionError } from '../reporting/errors.js';
import type { Check, CheckResult, EndpointIdentity, EndpointPrincipal, IdentityFinding } from './endpoint-identity.js';
import { ROLE_ASSIGNMENTS_READ } from './assignments.js';
import { ENDPOINT_IDENTITY_NEEDS } from './catalog.js';
import { assignRoleCommand, PROPAGATION, shortScope } from './permissions.js';

function who(p: EndpointPrincipal): string {
  return p.name
    ? `user-assigned identity '${p.name}' (principal id ${p.principalId})`
    : `the endpoint's system-assigned identity (principal id ${p.principalId})`;
}

function and(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

const unique = (items: string[]) => [...new Set(items)];

function fix(c: Check): string {
  return assignRoleCommand({ objectId: c.principal.principalId }, c.need.role, c.resource);
}

/** The identity in one sentence: who the containers run as, and what Azure grants it. */
function identityLine(f: IdentityFinding, id: EndpointIdentity): string {
  const runs = `Online endpoint '${f.endpoint}' runs deployment '${f.deployment}' as`;
  if (id.kind === 'system') {
    const where = { containerRegistry: 'container registry', storageAccount: 'storage account', workspace: 'workspace' };
    const granted = ENDPOINT_IDENTITY_NEEDS.filter((n) => n.autoGranted).map((n) => `'${n.role}' on the workspace's ${where[n.on]}`);
    return `${runs} its system-assigned identity (principal id ${id.principals[0]?.principalId ?? '?'}), which Azure grants ${and(granted)} itself.`;
  }
  if (id.kind === 'user') return `${runs} ${and(id.principals.map(who))}; Azure grants a user-assigned identity no role: whoever created it grants them.`;
  if (id.kind === 'none') return `${runs} no managed identity Azure reports, so the roles it needs were not checked.`;
  return `${runs} an identity of type '${id.type ?? '?'}' with no principal this action can check.`;
}

/** One line for every check whose role assignments could not be read: the permission, and what it would have checked. */
function unreadLine(unread: Check[]): string[] {
  const first = unread[0]?.result;
  if (first?.state !== 'unread') return [];
  const byPrincipal = [...new Set(unread.map((c) => c.principal.principalId))].map((id) => {
    const mine = unread.filter((c) => c.principal.principalId === id);
    const name = mine[0].principal.name ? `'${mine[0].principal.name}'` : 'it';
    return `${name} holds ${and(mine.map((c) => `'${c.need.role}' on ${shortScope(c.resource)}`))}`;
  });
  return [
    `The identity's role assignments were not read (${first.why}): with '${ROLE_ASSIGNMENTS_READ}' there (Reader has it), the run would check that ${and(byPrincipal)}.`,
  ];
}

const OTHER_CAUSES =
  "If the image or the model cannot be downloaded, the troubleshooting guide's other causes apply: an image in another, private registry (grant that registry's AcrPull to this identity), a model registered in another workspace than the deployment's, or the workspace's managed network not provisioned yet.";

/** What the table and the fixes do not say: reads that failed, notes, and the conclusion when nothing is missing. */
function remarks(f: IdentityFinding, id: EndpointIdentity): string[] {
  const by = (state: CheckResult['state']) => f.checks.filter((c) => c.result.state === state);
  const lines = [...unreadLine(by('unread')), ...f.notes];
  if (by('missing').length > 0) return lines;
  if (f.checks.length > 0 && by('held').length === f.checks.length)
    lines.push("It holds every role a deployment needs to start: the cause is the deployment's own error, above.");
  if (id.kind === 'system') lines.push(OTHER_CAUSES);
  return lines;
}

/** How a held need is granted, unless by its own role at the resource itself: " through 'Contributor' at resource group 'rg'". */
function through(c: Check): string {
  const by = c.result.state === 'held' ? c.result.by : undefined;
  if (!by || (by.roleName === c.need.role && by.scope.toLowerCase() === c.resource.toLowerCase())) return '';
  return ` through '${by.roleName ?? 'a role'}' at ${shortScope(by.scope)}`;
}

function heldLine(c: Check): string {
  return `Held: '${c.need.role}' on ${shortScope(c.resource)}${c.principal.name ? ` by '${c.principal.name}'` : ''}${through(c)}.`;
}

/** The lines of the finding, for the log and the annotation. */
export function findingLines(f: IdentityFinding): string[] {
  if (!f.identity) return f.notes;
  const lines = [identityLine(f, f.identity)];
  for (const c of f.checks.filter((x) => x.result.state === 'missing')) {
    lines.push(`Missing: '${c.need.role}' on ${shortScope(c.resource)} for ${who(c.principal)}: it ${c.need.why}.`, `  ${fix(c)}`);
  }
  lines.push(...f.checks.filter((c) => c.result.state === 'held').map(heldLine), ...remarks(f, f.identity));
  return lines;
}

function stateCell(c: Check): string {
  if (c.result.state === 'held') return `✅ held${through(c)}`;
  return c.result.state === 'missing' ? '❌ missing' : `❔ not read (${c.result.why})`;
}

/** The job summary's section: the identity, a row per role checked, the fixes and the remarks. */
export function findingMarkdown(f: IdentityFinding): string {
  const parts = ['### Endpoint identity', ''];
  if (!f.identity) return [...parts, ...f.notes].join('\n');
  parts.push(identityLine(f, f.identity));
  if (f.checks.length) {
    parts.push('', '| Identity | Role | On | |', '| --- | --- | --- | --- |');
    for (const c of f.checks) parts.push(`| ${c.principal.name ?? 'system-assigned'} | ${c.need.role} | ${shortScope(c.resource)} | ${stateCell(c)} |`);
  }
  const fixes = f.checks.filter((c) => c.result.state === 'missing').map(fix);
  if (fixes.length) parts.push('', '```sh', ...fixes, '```', '', PROPAGATION);
  const more = remarks(f, f.identity);
  if (more.length) parts.push('', ...more);
  return parts.join('\n');
}

/** The first line when roles are missing: what to grant, where, to whom. */
function headline(f: IdentityFinding, missing: Check[]): string {
  const grants = and(unique(missing.map((c) => `'${c.need.role}' on ${shortScope(c.resource)}`)));
  const principals = [...new Map(missing.map((c) => [c.principal.principalId, c.principal])).values()];
  const to = principals.length === 1 ? who(principals[0]) : `the user-assigned identities ${and(principals.map((p) => `'${p.name ?? p.principalId}'`))}`;
  return `Grant ${grants} to ${to}, which online endpoint '${f.endpoint}' runs deployment '${f.deployment}' as: its container cannot start without ${missing.length > 1 ? 'them' : 'it'}.`;
}

/**
 * The error to stop the run with: a missing role leads (kind 'permission'), the deployment's own
 * error follows; otherwise the deployment's error keeps its first line and the finding's lines come
 * next. With onlyMissing (a deployment still provisioning), nothing is added unless a role is missing.
 */
export function explainWithIdentity(err: ActionError, f: IdentityFinding, o: { onlyMissing: boolean }): ActionError {
  const missing = f.checks.filter((c) => c.result.state === 'missing');
  if (missing.length === 0 && o.onlyMissing) return err;
  const summary = [err.summary, findingMarkdown(f)].filter(Boolean).join('\n\n');
  const theirs = err.details.length ? ['', ...err.details] : [];
  if (missing.length === 0) return new ActionError(err.kind, err.message, [...findingLines(f), ...theirs], { summary });
  const details = [
    ...findingLines(f),
    `${o.onlyMissing ? `If '${f.deployment}' ends Failed, redeploy it` : `Then redeploy '${f.deployment}'`} (update it again). ${PROPAGATION}`,
    '',
    `What stopped the run: ${err.message}`,
    ...err.details,
  ];
  return new ActionError('permission', headline(f, missing), details, { summary });
}
