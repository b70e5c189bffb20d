// What a run needs to be allowed to do, and where: the required-action catalogs as data
// (catalog/required-actions.json, copied from Microsoft Learn) and the resource ids they apply at;
// also what an online endpoint's own identity needs for its deployments to start.
import requiredActions from './catalog/required-actions.json' with { type: 'json' };
import builtInRoles from './catalog/built-in-roles.json' with { type: 'json' };
import storageData from './catalog/storage-data.json' with { type: 'json' };
import containerRegistry from './catalog/container-registry.json' with { type: 'json' };
import { carvedOutBy, isDataActionAllowed, missingActions, type PermissionEntry } from './rbac.js';

export type OnlineAuthMode = 'key' | 'aml_token' | 'aad_token';

export interface Requirement {
  action: string;
  /** The narrowest resource id at which an assignment fixes it. */
  scope: string;
  /** A data action (DataActions of a role, e.g. reading blobs), not a control-plane one. */
  data?: boolean;
}

export interface Scopes {
  subscription: string;
  resourceGroup: string;
  workspace: string;
  endpoint: string;
}

/** The endpoint's resource type under a workspace, as resource ids spell it. */
export function endpointResourceType(endpointType: 'batch' | 'online'): 'batchEndpoints' | 'onlineEndpoints' {
  return endpointType === 'batch' ? 'batchEndpoints' : 'onlineEndpoints';
}

export function resourceScopes(p: {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
  endpointType: 'batch' | 'online';
  endpoint: string;
}): Scopes {
  const subscription = `/subscriptions/${p.subscriptionId}`;
  const resourceGroup = `${subscription}/resourceGroups/${p.resourceGroup}`;
  const workspace = `${resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${p.workspace}`;
  const endpoint = `${workspace}/${endpointResourceType(p.endpointType)}/${p.endpoint}`;
  return { subscription, resourceGroup, workspace, endpoint };
}

/** The 35 batch-invocation actions, plus following the job (read; cancel when it may cancel). */
export function batchRequirements(scopes: Scopes, follow: { wait: boolean; cancelOnTimeout: boolean }): Requirement[] {
  const actions = [...requiredActions.batchInvoke.actions];
  if (follow.wait) {
    actions.push(...requiredActions.batchFollowJob.poll);
    if (follow.cancelOnTimeout) actions.push(...requiredActions.batchFollowJob.cancel);
  }
  return actions.map((action) => ({ action, scope: scopes.workspace }));
}

/**
 * Following a job this run did not create (job-name): no invoke action, only reading the workspace
 * (run history's address), the job, its runs (progress, logs, error) and the default datastore
 * (where its output is); the datastore's secrets to download it; the cancel actions when
 * cancel-on-timeout is true.
 */
export function attachRequirements(scopes: Scopes, follow: { cancelOnTimeout: boolean; download: boolean }): Requirement[] {
  const invoke = batchInvokeAction;
  const actions = [invoke('/workspaces/read'), ...requiredActions.batchFollowJob.poll, invoke('/experiments/runs/read'), invoke('/datastores/read')];
  if (follow.download) actions.push(invoke('/datastores/listsecrets/action'));
  if (follow.cancelOnTimeout) actions.push(...requiredActions.batchFollowJob.cancel);
  return actions.map((action) => ({ action, scope: scopes.workspace }));
}

/** Reading the endpoint plus the auth mode's action, at the endpoint's own scope. */
export function onlineRequirements(scopes: Scopes, authMode: OnlineAuthMode): Requirement[] {
  return requiredActions.onlineInvokeByAuthMode[authMode].map((action) => ({ action, scope: scopes.endpoint }));
}

export const BATCH_INVOKE_ACTIONS: readonly string[] = requiredActions.batchInvoke.actions;

/** The batch invoke action that ends with suffix; the catalog is the action's own, so a miss is a bug in it. */
function batchInvokeAction(suffix: string): string {
  const found = BATCH_INVOKE_ACTIONS.find((a) => a.endsWith(suffix));
  if (!found) throw new Error(`required-actions.json has no batch invoke action ending with '${suffix}'`);
  return found;
}
export const SCORE_ACTION = requiredActions.onlineInvokeByAuthMode.aad_token[1];
export const BATCH_DATA_ACCESS_REMEDY: string = requiredActions.batchDataAccessRemedy;
export const STORAGE_DATA = storageData;

