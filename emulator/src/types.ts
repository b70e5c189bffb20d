// The emulator's contract with its tests: a world that each test builds in a few lines, and the
// handle a running emulator returns. Everything a test may rely on is declared here.

export type Cloud = 'AzureCloud' | 'AzureUSGovernment' | 'AzureChinaCloud';

/** Logical Azure/GitHub service a request was addressed to (each has its own listener/origin). */
export type Service = 'github' | 'login' | 'management' | 'inference' | 'mlapi' | 'imds' | 'storage';

/**
 * Where a role assignment applies. Shorthands resolve against the world's first workspace;
 * a string starting with '/' is taken as a full ARM scope.
 */
export type ScopeRef =
  | 'subscription'
  | 'resourceGroup'
  | 'workspace'
  | `workspace:${string}`
  | `batchEndpoint:${string}`
  | `onlineEndpoint:${string}`
  /** A storage account of the world; 'storageAccount' alone is the first workspace's own. */
  | 'storageAccount'
  | `storageAccount:${string}`
  /** The first workspace's container registry (its properties.containerRegistry). */
  | 'containerRegistry'
  | `/${string}`;

export interface RoleAssignmentSpec {
  /** Built-in role name (Owner, Contributor, Reader, AzureML Data Scientist, …) or a custom role's name. */
  role: string;
  /** Default 'workspace'. */
  scope?: ScopeRef;
}

export interface CustomRoleSpec {
  name: string;
  actions: string[];
  notActions?: string[];
  dataActions?: string[];
  notDataActions?: string[];
  /** Default ['resourceGroup']. */
  assignableScopes?: ScopeRef[];
}

export interface FederatedCredentialSpec {
  name?: string;
  /** Default 'https://token.actions.githubusercontent.com'. */
  issuer?: string;
  subject: string;
  /** Default ['api://AzureADTokenExchange']. */
  audiences?: string[];
}

export interface IdentitySpec {
  /** Display name; default 'github-deployer' for the first identity. */
  name?: string;
  /** Application (client) id; generated from the seed when absent. */
  clientId?: string;
  /** Service principal object id; generated from the seed when absent. */
  objectId?: string;
  /** 'application' (service principal, default) or 'managedIdentity' (user-assigned, served by IMDS). */
  kind?: 'application' | 'managedIdentity';
  /** Client secrets accepted for the client_credentials grant. */
  secrets?: string[];
  /** Default: one credential matching the world's GitHub subject. */
  federatedCredentials?: FederatedCredentialSpec[];
  /** Default: [{ role: 'Contributor', scope: 'resourceGroup' }] for the first identity, [] for others. */
  roles?: RoleAssignmentSpec[];
  /** Conditional Access blocks this identity's sign-in to the Azure Machine Learning app (AADSTS53003). */
  conditionalAccessBlocked?: boolean;
}

/** Statuses Azure reports for a job (JobStatus in the 2022-10-01 spec). */
export type JobStatus =
  | 'NotStarted'
  | 'Starting'
  | 'Provisioning'
  | 'Preparing'
  | 'Queued'
  | 'Running'
  | 'Finalizing'
  | 'CancelRequested'
  | 'Completed'
  | 'Failed'
  | 'Canceled'
  | 'NotResponding'
  | 'Paused'
  | 'Unknown';

/** A JobStatus, or one the spec does not list yet (the service may add statuses: a test of how the action meets one). */
export type AnyJobStatus = JobStatus | (string & {});

export interface JobPlan {
  /** Non-final statuses the job passes through, each for durationMs of emulator clock time. */
  steps?: { status: AnyJobStatus; durationMs: number }[];
  /** Default 'Completed'. */
  final?: 'Completed' | 'Failed' | 'Canceled';
  /** Run-history error of a Failed job. */
  error?: { code: string; message: string };
  /** Time from a cancel request to 'Canceled' (default 500 ms). */
  cancelDelayMs?: number;
  /**
   * Log files of the job's batchscoring child run, by path (logs/user/error.txt, …), served through
   * run history's logFiles. Default for a Failed job: the files Microsoft Learn's batch
   * troubleshooting guide lists, each naming the error; for any other job, progress lines only.
   */
  logs?: Record<string, string>;
  /** How its scoring step's progress overview and the scoring script's lines grow while it runs (joblogs.ts). */
  progress?: ProgressPlan;
}

