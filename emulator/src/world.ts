// The live world: a WorldSpec with its defaults filled in, ids drawn from the seed, scopes resolved.
import { Prng } from './prng.js';
import { BUILT_IN_ROLES, type Assignment, type RoleDefinition } from './rbac.js';
import type {
  Cloud,
  DatastoreSpec,
  FederatedCredentialSpec,
  JobPlan,
  OnlineEndpointSpec,
  RoleAssignmentSpec,
  ScopeRef,
  ScoringRequest,
  ScoringResponse,
  Service,
  WorldSpec,
} from './types.js';

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
export const DEFAULT_AUDIENCE = 'api://AzureADTokenExchange';
/** The workflow's repository and ref when the spec names none (types.ts documents them). */
export const DEFAULT_REPOSITORY = 'contoso/scoring';
export const DEFAULT_REF = 'refs/heads/main';

/** Resource manager and ML audiences by cloud (protocol.md; azure-ai-ml _azure_environments.py). */
export const CLOUD_RESOURCES: Record<Cloud, { management: string; ml: string }> = {
  AzureCloud: { management: 'https://management.azure.com', ml: 'https://ml.azure.com' },
  AzureUSGovernment: { management: 'https://management.usgovcloudapi.net', ml: 'https://ml.azure.us' },
  AzureChinaCloud: { management: 'https://management.chinacloudapi.cn', ml: 'https://ml.azure.cn' },
};

export interface IdentityRec {
  name: string;
  clientId: string;
  objectId: string;
  kind: 'application' | 'managedIdentity';
  secrets: string[];
  federatedCredentials: Required<FederatedCredentialSpec>[];
  conditionalAccessBlocked: boolean;
}

export interface WorkspaceRec {
  name: string;
  id: string;
  workspaceId: string;
}

export interface BatchDeploymentRec {
  name: string;
  provisioningState: string;
  compute: string;
  type: 'model' | 'pipelineComponent';
}

export interface BatchEndpointRec {
  name: string;
  workspace: string;
  id: string;
  deployments: BatchDeploymentRec[];
  defaultDeployment: string | null;
  provisioningState: string;
  jobPlan?: JobPlan;
}

export interface OnlineEndpointRec {
  name: string;
  workspace: string;
  id: string;
  authMode: 'key' | 'aml_token' | 'aad_token';
  kubernetes: boolean;
  deployments: { name: string; provisioningState: string }[];
  traffic: Record<string, number>;
  provisioningState: string;
  latencyMs: number;
  respond: (req: ScoringRequest) => ScoringResponse | Promise<ScoringResponse>;
  keys: { primaryKey: string; secondaryKey: string };
  /** Object id of the endpoint's system-assigned identity. */
  principalId: string;
}

export interface DataAssetRec {
  name: string;
  workspace: string;
  versions: string[];
  dataType: string;
  dataUri: (version: string) => string;
}

export interface StorageAccountRec {
  name: string;
  /** Resource id. */
  id: string;
  /** Base64, as listSecrets hands it out and Azurite checks Shared Key signatures with. */
  key: string;
  networkDefaultAction: 'Allow' | 'Deny';
  allowSharedKeyAccess: boolean;
}

export interface DatastoreRec {
  name: string;
  workspace: string;
  account: string;
  container: string;
  credentials: NonNullable<DatastoreSpec['credentials']>;
  sasExpired: boolean;
  containerMissing: boolean;
  isDefault: boolean;
}

export interface ComputeRec {
  name: string;
  workspace: string;
  id: string;
  identity: 'SystemAssigned' | 'UserAssigned' | 'None';
  /** Object id of the cluster's managed identity ('' when it has none). */
  principalId: string;
  clientId: string;
}

export interface World {
  spec: WorldSpec;
  prng: Prng;
  cloud: Cloud;
  resources: { management: string; ml: string };
  tenantId: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  workspaces: WorkspaceRec[];
  identities: IdentityRec[];
  roles: RoleDefinition[];
  assignments: Assignment[];
  batchEndpoints: BatchEndpointRec[];
  onlineEndpoints: OnlineEndpointRec[];
  dataAssets: DataAssetRec[];
  storageAccounts: StorageAccountRec[];
  datastores: DatastoreRec[];
  computes: ComputeRec[];
  urls: Record<Service, string>;
  /** Every token this emulator issued, for tests that check nothing leaks. */
  issued: string[];
}