/** The blob data actions a transfer needs on a storage account: read to download, write (or add, for new blobs) to upload. */
export function storageRequirements(accountId: string, what: 'upload' | 'download'): Requirement[] {
  return [{ action: what === 'upload' ? STORAGE_DATA.write : STORAGE_DATA.read, scope: accountId, data: true }];
}

/** What an online endpoint's own identity needs for its deployments' containers to start, and where. */
export interface EndpointNeed {
  /** The workspace's container registry or storage account (workspace properties), or the workspace itself. */
  on: 'containerRegistry' | 'storageAccount' | 'workspace';
  /** The built-in role that grants it. */
  role: string;
  /** The action (or data action) any other role may grant it by. */
  action: string;
  data: boolean;
  /** What the container does with it, for the report. */
  why: string;
  /** Azure grants the role to a system-assigned identity itself, unconditionally (the seed's endpointIdentityAutoRoles). */
  autoGranted: boolean;
  /** Needed only with a secret store: the endpoint enforces access to it, or the deployment injects a connection's secret. */
  secretStore: boolean;
}

const SECRETS_READER = 'Azure Machine Learning Workspace Connection Secrets Reader';

/**
 * AcrPull on the registry (the image) and Storage Blob Data Reader on the storage account (model and
 * code), both granted to a system-assigned identity by Azure; with a secret store, the connection
 * secrets reader on the workspace, which Azure grants only when the endpoint's creator may read
 * secrets (so it is checked for a system-assigned identity too).
 */
export const ENDPOINT_IDENTITY_NEEDS: readonly EndpointNeed[] = (
  [
    {
      on: 'containerRegistry',
      role: containerRegistry.pullRole,
      action: containerRegistry.pull,
      data: false,
      why: "pulls the deployment's image from it",
      secretStore: false,
    },
    {
      on: 'storageAccount',
      role: STORAGE_DATA.readerRole,
      action: STORAGE_DATA.read,
      data: true,
      why: 'mounts the model and code from it',
      secretStore: false,
    },
    {
      on: 'workspace',
      role: SECRETS_READER,
      action: requiredActions.builtInRoles[SECRETS_READER][0],
      data: false,
      why: "reads the secrets of the workspace's connections the deployment injects",
      secretStore: true,
    },
  ] as const
).map((n) => ({ ...n, autoGranted: requiredActions.endpointIdentityAutoRoles.roles.includes(n.role) }));

/**
 * Actions read only after a failure, to explain it; never required up front. Microsoft Learn
 * ("Azure permissions for AI + machine learning") spells getLogs in lower case
 * (workspaces/onlineendpoints/deployments/getlogs/action); Azure matches actions case-insensitively,
 * so it is written in the casing of the catalog's other actions and of the REST operation.
 */
export const DIAGNOSTIC_ACTIONS = {
  modelLogs: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/getLogs/action',
  /** A create/update operation's status (properties.AzureAsyncOperationUri), at subscription and location. */
  operationStatus: 'Microsoft.MachineLearningServices/locations/mfeOperationsStatus/read',
  computeRead: batchInvokeAction('/computes/read'),
} as const;

export interface RoleSuggestion {
  roleName: string;
  /** Set when a broader role is needed: what "AzureML Data Scientist", the role users try first, lacks. */
  nearMiss?: { roleName: string; lacks: { action: string; carvedOutBy?: string }[] };
}

/**
 * The least-privileged built-in role that allows every action, and, when that is broader than
 * AzureML Data Scientist, which of the actions that role lacks and which NotActions remove them.
 */
export function suggestRole(actions: string[], dataActions: string[] = []): RoleSuggestion | undefined {
  const roles = builtInRoles.roles as { roleName: string; permissions: PermissionEntry[] }[];
  const index = roles.findIndex((r) => missingActions(r.permissions, actions).length === 0 && dataActions.every((a) => isDataActionAllowed(r.permissions, a)));
  if (index < 0) return undefined;
  const suggestion: RoleSuggestion = { roleName: roles[index].roleName };
  const scientistIndex = roles.findIndex((r) => r.roleName === 'AzureML Data Scientist');
  const scientist = roles[scientistIndex];
  if (index > scientistIndex && dataActions.length === 0 && actions.every((a) => /^Microsoft\.MachineLearningServices\//i.test(a))) {
    const lacks = missingActions(scientist.permissions, actions).map((action) => {
      const by = carvedOutBy(scientist.permissions, action);
      return by ? { action, carvedOutBy: by } : { action };
    });
    suggestion.nearMiss = { roleName: scientist.roleName, lacks };
  }
  return suggestion;
}
