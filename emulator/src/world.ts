// The live world: a WorldSpec with its defaults filled in, ids drawn from the seed, scopes resolved.
import { Model, rowsOf } from './model.js';
import { Prng, uuidOf } from './prng.js';
import { BUILT_IN_ROLES, type Assignment, type RoleDefinition } from './rbac.js';
import { startupFailure } from './endpoint-identity.js';
import type {
  Cloud,
  DatastoreSpec,
  ComputeSpec,
  EndpointIdentitySpec,
  FederatedCredentialSpec,
  JobPlan,
  OnlineDeploymentSpec,
  OnlineEndpointSpec,
  ProvisioningPlan,
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

/** A workspace's publicNetworkAccess, as the live world says (WorldSpec.network). */
export function workspaceAccess(w: World, workspace: string): 'Enabled' | 'Disabled' {
  return w.spec.network?.privateWorkspaces?.includes(workspace) ? 'Disabled' : 'Enabled';
}

/** Whether a private resource refuses the caller: it is outside the virtual network (WorldSpec.network). */
export function outsideNetwork(w: World): boolean {
  return !w.spec.network?.callerInVirtualNetwork;
}

/** Provisioning over time: the plan's states from the emulator's start, then the final state. */
export interface Provisioning {
  provisioningState: string;
  provisioning: ProvisioningPlan;
  /** Error of the last operation when it Failed. */
  provisioningError?: { code: string; message: string };
  /** Id of the last create/update operation (its async operation status URL ends with it). */
  operationId: string;
}

export interface BatchDeploymentRec extends Provisioning {
  name: string;
  compute: string;
  /** properties.compute is left out of its answers (BatchDeploymentSpec.compute null). */
  computeHidden: boolean;
  type: 'model' | 'pipelineComponent';
}

export type OnlineDeploymentRec = Provisioning &
  Required<Pick<OnlineDeploymentSpec, 'name' | 'instanceCount' | 'scaleSettings' | 'enforceRequestLimits' | 'logs' | 'environmentVariables'>> &
  Pick<OnlineDeploymentSpec, 'condition'> & {
    /** The model it serves, when the world gives one. */
    model?: Model;
    requestSettings: { requestTimeout: string; maxConcurrentRequestsPerInstance: number; maxQueueWait: string };
    /** Requests being answered now (for the 429 limit). */
    inFlight: number;
  };

export interface ComputeRec extends Required<Omit<ComputeSpec, 'errors' | 'roles'>> {
  errors: { code: string; message: string }[];
  /** Object and client id of the cluster's managed identity ('' when it has none). */
  principalId: string;
  clientId: string;
}

export interface BatchEndpointRec extends Provisioning {
  name: string;
  workspace: string;
  id: string;
  deployments: BatchDeploymentRec[];
  defaultDeployment: string | null;
  jobPlan?: JobPlan;
}

export interface OnlineEndpointRec extends Provisioning {
  name: string;
  workspace: string;
  id: string;
  authMode: 'key' | 'aml_token' | 'aad_token';
  reportedAuthMode?: string;
  kubernetes: boolean;
  publicNetworkAccess: 'Enabled' | 'Disabled';
  deployments: OnlineDeploymentRec[];
  traffic: Record<string, number>;
  latencyMs: number;
  respond: (req: ScoringRequest) => ScoringResponse | Promise<ScoringResponse>;
  keys: { primaryKey: string; secondaryKey: string };
  /** The managed identity its deployments' containers run as. */
  identity: EndpointIdentityRec;
  /** properties.properties.enforce_access_to_default_secret_stores is 'enabled'. */
  enforceSecretStore: boolean;
}

export interface EndpointIdentityRec {
  type: 'SystemAssigned' | 'UserAssigned';
  /** One for a system-assigned identity; one per user-assigned identity, with its resource id. */
  principals: { principalId: string; clientId: string; resourceId?: string }[];
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
  datastoreType: string;
  sasExpired: boolean;
  containerMissing: boolean;
  isDefault: boolean;
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

/** A workspace's container registry (properties.containerRegistry): 'cr' and the first 8 hex digits of its id. */
export function workspaceRegistry(w: World, ws: WorkspaceRec): string {
  return `${resourceGroupScope(w)}/providers/Microsoft.ContainerRegistry/registries/cr${ws.workspaceId.slice(0, 8)}`;
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
  if (ref === 'containerRegistry') return workspaceRegistry(w, w.workspaces[0]);
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

/** Default scoring handler: the deployment's model, else one prediction per input row. */
function defaultRespond(deployment: OnlineDeploymentRec | undefined, req: ScoringRequest): ScoringResponse {
  if (deployment?.model) return deployment.model.answer(req.body);
  const rows = rowsOf(req.body).length;
  return { status: 200, body: { deployment: req.deployment, predictions: Array.from({ length: rows }, (_, i) => i % 2) } };
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
        ...provisioning(`${workspaceScope(w, ws)}/batchEndpoints/${e.name}/deployments/${d.name}`, d),
        compute: `${workspaceScope(w, ws)}/computes/${d.compute ?? 'cpu-cluster'}`,
        computeHidden: d.compute === null,
        type: d.type ?? 'model',
      })),
      defaultDeployment: e.defaultDeployment === undefined ? (deployments[0]?.name ?? null) : e.defaultDeployment,
      ...provisioning(`${workspaceScope(w, ws)}/batchEndpoints/${e.name}`, e),
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
    const recs = deployments.map((d) =>
      onlineDeployment(`${workspaceScope(w, ws)}/onlineEndpoints/${e.name}/deployments/${d.name}`, d, e.compute === 'kubernetes', seed),
    );
    w.onlineEndpoints.push({
      name: e.name,
      workspace: ws,
      id: `${workspaceScope(w, ws)}/onlineEndpoints/${e.name}`,
      authMode: e.authMode,
      reportedAuthMode: e.reportedAuthMode,
      kubernetes: e.compute === 'kubernetes',
      publicNetworkAccess: e.publicNetworkAccess ?? 'Enabled',
      deployments: recs,
      traffic: e.traffic ?? (deployments[0] ? { [deployments[0].name]: 100 } : {}),
      ...provisioning(`${workspaceScope(w, ws)}/onlineEndpoints/${e.name}`, e),
      latencyMs: e.latencyMs ?? 0,
      respond:
        e.respond ??
        ((req) =>
          defaultRespond(
            recs.find((d) => d.name === req.deployment),
            req,
          )),
      keys: e.keys ?? { primaryKey: prng.key(), secondaryKey: prng.key() },
      identity: endpointIdentity(w, e.identity, prng.uuid()),
      enforceSecretStore: e.enforceSecretStore ?? false,
    });
    startEndpoint(w, w.onlineEndpoints[w.onlineEndpoints.length - 1], e);
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

  for (const c of spec.computes ?? []) w.computes.push(computeRec(c, c.workspace ?? firstWs));

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
      datastoreType: d.datastoreType ?? 'AzureBlob',
      sasExpired: d.sasExpired ?? false,
      containerMissing: d.containerMissing ?? false,
      isDefault: d.isDefault ?? d.name === 'workspaceblobstore',
    });
  }
  if ((spec.datastores ?? []).some((d) => d.isDefault)) {
    for (const d of w.datastores) if (d.name === 'workspaceblobstore' && !spec.datastores!.some((x) => x.name === d.name)) d.isDefault = false;
  }

  // Every cluster a deployment runs on is in the world, so its identity can hold roles: by default
  // Storage Blob Data Reader on its workspace's storage account.
  for (const e of w.batchEndpoints) {
    for (const d of e.deployments) {
      const name = d.compute.split('/').pop()!;
      if (!w.computes.some((x) => x.workspace === e.workspace && x.name === name)) w.computes.push(computeRec({ name }, e.workspace));
    }
  }
  for (const c of w.computes.filter((x) => x.principalId)) {
    const described = spec.computes?.find((x) => x.name === c.name && (x.workspace ?? firstWs) === c.workspace);
    const ws = w.workspaces.find((x) => x.name === c.workspace)!;
    for (const r of described?.roles ?? [{ role: 'Storage Blob Data Reader', scope: `storageAccount:${workspaceAccount(ws)}` as const }]) {
      w.assignments.push({ principalId: c.principalId, role: findRole(w, r.role), scope: resolveScope(w, r.scope ?? 'workspace') });
    }
  }
  return w;
}

