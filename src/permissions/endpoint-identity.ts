// The online endpoint's own identity, read when a deployment cannot start: its containers run as
// that identity, which pulls the image from the workspace's container registry, mounts the model and
// code from its storage account and, with a secret store, reads the workspace's connection secrets
// (seed 003; Microsoft Learn, "Troubleshoot online endpoint deployment and scoring": BadArgument
// authorization error, SecretsInjectionError). Azure grants a system-assigned identity the first two
// itself and a user-assigned one nothing, so each user-assigned principal's role assignments are read
// (assignments.ts) and matched (rbac.ts) against what it needs (catalog.ts). Reads that fail are
// notes: this explains a failure, it never becomes one.
import type { ManagedServiceIdentity } from '@azure/arm-machinelearning';
import type { Arm } from '../azure/arm.js';
import { briefly, toAzureFailure } from '../azure/azure-errors.js';
import type { Inputs } from '../inputs.js';
import { covers, rolesAt, type DefinitionCache, type HeldRole } from './assignments.js';
import { ENDPOINT_IDENTITY_NEEDS, type EndpointNeed } from './catalog.js';
import { isAllowed, isDataActionAllowed } from './rbac.js';
import { ActionError, describeThrown } from '../reporting/errors.js';
import { explainWithIdentity } from './endpoint-identity-report.js';

export interface EndpointPrincipal {
  principalId: string;
  /** A user-assigned identity's name (the last segment of its resource id); none for a system-assigned one. */
  name?: string;
}

export interface EndpointIdentity {
  /** 'none' when the endpoint reports no identity, 'unknown' for one this action cannot use (the type is named). */
  kind: 'system' | 'user' | 'none' | 'unknown';
  type?: string;
  principals: EndpointPrincipal[];
}

/** The principals an endpoint's containers run as, from its ManagedServiceIdentity (any field may be missing). */
export function identityOf(identity: Partial<ManagedServiceIdentity> | undefined): EndpointIdentity {
  const type = identity?.type;
  const users = Object.entries(identity?.userAssignedIdentities ?? {}).flatMap(([id, u]) =>
    u?.principalId ? [{ principalId: u.principalId, name: id.split('/').filter(Boolean).pop() ?? id }] : [],
  );
  if (/userassigned/i.test(type ?? '') && users.length) return { kind: 'user', type, principals: users };
  if (/^systemassigned$/i.test(type ?? '') && identity?.principalId) return { kind: 'system', type, principals: [{ principalId: identity.principalId }] };
  if (!type || /^none$/i.test(type)) return { kind: 'none', type, principals: [] };
  return { kind: 'unknown', type, principals: [] };
}