export function subscriptionScope(w: World): string {
  return `/subscriptions/${w.subscriptionId}`;
}
export function resourceGroupScope(w: World): string {
  return `${subscriptionScope(w)}/resourceGroups/${w.resourceGroup}`;
}
export function workspaceScope(w: World, workspace: string): string {
  return `${resourceGroupScope(w)}/providers/Microsoft.MachineLearningServices/workspaces/${workspace}`;
}

export function storageAccountId(w: World, account: string): string {
  return `${resourceGroupScope(w)}/providers/Microsoft.Storage/storageAccounts/${account}`;
}

/** A workspace's own storage account: 'st' and the first 8 hex digits of its id. */
export function workspaceAccount(ws: WorkspaceRec): string {
  return `st${ws.workspaceId.replace(/-/g, '').slice(0, 8)}`;
}

export function resolveScope(w: World, ref: ScopeRef): string {
  const first = w.workspaces[0].name;
  if (ref.startsWith('/')) return ref;
  if (ref === 'subscription') return subscriptionScope(w);
  if (ref === 'resourceGroup') return resourceGroupScope(w);
  if (ref === 'workspace') return workspaceScope(w, first);
  if (ref === 'storageAccount') return storageAccountId(w, workspaceAccount(w.workspaces[0]));
  const [kind, name] = [ref.slice(0, ref.indexOf(':')), ref.slice(ref.indexOf(':') + 1)];
  if (kind === 'workspace') return workspaceScope(w, name);
  if (kind === 'batchEndpoint') {
    const e = w.batchEndpoints.find((b) => b.name === name);
    return e?.id ?? `${workspaceScope(w, first)}/batchEndpoints/${name}`;
  }
  if (kind === 'onlineEndpoint') {
    const e = w.onlineEndpoints.find((b) => b.name === name);
    return e?.id ?? `${workspaceScope(w, first)}/onlineEndpoints/${name}`;
  }
  if (kind === 'storageAccount') return storageAccountId(w, name);
  throw new Error(`unknown scope reference '${ref}'`);
}

export function findRole(w: World, name: string): RoleDefinition {
  const role = w.roles.find((r) => r.roleName.toLowerCase() === name.toLowerCase() || r.name === name);
  if (!role) throw new Error(`unknown role '${name}' (built-in: ${BUILT_IN_ROLES.map((r) => r.roleName).join(', ')})`);
  return role;
}

export function assign(w: World, identity: IdentityRec, roles: RoleAssignmentSpec[]): void {
  w.assignments = w.assignments.filter((a) => a.principalId !== identity.objectId);
  for (const r of roles) w.assignments.push({ principalId: identity.objectId, role: findRole(w, r.role), scope: resolveScope(w, r.scope ?? 'workspace') });
}

export function githubSubject(spec: WorldSpec): string {
  const g = spec.github ?? {};
  if (g.subject) return g.subject;
  const repo = g.repository ?? DEFAULT_REPOSITORY;
  return g.environment ? `repo:${repo}:environment:${g.environment}` : `repo:${repo}:ref:${g.ref ?? DEFAULT_REF}`;
}

/** Default scoring handler: one prediction per input row. */
function defaultRespond(deployment: string, body: Buffer): ScoringResponse {
  let rows = 1;
  try {
    const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const data = (json.input_data as { data?: unknown[] } | undefined)?.data ?? json.data ?? (Array.isArray(json.input_data) ? json.input_data : undefined);
    if (Array.isArray(data)) rows = data.length;
  } catch {
    rows = 1;
  }
  return { status: 200, body: { deployment, predictions: Array.from({ length: rows }, (_, i) => i % 2) } };
}