/** A resource's provisioning; its operation id is derived from its id, so the seed's other ids stay as they were. */
function provisioning(
  id: string,
  spec: { provisioningState?: string; provisioning?: ProvisioningPlan; provisioningError?: { code: string; message: string } },
): Provisioning {
  return {
    provisioningState: spec.provisioningState ?? 'Succeeded',
    provisioning: spec.provisioning ?? [],
    provisioningError: spec.provisioningError,
    operationId: uuidOf(id),
  };
}

/**
 * The start-up block Microsoft Learn shows for the inference server on a managed online endpoint
 * ("Debugging scoring script with Azure Machine Learning inference HTTP server"), dated now.
 */
export function inferenceServerStartup(deployment: string, at: Date): string[] {
  const t = at.toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
  return [
    'Azure ML Inferencing HTTP server v1.2.2',
    '',
    '',
    'Server Settings',
    '---------------',
    'Entry Script Name: /var/azureml-app/onlinescoring/score.py',
    `Model Directory: /var/azureml-app/azureml-models/${deployment}-model/1`,
    'Worker Count: 1',
    'Worker Timeout (seconds): 300',
    'Server Port: 31311',
    'Application Insights Enabled: false',
    'Application Insights Key: None',
    'Inferencing HTTP server version: azmlinfsrv/1.2.2',
    'CORS for the specified origins: None',
    '',
    '',
    'Server Routes',
    '---------------',
    'Liveness Probe: GET   127.0.0.1:31311/',
    'Score:          POST  127.0.0.1:31311/score',
    '',
    `${t} I [21] azmlinfsrv.user_script - Found user script at /var/azureml-app/onlinescoring/score.py`,
    `${t} I [21] azmlinfsrv.user_script - run() is not decorated. Server will invoke it with raw input.`,
    `${t} I [21] azmlinfsrv.user_script - Invoking user's init function`,
    `${t} I [21] azmlinfsrv.user_script - User's init() completed successfully in 203ms.`,
    `${t} I [21] azmlinfsrv.app - Azure ML Inference HTTP server is up and ready for requests!`,
  ];
}