/** An environment variable filled from a workspace connection when the container starts (secret injection). */
const CONNECTION_SECRET = /\$\{\{\s*azureml:\/\/connections\//i;

/** The endpoint enforces access to the default secret store, or the deployment injects a connection's secret. */
export function usesSecretStore(
  endpointProperties: Record<string, string | null> | undefined,
  environment: Record<string, string | null> | undefined,
): boolean {
  const enforced = Object.entries(endpointProperties ?? {}).some(
    ([k, v]) => k.toLowerCase() === 'enforce_access_to_default_secret_stores' && /^(enabled|true)$/i.test(v ?? ''),
  );
  return enforced || Object.values(environment ?? {}).some((v) => CONNECTION_SECRET.test(v ?? ''));
}

/** The first role that grants the need at the resource (assigned at it or above it); undefined when none does. */
export function grantedBy(need: Pick<EndpointNeed, 'action' | 'data'>, resource: string, roles: HeldRole[]): HeldRole | undefined {
  return roles.find((r) => covers(r.scope, resource) && (need.data ? isDataActionAllowed(r.permissions, need.action) : isAllowed(r.permissions, need.action)));
}

export type CheckResult = { state: 'held'; by: HeldRole } | { state: 'missing' } | { state: 'unread'; why: string };

export interface Check {
  principal: EndpointPrincipal;
  need: EndpointNeed;
  /** The resource id the need applies at. */
  resource: string;
  result: CheckResult;
}

export interface IdentityFinding {
  endpoint: string;
  deployment: string;
  /** Undefined when the endpoint could not be read again. */
  identity?: EndpointIdentity;
  checks: Check[];
  /** What could not be checked, one line each. */
  notes: string[];
}

/** Which needs are checked: a system-assigned identity holds the auto-granted ones; the secret reader only with a secret store. */
export function needsFor(kind: EndpointIdentity['kind'], secretStore: boolean): EndpointNeed[] {
  return ENDPOINT_IDENTITY_NEEDS.filter((n) => (!n.secretStore || secretStore) && !(kind === 'system' && n.autoGranted));
}

async function check(arm: Arm, principal: EndpointPrincipal, need: EndpointNeed, resource: string, definitions: DefinitionCache): Promise<Check> {
  try {
    const by = grantedBy(need, resource, await rolesAt(arm.authz, principal.principalId, resource, definitions));
    return { principal, need, resource, result: by ? { state: 'held', by } : { state: 'missing' } };
  } catch (err) {
    return { principal, need, resource, result: { state: 'unread', why: briefly(toAzureFailure(err)) } };
  }
}

type Where = Pick<Inputs, 'resourceGroup' | 'workspace' | 'endpoint'>;

/**
 * Reads the endpoint's identity, the workspace's registry and storage account and the deployment's
 * environment (at once), then each principal's roles where it needs them. Never throws.
 */
export async function checkEndpointIdentity(arm: Arm, where: Where, workspaceId: string, deployment: string): Promise<IdentityFinding> {
  const { resourceGroup: rg, workspace: ws, endpoint } = where;
  const finding: IdentityFinding = { endpoint, deployment, checks: [], notes: [] };
  const [e, w, d] = await Promise.allSettled([
    arm.ml.onlineEndpoints.get(rg, ws, endpoint),
    arm.ml.workspaces.get(rg, ws),
    arm.ml.onlineDeployments.get(rg, ws, endpoint, deployment),
  ]);
  if (e.status === 'rejected') {
    finding.notes.push(`Online endpoint '${endpoint}' was not read again (${briefly(toAzureFailure(e.reason))}): the roles of its identity were not checked.`);
    return finding;
  }
  const identity = (finding.identity = identityOf(e.value.identity));
  if (identity.kind === 'none' || identity.kind === 'unknown') return finding;
  const resources: Record<EndpointNeed['on'], string | undefined> = {
    containerRegistry: w.status === 'fulfilled' ? w.value.containerRegistry : undefined,
    storageAccount: w.status === 'fulfilled' ? w.value.storageAccount : undefined,
    workspace: workspaceId,
  };
  const secretStore = usesSecretStore(e.value.properties?.properties, d.status === 'fulfilled' ? d.value.properties?.environmentVariables : undefined);
  const needs = needsFor(identity.kind, secretStore);
  if (w.status === 'rejected' && needs.some((n) => n.on !== 'workspace')) {
    finding.notes.push(
      `Workspace '${ws}' was not read (${briefly(toAzureFailure(w.reason))}; it takes 'Microsoft.MachineLearningServices/workspaces/read'): the identity's roles on its container registry and storage account were not checked.`,
    );
  } else if (w.status === 'fulfilled' && !resources.containerRegistry && needs.some((n) => n.on === 'containerRegistry')) {
    finding.notes.push(
      `Workspace '${ws}' names no container registry (properties.containerRegistry): the deployment's image comes from elsewhere, so AcrPull was not checked.`,
    );
  }
  const definitions: DefinitionCache = new Map();
  const pending = identity.principals.flatMap((p) =>
    needs.flatMap((need) => {
      const resource = resources[need.on];
      return resource ? [check(arm, p, need, resource, definitions)] : [];
    }),
  );
  finding.checks = await Promise.all(pending);
  return finding;
}

/**
 * The error a deployment that cannot start stops the run with, explained by its endpoint's identity
 * (onlyMissing: changed only when a role is missing). Never fails of its own.
 */
export async function explainByEndpointIdentity(
  arm: Arm,
  where: Where & { workspaceId: string },
  deployment: string,
  err: ActionError,
  o: { onlyMissing: boolean },
): Promise<ActionError> {
  try {
    return explainWithIdentity(err, await checkEndpointIdentity(arm, where, where.workspaceId, deployment), o);
  } catch (thrown) {
    return o.onlyMissing
      ? err
      : new ActionError(err.kind, err.message, [...err.details, `Its endpoint's identity was not checked (${describeThrown(thrown)}).`], err);
  }
}