/** The batchscoring step's progress and output over the job's run (default: 10 mini-batches, today's runtime). */
export interface ProgressPlan {
  /** Mini-batches scheduled (default 10); done evenly over the scoring time (half of them when the job fails). */
  miniBatches?: number;
  /** The overview stops being written this long after the step starts, while the job goes on (azure-sdk-for-python#30421). */
  stallAfterMs?: number;
  /**
   * 'current' (default): logs/job_progress_overview.<yyyymmddhh>.txt, a new file each hour of the
   * clock, "Estimated remaining time"; 'older': one logs/overview.txt, "Estimate remaining".
   */
  runtime?: 'current' | 'older';
  /** Lines the scoring script prints when it starts (user_logs/std_log.txt). */
  scriptLines?: string[];
}

/** Provisioning states of online/batch endpoints and deployments (2022-10-01 spec enums). */
export type ProvisioningState = 'Creating' | 'Updating' | 'Scaling' | 'Deleting' | 'Succeeded' | 'Failed' | 'Canceled';

/**
 * States a resource passes through from the emulator's start, each for durationMs of emulator clock
 * time, before its provisioningState; any string is sent as given (a state the spec does not list).
 */
export type ProvisioningPlan = { state: ProvisioningState | (string & {}); durationMs: number }[];

/** An AmlCompute cluster as `computes/{name}` reports it (spec example Compute/get/AmlCompute.json). */
export interface ComputeSpec {
  name: string;
  /** Default: the world's first workspace. */
  workspace?: string;
  /** scaleSettings.minNodeCount (default 0). */
  minNodes?: number;
  /** scaleSettings.maxNodeCount (default 4). */
  maxNodes?: number;
  /** currentNodeCount (default minNodes). */
  currentNodes?: number;
  /** Default 'Steady'. */
  allocationState?: 'Steady' | 'Resizing';
  /** Default 'Dedicated'. */
  vmPriority?: 'Dedicated' | 'LowPriority';
  /** Node setup errors (properties.errors). */
  errors?: { code: string; message: string }[];
  /** The cluster's managed identity (default 'SystemAssigned'). */
  identity?: 'SystemAssigned' | 'UserAssigned' | 'None';
  /** Roles of the cluster's identity (default: Storage Blob Data Reader on the workspace's storage account). */
  roles?: RoleAssignmentSpec[];
}

export interface BatchDeploymentSpec {
  name: string;
  /** Default 'Succeeded'. */
  provisioningState?: string;
  /** States before provisioningState, from the emulator's start. */
  provisioning?: ProvisioningPlan;
  /** Error of the last create/update operation (its async operation status) when it Failed. */
  provisioningError?: { code: string; message: string };
  /**
   * Compute cluster name (default 'cpu-cluster'). null: properties.compute is left out, as the spec
   * allows (a pipeline-component deployment names its compute in its settings); jobs still run on
   * 'cpu-cluster'.
   */
  compute?: string | null;
  /** 'model' (default) ignores a requested experiment name; 'pipelineComponent' honours it and takes Literal inputs. */
  type?: 'model' | 'pipelineComponent';
}

export interface StorageAccountSpec {
  /** 3-24 lower-case letters and digits. */
  name: string;
  /** 'Deny': the account's firewall lets no request of this runner through (403 AuthorizationFailure). Default 'Allow'. */
  networkDefaultAction?: 'Allow' | 'Deny';
  /** false: Shared Key and account SAS are refused (403 KeyBasedAuthenticationNotPermitted). Default true. */
  allowSharedKeyAccess?: boolean;
}