function onlineDeployment(id: string, d: OnlineDeploymentSpec, kubernetes: boolean, seed: number): OnlineDeploymentRec {
  return {
    name: d.name,
    ...provisioning(id, d),
    instanceCount: d.instanceCount ?? 1,
    // rec-online's real deployment GET: requestTimeout PT5S, maxConcurrentRequestsPerInstance 1.
    requestSettings: { requestTimeout: 'PT5S', maxConcurrentRequestsPerInstance: 1, maxQueueWait: 'PT0.5S', ...d.requestSettings },
    // Managed deployments have only the Default scale type; Kubernetes ones default to TargetUtilization.
    scaleSettings:
      d.scaleSettings ??
      (kubernetes ? { scaleType: 'TargetUtilization', minInstances: 1, maxInstances: 1, targetUtilizationPercentage: 70 } : { scaleType: 'Default' }),
    condition: d.condition,
    model: d.model && new Model(seed, d.name, d.model),
    enforceRequestLimits: d.enforceRequestLimits ?? false,
    logs: d.logs ?? inferenceServerStartup(d.name, new Date()),
    environmentVariables: d.environmentVariables ?? {},
    inFlight: 0,
  };
}

/** The endpoint's identity: the seed's principal for a system-assigned one (drawn either way, so later ids stay as they were). */
function endpointIdentity(w: World, spec: EndpointIdentitySpec | undefined, systemPrincipal: string): EndpointIdentityRec {
  if (spec?.type !== 'UserAssigned') return { type: 'SystemAssigned', principals: [{ principalId: systemPrincipal, clientId: '' }] };
  const principals = spec.identities.map(({ name }) => {
    const resourceId = `${resourceGroupScope(w)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
    return { principalId: uuidOf(`${resourceId}/principal`), clientId: uuidOf(`${resourceId}/client`), resourceId };
  });
  return { type: 'UserAssigned', principals };
}

/**
 * The endpoint identity's role assignments (a system-assigned one gets what Azure grants it itself),
 * then each deployment whose state the spec leaves to Azure: Failed when that identity cannot start it.
 */
function startEndpoint(w: World, e: OnlineEndpointRec, spec: OnlineEndpointSpec): void {
  const ws = w.workspaces.find((x) => x.name === e.workspace)!;
  const scopes = { registry: workspaceRegistry(w, ws), storage: storageAccountId(w, workspaceAccount(ws)), workspace: workspaceScope(w, ws.name) };
  const granted: RoleAssignmentSpec[] = [
    { role: 'AcrPull', scope: scopes.registry as ScopeRef },
    { role: 'Storage Blob Data Reader', scope: scopes.storage as ScopeRef },
    { role: 'AzureML Metrics Writer (preview)', scope: `workspace:${ws.name}` },
    ...(e.enforceSecretStore ? [{ role: 'Azure Machine Learning Workspace Connection Secrets Reader', scope: `workspace:${ws.name}` as const }] : []),
  ];
  const roles = (i: number) => (spec.identity?.type === 'UserAssigned' ? (spec.identity.identities[i].roles ?? []) : (spec.identity?.roles ?? granted));
  e.identity.principals.forEach((p, i) => {
    for (const r of roles(i)) w.assignments.push({ principalId: p.principalId, role: findRole(w, r.role), scope: resolveScope(w, r.scope ?? 'workspace') });
  });
  const specs = (spec.deployments ?? []).map((d) => (typeof d === 'string' ? { name: d } : d));
  for (const d of e.deployments.filter((x) => specs.find((y) => y.name === x.name)?.provisioningState === undefined)) {
    const failure = startupFailure(w.assignments, e.identity.principals, scopes, d.environmentVariables);
    if (failure) Object.assign(d, { provisioningState: 'Failed', provisioningError: failure });
  }
}

export function computeRec(c: ComputeSpec, workspace: string): ComputeRec {
  const minNodes = c.minNodes ?? 0;
  const identity = c.identity ?? 'SystemAssigned';
  return {
    identity,
    principalId: identity === 'None' ? '' : uuidOf(`${workspace}/computes/${c.name}/principal`),
    clientId: identity === 'None' ? '' : uuidOf(`${workspace}/computes/${c.name}/client`),
    name: c.name,
    workspace,
    minNodes,
    maxNodes: c.maxNodes ?? 4,
    currentNodes: c.currentNodes ?? minNodes,
    allocationState: c.allocationState ?? 'Steady',
    vmPriority: c.vmPriority ?? 'Dedicated',
    errors: c.errors ?? [],
  };
}

/** A resource's provisioning state `elapsedMs` after the emulator started. */
export function provisioningAt(p: Provisioning, elapsedMs: number): string {
  let t = elapsedMs;
  for (const step of p.provisioning) {
    if (t < step.durationMs) return step.state;
    t -= step.durationMs;
  }
  return p.provisioningState;
}

export function findIdentity(w: World, key: string): IdentityRec | undefined {
  const k = key.toLowerCase();
  return w.identities.find((i) => i.clientId.toLowerCase() === k || i.objectId.toLowerCase() === k || i.name.toLowerCase() === k);
}