export function buildWorld(spec: WorldSpec): World {
  const seed = spec.seed ?? 1;
  const prng = new Prng(seed);
  const cloud = spec.cloud ?? 'AzureCloud';
  const w: World = {
    spec,
    prng,
    cloud,
    resources: CLOUD_RESOURCES[cloud],
    tenantId: spec.tenantId ?? prng.uuid(),
    subscriptionId: spec.subscriptionId ?? prng.uuid(),
    resourceGroup: spec.resourceGroup ?? 'rg-mlops',
    location: spec.location ?? 'eastus',
    workspaces: [],
    identities: [],
    roles: [...BUILT_IN_ROLES],
    assignments: [],
    batchEndpoints: [],
    onlineEndpoints: [],
    dataAssets: [],
    storageAccounts: [],
    datastores: [],
    computes: [],
    urls: { github: '', login: '', management: '', inference: '', mlapi: '', imds: '', storage: '' },
    issued: [],
  };
  spec.github = { ...spec.github, requestToken: spec.github?.requestToken ?? prng.key() };
  for (const name of spec.workspaces ?? ['ws-scoring']) w.workspaces.push({ name, id: workspaceScope(w, name), workspaceId: prng.uuid() });
  const firstWs = w.workspaces[0].name;

  for (const r of spec.roles ?? []) {
    w.roles.push({
      roleName: r.name,
      name: prng.uuid(),
      custom: true,
      assignableScopes: (r.assignableScopes ?? ['resourceGroup']).map((s) => resolveScope(w, s)),
      permissions: [{ actions: r.actions, notActions: r.notActions ?? [], dataActions: r.dataActions ?? [], notDataActions: r.notDataActions ?? [] }],
    });
  }

  for (const e of spec.batchEndpoints ?? [{ name: 'score-batch', deployments: ['default'] }]) {
    const ws = e.workspace ?? firstWs;
    const deployments = (e.deployments ?? [{ name: 'default' }]).map((d) => (typeof d === 'string' ? { name: d } : d));
    w.batchEndpoints.push({
      name: e.name,
      workspace: ws,
      id: `${workspaceScope(w, ws)}/batchEndpoints/${e.name}`,
      deployments: deployments.map((d) => ({
        name: d.name,
        provisioningState: d.provisioningState ?? 'Succeeded',
        compute: `${workspaceScope(w, ws)}/computes/${d.compute ?? 'cpu-cluster'}`,
        type: d.type ?? 'model',
      })),
      defaultDeployment: e.defaultDeployment === undefined ? (deployments[0]?.name ?? null) : e.defaultDeployment,
      provisioningState: e.provisioningState ?? 'Succeeded',
      jobPlan: e.jobPlan,
    });
  }

  const onlineDefaults: OnlineEndpointSpec[] = [
    { name: 'score-key', authMode: 'key' },
    { name: 'score-token', authMode: 'aml_token' },
    { name: 'score-aad', authMode: 'aad_token' },
  ];
  for (const e of spec.onlineEndpoints ?? onlineDefaults) {
    const ws = e.workspace ?? firstWs;
    const deployments = (e.deployments ?? [{ name: 'blue' }]).map((d) => (typeof d === 'string' ? { name: d } : d));
    w.onlineEndpoints.push({
      name: e.name,
      workspace: ws,
      id: `${workspaceScope(w, ws)}/onlineEndpoints/${e.name}`,
      authMode: e.authMode,
      kubernetes: e.compute === 'kubernetes',
      deployments: deployments.map((d) => ({ name: d.name, provisioningState: d.provisioningState ?? 'Succeeded' })),
      traffic: e.traffic ?? (deployments[0] ? { [deployments[0].name]: 100 } : {}),
      provisioningState: e.provisioningState ?? 'Succeeded',
      latencyMs: e.latencyMs ?? 0,
      respond: e.respond ?? ((req) => defaultRespond(req.deployment, req.body)),
      keys: e.keys ?? { primaryKey: prng.key(), secondaryKey: prng.key() },
      principalId: prng.uuid(),
    });
  }

  for (const d of spec.dataAssets ?? []) {
    const ws = d.workspace ?? firstWs;
    w.dataAssets.push({
      name: d.name,
      workspace: ws,
      versions: d.versions,
      dataType: d.dataType ?? 'uri_folder',
      dataUri: (v) => d.dataUri ?? `azureml://datastores/workspaceblobstore/paths/${d.name}/${v}/`,
    });
  }

  const subject = githubSubject(spec);
  (spec.identities ?? [{}]).forEach((i, index) => {
    const identity: IdentityRec = {
      name: i.name ?? (index === 0 ? 'github-deployer' : `identity-${index + 1}`),
      clientId: i.clientId ?? prng.uuid(),
      objectId: i.objectId ?? prng.uuid(),
      kind: i.kind ?? 'application',
      secrets: i.secrets ?? [],
      federatedCredentials: (i.federatedCredentials ?? (i.kind === 'managedIdentity' ? [] : [{ subject }])).map((f, n) => ({
        name: f.name ?? `github-${n + 1}`,
        issuer: f.issuer ?? GITHUB_ISSUER,
        subject: f.subject,
        audiences: f.audiences ?? [DEFAULT_AUDIENCE],
      })),
      conditionalAccessBlocked: i.conditionalAccessBlocked ?? false,
    };
    w.identities.push(identity);
    assign(w, identity, i.roles ?? (index === 0 ? [{ role: 'Contributor', scope: 'resourceGroup' }] : []));
  });

  const account = (name: string, a: { networkDefaultAction?: 'Allow' | 'Deny'; allowSharedKeyAccess?: boolean } = {}) => {
    if (!/^[a-z0-9]{3,24}$/.test(name)) throw new Error(`storage account name '${name}': 3-24 lower-case letters and digits`);
    w.storageAccounts.push({
      name,
      id: storageAccountId(w, name),
      key: Buffer.from(prng.hex(64), 'hex').toString('base64'),
      networkDefaultAction: a.networkDefaultAction ?? 'Allow',
      allowSharedKeyAccess: a.allowSharedKeyAccess ?? true,
    });
  };
  for (const ws of w.workspaces) account(workspaceAccount(ws));
  for (const a of spec.storageAccounts ?? []) {
    const own = w.storageAccounts.find((x) => x.name === a.name);
    if (own) Object.assign(own, { networkDefaultAction: a.networkDefaultAction ?? 'Allow', allowSharedKeyAccess: a.allowSharedKeyAccess ?? true });
    else account(a.name, a);
  }
  const stores: DatastoreSpec[] = [...w.workspaces.map((ws) => ({ name: 'workspaceblobstore', workspace: ws.name })), ...(spec.datastores ?? [])];
  for (const d of stores) {
    const ws = w.workspaces.find((x) => x.name === (d.workspace ?? firstWs))!;
    const acct = d.account ?? workspaceAccount(ws);
    if (!w.storageAccounts.some((a) => a.name === acct)) throw new Error(`datastore '${d.name}': no storage account '${acct}'`);
    w.datastores = w.datastores.filter((x) => !(x.workspace === ws.name && x.name === d.name));
    w.datastores.push({
      name: d.name,
      workspace: ws.name,
      account: acct,
      container: d.container ?? (acct === workspaceAccount(ws) ? `azureml-blobstore-${ws.workspaceId}` : d.name),
      credentials: d.credentials ?? 'AccountKey',
      sasExpired: d.sasExpired ?? false,
      containerMissing: d.containerMissing ?? false,
      isDefault: d.isDefault ?? d.name === 'workspaceblobstore',
    });
  }
  if ((spec.datastores ?? []).some((d) => d.isDefault)) {
    for (const d of w.datastores) if (d.name === 'workspaceblobstore' && !spec.datastores!.some((x) => x.name === d.name)) d.isDefault = false;
  }

  // Every cluster a deployment runs on, with the defaults unless the spec describes it.
  const named = w.batchEndpoints.flatMap((e) => e.deployments.map((d) => ({ name: d.compute.split('/').pop()!, workspace: e.workspace })));
  for (const c of [...(spec.computes ?? []), ...named]) {
    const ws = c.workspace ?? firstWs;
    if (w.computes.some((x) => x.workspace === ws && x.name === c.name)) continue;
    const spec2 = spec.computes?.find((x) => x.name === c.name && (x.workspace ?? firstWs) === ws);
    const identity = spec2?.identity ?? 'SystemAssigned';
    const rec: ComputeRec = {
      name: c.name,
      workspace: ws,
      id: `${workspaceScope(w, ws)}/computes/${c.name}`,
      identity,
      principalId: identity === 'None' ? '' : prng.uuid(),
      clientId: identity === 'None' ? '' : prng.uuid(),
    };
    w.computes.push(rec);
    const wsRec = w.workspaces.find((x) => x.name === ws)!;
    if (rec.principalId) {
      for (const r of spec2?.roles ?? [{ role: 'Storage Blob Data Reader', scope: `storageAccount:${workspaceAccount(wsRec)}` as const }]) {
        w.assignments.push({ principalId: rec.principalId, role: findRole(w, r.role), scope: resolveScope(w, r.scope ?? 'workspace') });
      }
    }
  }
  return w;
}

export function findIdentity(w: World, key: string): IdentityRec | undefined {
  const k = key.toLowerCase();
  return w.identities.find((i) => i.clientId.toLowerCase() === k || i.objectId.toLowerCase() === k || i.name.toLowerCase() === k);
}