export interface DatastoreSpec {
  name: string;
  workspace?: string;
  /** Storage account (default: the workspace's own, always in the world). */
  account?: string;
  /** Default: 'azureml-blobstore-<workspace id>' on the workspace's account, else the datastore's name. */
  container?: string;
  /**
   * How callers reach it: the account key (default), a SAS, or 'None' (identity-based: the caller's
   * own Entra token and data role); any other string is sent as a credentialsType the spec does not list.
   */
  credentials?: 'AccountKey' | 'Sas' | 'None' | (string & {});
  /** properties.datastoreType (default 'AzureBlob'); another is sent as given, with the Blob fields still there. */
  datastoreType?: string;
  /** Sas only: the SAS listSecrets hands out has expired. */
  sasExpired?: boolean;
  /** The container does not exist in the account. */
  containerMissing?: boolean;
  /** The workspace's default datastore (default: only 'workspaceblobstore'). */
  isDefault?: boolean;
}

export interface BatchEndpointSpec {
  name: string;
  /** Default: the world's first workspace. */
  workspace?: string;
  /** Default [{ name: 'default' }] ; strings are deployment names. */
  deployments?: (string | BatchDeploymentSpec)[];
  /** Default: the first deployment. null: the endpoint has none set. */
  defaultDeployment?: string | null;
  /** Default 'Succeeded'. */
  provisioningState?: string;
  /** States before provisioningState, from the emulator's start. */
  provisioning?: ProvisioningPlan;
  /** Plan of every job this endpoint creates (tests may also push to Emulator.nextJobPlans). */
  jobPlan?: JobPlan;
}

export interface ScoringRequest {
  endpoint: string;
  deployment: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}
export interface ScoringResponse {
  status: number;
  body: string | Buffer | object;
  headers?: Record<string, string>;
}

/**
 * What every scoring request routed to a deployment meets: one per row of Microsoft Learn's
 * online-endpoint troubleshooting status table (managed table: 408, 424, both 429s, 500;
 * Kubernetes table: 409, 502, 503, 504).
 */
export type ScoringCondition =
  | 'model-error' // 424, ms-azureml-model-error-statuscode/-reason headers; the container's error body; a traceback in the log
  | 'timeout' // 408 'upstream request timeout' once requestTimeout has passed
  | 'too-many-pending' // 429: more than 2 × maxConcurrentRequestsPerInstance × instances in flight
  | 'rate-limited' // 429: the endpoint's requests-per-second limit
  | 'infrastructure' // 500
  | 'conflict' // 409: another operation is in progress on the endpoint
  | 'crash' // 502: score.py's run() raised or crashed
  | 'spike' // 503: load rose faster than the deployment scales
  | 'gateway-timeout'; // 504

export interface OnlineDeploymentSpec {
  name: string;
  /** Default 'Succeeded', or 'Failed' when its endpoint's identity cannot start it (EndpointIdentitySpec). */
  provisioningState?: string;
  /** States before provisioningState, from the emulator's start (e.g. Updating for 3 s). */
  provisioning?: ProvisioningPlan;
  /** Error of the last create/update operation (its async operation status) when it Failed. */
  provisioningError?: { code: string; message: string };
  /** sku.capacity (default 1). */
  instanceCount?: number;
  /** properties.requestSettings (default requestTimeout 'PT5S', maxConcurrentRequestsPerInstance 1, maxQueueWait 'PT0.5S'). */
  requestSettings?: { requestTimeout?: string; maxConcurrentRequestsPerInstance?: number; maxQueueWait?: string };
  /** properties.scaleSettings (default { scaleType: 'Default' }). */
  scaleSettings?:
    { scaleType: 'Default' } | { scaleType: 'TargetUtilization'; minInstances: number; maxInstances: number; targetUtilizationPercentage?: number };
  /** Every request routed here meets this condition. */
  condition?: ScoringCondition;
  /**
   * Enforce the deployment's own limits: 429 past 2 × maxConcurrentRequestsPerInstance × instances
   * requests in flight, 408 when the answer takes longer than requestTimeout (default false, so
   * benches measure the action rather than a model's capacity).
   */
  enforceRequestLimits?: boolean;
  /** Inference-server log lines getLogs tails (default: the server's start-up lines; a model error appends its traceback). */
  logs?: string[];
  /**
   * properties.environmentVariables. A value `${{azureml://connections/<name>…}}` is a secret the
   * endpoint's identity reads from the workspace's connections when the container starts.
   */
  environmentVariables?: Record<string, string>;
  /**
   * The model version this deployment serves (emulator/src/model.ts): 200 {predictions, probabilities}
   * per input row, drawn from the seed and the row. Without it (and without the endpoint's
   * `respond`), the answer is {deployment, predictions}.
   */
  model?: ModelSpec;
}

/** A model version, for release gates: answers that differ from another version's on some rows, and noise. */
export interface ModelSpec {
  version: string;
  /** Share of rows (0–1) on which this version answers the other class than the seed's base model (default 0). */
  changes?: number;
  /** Each probability moved by up to this relative amount, differently per deployment (default 0). */
  jitter?: number;
  /** Each answer carries a new request_id (default false). */
  requestId?: boolean;
}

/**
 * An online endpoint's managed identity (ManagedServiceIdentity), which its deployments' containers
 * run as: they pull the image from the workspace's container registry and mount the model and code
 * from its storage account. A deployment whose provisioningState the spec leaves unset ends 'Failed'
 * with the troubleshooting guide's BadArgument reason when no principal of the identity may pull
 * from the registry ("Unable to download user container image") or read blobs of the storage account
 * ("Unable to download user model"), and with SecretsInjectionError when its environment variables
 * name a connection's secret and none may list the workspace's connection secrets.
 */
export type EndpointIdentitySpec =
  /**
   * roles default to what Azure grants a system-assigned identity itself: AcrPull on the registry,
   * Storage Blob Data Reader on the storage account, AzureML Metrics Writer (preview) on the workspace,
   * and Azure Machine Learning Workspace Connection Secrets Reader there when the endpoint enforces
   * access to the default secret store.
   */
  | { type: 'SystemAssigned'; roles?: RoleAssignmentSpec[] }
  /** Microsoft.ManagedIdentity/userAssignedIdentities/<name> in the world's resource group; Azure grants them nothing (roles default []). */
  | { type: 'UserAssigned'; identities: { name: string; roles?: RoleAssignmentSpec[] }[] };

export interface OnlineEndpointSpec {
  name: string;
  workspace?: string;
  authMode: 'key' | 'aml_token' | 'aad_token';
  /** Sent as properties.authMode in place of authMode's spelling: a value the spec does not list (scoring still follows authMode). */
  reportedAuthMode?: string;
  /** Default 'managed'. A Kubernetes endpoint rejects aad_token at scoring time. */
  compute?: 'managed' | 'kubernetes';
  /** Default 'Enabled'. 'Disabled': scoring only through the workspace's private endpoint (see WorldSpec.network). */
  publicNetworkAccess?: 'Enabled' | 'Disabled';
  /** Default [{ name: 'blue' }]. */
  deployments?: (string | OnlineDeploymentSpec)[];
  /** Default { <first deployment>: 100 }. */
  traffic?: Record<string, number>;
  /** Default 'Succeeded'. */
  provisioningState?: string;
  /** States before provisioningState, from the emulator's start; scoringUri is null while Creating. */
  provisioning?: ProvisioningPlan;
  /** Added to every scoring request (default 0). */
  latencyMs?: number;
  /** Scoring handler; default answers 200 JSON {"deployment": name, "predictions": [...]} (one per input row). */
  respond?: (req: ScoringRequest) => ScoringResponse | Promise<ScoringResponse>;
  /** Default: random keys from the seed. */
  keys?: { primaryKey: string; secondaryKey: string };
  /** Default { type: 'SystemAssigned' } (with the roles Azure grants it). */
  identity?: EndpointIdentitySpec;
  /** properties.properties.enforce_access_to_default_secret_stores: 'enabled' (secret injection; default false). */
  enforceSecretStore?: boolean;
}

export interface DataAssetSpec {
  name: string;
  workspace?: string;
  /** Version strings, oldest first; the last is 'latest'. */
  versions: string[];
  /** Default 'uri_folder'. */
  dataType?: 'uri_file' | 'uri_folder' | 'mltable';
  /** Default 'azureml://datastores/workspaceblobstore/paths/<name>/<version>/'. */
  dataUri?: string;
}

export type FaultKind =
  | '429' // 429 with Retry-After (retryAfterSeconds, default 1)
  | '429-no-retry-after'
  | '500'
  | '502'
  | '503'
  | '504'
  | 'reset' // socket destroyed before the request is handled
  | 'slow' // the response is delayed by delayMs (default 2000)
  | 'lost-response'; // the request is fully handled (a create is committed), then the socket is destroyed

export interface FaultRule {
  kind: FaultKind;
  service?: Service;
  method?: string;
  /** Substring of the path (without query) or a RegExp tested against it. */
  path?: string | RegExp;
  /** Skip this many matching requests first (default 0). */
  after?: number;
  /** Fire on this many matching requests (default 1; Infinity for always). */
  times?: number;
  retryAfterSeconds?: number;
  delayMs?: number;
}

export interface FaultPlan {
  /** Seed of the random faults (default: the world's seed). */
  seed?: number;
  /** Probability (0..1) that any request not excluded is faulted at random. */
  rate?: number;
  /** Kinds drawn for random faults (default all but 'slow'). */
  kinds?: FaultKind[];
  /** Services never faulted at random (default none). */
  exclude?: Service[];
  /** Deterministic rules, checked before the random draw. */
  rules?: FaultRule[];
}

export interface WorldSpec {
  seed?: number;
  cloud?: Cloud;
  tenantId?: string;
  subscriptionId?: string;
  /** Default 'rg-mlops'. */
  resourceGroup?: string;
  /** Default ['ws-scoring']; the first is 'the' workspace. */
  workspaces?: string[];
  /** Default 'eastus'. */
  location?: string;
  github?: {
    /** Default 'contoso/scoring'. */
    repository?: string;
    /** Default 'refs/heads/main'. */
    ref?: string;
    /** Default 'repo:<repository>:ref:<ref>' (or ':environment:<environment>' when set). */
    subject?: string;
    environment?: string;
    /** Lifetime of minted OIDC tokens (default 300 s, GitHub's). */
    tokenLifetimeSeconds?: number;
    /** Bearer that ACTIONS_ID_TOKEN_REQUEST_TOKEN must carry (default generated). */
    requestToken?: string;
    /** Pull requests the REST API knows (their comments: list, create, update). */
    pullRequests?: PullRequestSpec[];
    /** Requests the REST API answers before its rate limit is used up (default 1000, a GITHUB_TOKEN's hourly limit). */
    rateLimit?: number;
  };
  /** Default: one application identity (see IdentitySpec defaults). */
  identities?: IdentitySpec[];
  roles?: CustomRoleSpec[];
  /** Default [{ name: 'score-batch', deployments: ['default'] }]. */
  batchEndpoints?: BatchEndpointSpec[];
  /** Default: 'score-key' (key), 'score-token' (aml_token), 'score-aad' (aad_token). */
  onlineEndpoints?: OnlineEndpointSpec[];
  dataAssets?: DataAssetSpec[];
  /** Storage accounts besides each workspace's own (named 'st' + 8 hex digits of its workspace id). */
  storageAccounts?: StorageAccountSpec[];
  /** Datastores besides each workspace's 'workspaceblobstore' (credential-based, on its own account, the default). */
  datastores?: DatastoreSpec[];
  /** How role assignment reads answer (default 'ok'). */
  roleAssignmentsApi?: 'ok' | 'denied';
  /** Compute clusters; one a batch deployment names but this list lacks is a default cluster (0 to 4 nodes, none running). */
  computes?: ComputeSpec[];
  /** Read live: a test may change it on emu.world. */
  network?: {
    /** Workspaces whose publicNetworkAccess is Disabled (their batch endpoints, run history and storage are private too). */
    privateWorkspaces?: string[];
    /**
     * The caller is inside the virtual network (a self-hosted runner there): private resources
     * answer. Default false: a private online scoring URI resets the connection, a private
     * workspace's data plane answers 403 'Access to workspace was denied based on workspace
     * private link configuration.'.
     */
    callerInVirtualNetwork?: boolean;
  };
  /** Job plan of batch endpoints without their own (default Preparing 1.5 s, Running 2.5 s, Finalizing 0.5 s, Completed). */
  jobPlan?: JobPlan;
  service?: {
    /** A repeated repeatability_request-id returns the job it first created (default true). */
    dedupeRepeatability?: boolean;
    /** Client-sent properties.tags are kept on the job (default true). */
    keepClientTags?: boolean;
    /** Log blobs answer a Range read with 206 (default true); false: 200 with the whole blob, as a server that ignores Range. */
    logRangeReads?: boolean;
  };
  entra?: {
    /** Answer federation mismatches with the older AADSTS70021 (all three claims in one message). */
    legacyFederationErrors?: boolean;
  };
  /** Lifetime of access tokens Entra issues (default 3600 s). */
  accessTokenLifetimeSeconds?: number;
  /**
   * How long past `exp` a resource still accepts an access token (default 300 s: the clock skew
   * Microsoft.IdentityModel's token validation allows, which Azure's resources use).
   */
  accessTokenClockSkewSeconds?: number;
  /** How Microsoft.Authorization/permissions answers (default 'ok'). */
  permissionsApi?: 'ok' | 'denied' | 'error';
  faults?: FaultPlan;
  /** 'real' (default) follows the wall clock; 'manual' moves only through clock.advance(). */
  clock?: 'real' | 'manual';
  /**
   * Network round trip between clients and every service, or per service (default 0): a request on
   * a kept-alive connection takes one round trip more, the first one of a new connection three
   * (TCP and TLS handshakes, then the request), as across a real link (wire.ts).
   */
  latencyMs?: number | Partial<Record<Service, number>>;
  /**
   * Lean shapes: every answer that names its model carries only the fields its model requires
   * (shapes.ts, models.ts), as Azure and GitHub may answer. Same as shapes { '*': { lean: true } }.
   */
  lean?: boolean;
  /** Shapes of the answers, by model name ('BatchDeployment', 'RunDetails', 'issue-comment[]', …) or '*' for all. */
  shapes?: Record<string, AnswerShape>;
}

/**
 * A shape an answer may take that its model allows (shapes.ts). The rates are shares (0–1) of the
 * fields, enum values, objects or collections drawn, from seed and the answer's sequence number.
 */
export interface AnswerShape {
  /** Every optional field left out (an answer with only the required fields). */
  lean?: boolean;
  /** Optional fields left out, by path ('properties.compute', 'value[].properties.scope'). */
  drop?: string[];
  /** Seed of the draws (default 1). */
  seed?: number;
  /** Optional fields left out. */
  missing?: number;
  /** Optional fields sent as null. */
  nulls?: number;
  /** Enum values replaced by one the model does not list ('Future<Field>'). */
  unknownEnums?: number;
  /** Collections (lists, maps) sent empty. */
  empty?: number;
  /** Objects given a field the model does not know (futureField). */
  extra?: number;
  /** A list answer (value + nextLink) split into pages by nextLink at drawn points, empty pages included. */
  pages?: boolean;
}

/** An answer the reshaper changed: what it did, so a test can say which shape failed it. */
export interface ShapeLogEntry {
  url: string;
  model: string;
  changes: string[];
}

export interface PullRequestSpec {
  /** owner/repo (default the world's github.repository). */
  repository?: string;
  number: number;
  /** Comments people made on it before the run, oldest first (default 0). */
  comments?: number;
}

export type GithubPermissionLevel = 'read' | 'write' | 'none';

/** The GITHUB_TOKEN a job gets. */
export interface GithubTokenSpec {
  /**
   * The job's `permissions:` block: a map (every permission it does not name is none), 'read-all'
   * or 'write-all'. Default: GitHub's restricted default (contents and packages read).
   */
  permissions?: Record<string, GithubPermissionLevel> | 'read-all' | 'write-all';
  /** The repository of the workflow (default the world's github.repository). */
  repository?: string;
  /** A `pull_request` run for a pull request from a fork: every write permission becomes read. */
  fork?: boolean;
}

/** A comment on a pull request, as the REST API keeps it. */
export interface GithubCommentRecord {
  id: number;
  repository: string;
  number: number;
  body: string;
  /** Login of the author: 'github-actions[bot]' for a GITHUB_TOKEN. */
  author: string;
  createdAt: number;
  updatedAt: number;
}

/** One answer of the GitHub REST routes, for checking against GitHub's OpenAPI description. */
export interface GithubReply {
  /** operationId in GitHub's OpenAPI description (issues/list-comments, issues/create-comment, issues/update-comment). */
  operation: string;
  method: string;
  url: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface RequestLogEntry {
  seq: number;
  /** Emulator clock, ms since epoch. */
  time: number;
  service: Service;
  method: string;
  /** Path and query, secrets redacted. */
  url: string;
  status: number;
  /** Request headers, with authorization/keys/assertions redacted. */
  headers: Record<string, string>;
  /** Request body (JSON or form decoded), secrets redacted; undefined when empty. */
  body?: unknown;
  /** Decoded claims of the bearer token the request carried (never the token). */
  token?: { aud?: string; oid?: string; appid?: string; tid?: string; kind: 'entra' | 'github' | 'key' | 'aml' | 'invalid' };
  /** RBAC action the request was checked against, if any. */
  action?: string;
  /** Fault injected into this request, if any. */
  fault?: FaultKind;
  durationMs: number;
}

/** A TCP connection a client opened to a service's listener. */
export interface ConnectionLogEntry {
  /** Emulator clock, ms since epoch. */
  time: number;
  service: Service;
}

export interface JobRecord {
  name: string;
  workspace: string;
  endpoint: string;
  deployment: string;
  displayName: string;
  experimentName: string;
  tags: Record<string, string>;
  repeatabilityId?: string;
  createdBy: string;
  createdAt: number;
  /** Current status on the emulator clock. */
  status: AnyJobStatus;
  cancelRequestedAt?: number;
  inputs: unknown;
  outputs?: unknown;
  /** Run id of the job's 'batchscoring' child in run history (not the job name). */
  childRunId: string;
  /** Where a Completed job wrote each output, as azureml://datastores/<ds>/paths/<p> (model deployments: 'score'). */
  written?: Record<string, string>;
}

export interface ProxyLogEntry {
  host: string;
  port: number;
  /** 'storage': TLS ended here and served as Blob storage; 'tunnel': passed to one of the emulator's listeners; 'refused'. */
  outcome: 'storage' | 'tunnel' | 'refused';
  time: number;
}

/** The blob side of the world, for tests: what is stored, read straight from Azurite. */
export interface StorageHandle {
  /** Blob endpoint of an account, as Azure builds it: https://<account>.blob.<suffix>. */
  accountUrl(account: string): string;
  /** The account key listSecrets hands out. */
  accountKey(account: string): string;
  /** Resource id of an account. */
  accountId(account: string): string;
  /** Container and account of a datastore of the first workspace. */
  datastore(name: string): { account: string; container: string };
  /** Blob names under a prefix (starts Azurite when it is not running yet). */
  list(account: string, container: string, prefix?: string): Promise<{ name: string; size: number; metadata: Record<string, string> }[]>;
  read(account: string, container: string, blob: string): Promise<Buffer>;
  write(account: string, container: string, blob: string, content: Buffer | string): Promise<void>;
}

export interface Clock {
  now: () => number;
  /** Manual clocks only. */
  advance: (ms: number) => void;
}

export interface IdentityInfo {
  name: string;
  clientId: string;
  objectId: string;
  kind: 'application' | 'managedIdentity';
}

export interface Emulator {
  /** Origin that serves every route (login and management included): the JSON line's `url`. */
  url: string;
  /** Origin of each service (separate listeners; all route by path). imds is plain http. */
  urls: Record<Service, string>;
  caFile: string;
  caPem: string;
  cloud: Cloud;
  tenantId: string;
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
  /** The identities of the world, first one first. */
  identities: IdentityInfo[];
  /** ACTIONS_ID_TOKEN_REQUEST_URL. */
  oidcRequestUrl: string;
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  oidcRequestToken: string;
  /** Live, mutable world (e.g. world.github.subject = … to simulate a mismatch). */
  world: WorldSpec;
  log: RequestLogEntry[];
  /** Every TCP connection clients opened, in order (keep-alive reuse shows as fewer of them). */
  connections: ConnectionLogEntry[];
  /** Empties the request and connection logs. */
  clearLog(): void;
  jobs(): JobRecord[];
  /** Plans taken, in order, by the next jobs created (before the endpoint's own plan). */
  nextJobPlans: JobPlan[];
  /** The HTTP CONNECT proxy through which Azure's blob hosts reach the emulator's Blob storage (Azurite). */
  proxyUrl: string;
  /** Every CONNECT the proxy was asked for, in order. */
  proxyLog: ProxyLogEntry[];
  storage: StorageHandle;
  clock: Clock;
  setFaults(plan: FaultPlan | undefined): void;
  /** Replaces the shapes of the answers (WorldSpec.shapes); undefined: the default answers (lean stays when the world asked for it). */
  setShapes(shapes: Record<string, AnswerShape> | undefined): void;
  /** Every answer the shapes changed, and how. */
  shapeLog: ShapeLogEntry[];
  /** Replace an identity's role assignments (by client id or name). */
  setRoles(identity: string, roles: RoleAssignmentSpec[]): void;
  /** Environment a runner gives a step: OIDC variables, GITHUB_API_URL, NODE_EXTRA_CA_CERTS, HTTPS_PROXY (proxyUrl) and NO_PROXY=127.0.0.1,localhost. */
  env(): Record<string, string>;
  /** The action inputs that point it at this emulator (tenant-id, client-id, subscription-id,
   *  resource-group, workspace, authority-host, resource-manager-endpoint). */
  actionInputs(identity?: string): Record<string, string>;
  /** Every secret of the world: tokens issued so far, endpoint keys, client secrets, the OIDC request token. */
  secrets(): string[];
  /** A GitHub OIDC token as the token service would mint it (claims overridable). */
  mintGithubToken(claims?: Record<string, unknown>): string;
  /** Base URL of GitHub's REST API, shaped as GitHub Enterprise Server's (…/api/v3); the routes also answer at the root, as api.github.com's. */
  githubApiUrl: string;
  /** A GITHUB_TOKEN for the REST API, with the permissions of a job's `permissions:` block. */
  githubToken(spec?: GithubTokenSpec): string;
  /** The comments on a pull request, oldest first. */
  pullRequestComments(repository: string, number: number): GithubCommentRecord[];
  /** Every answer the GitHub REST routes gave, in order. */
  githubReplies: GithubReply[];
  close(): Promise<void>;
}
