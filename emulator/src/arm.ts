// Azure Resource Manager for Microsoft.MachineLearningServices (api-version 2022-10-01 shapes) and
// Microsoft.Authorization/permissions (2022-04-01). Every call: api-version, bearer token, RBAC for
// the action Azure checks at the addressed scope, then existence — in that order, as ARM does.
import { authenticate, type Caller } from './identity.js';
import { isFinal, statusAt, type Job } from './jobs.js';
import { signJwt } from './jwt.js';
import { effectivePermissions, isAuthorized } from './rbac.js';
import type { Ctx, Route } from './server.js';
import { stateNow, type State } from './state.js';
import {
  resourceGroupScope,
  storageAccountId,
  workspaceAccount,
  workspaceRegistry,
  workspaceScope,
  type BatchEndpointRec,
  type ComputeRec,
  type OnlineEndpointRec,
  type Provisioning,
  type WorkspaceRec,
  type World,
  workspaceAccess,
} from './world.js';

export const ML = 'Microsoft.MachineLearningServices';
const RG = String.raw`^/subscriptions/(?<sub>[^/]+)/resourceGroups/(?<rg>[^/]+)`;
/** The path of a workspace's resource-manager routes, up to its name. */
export const WS = String.raw`${RG}/providers/Microsoft\.MachineLearningServices/workspaces/(?<ws>[^/]+)`;
/** A route's path pattern: the whole path, any case (Azure's routes ignore case). */
export const re = (s: string) => new RegExp(`${s}$`, 'i');

/** The resource group and workspace scopes a request addresses, spelled as the caller spelled them. */
export const rgScope = (ctx: Ctx) => `/subscriptions/${ctx.params.sub}/resourceGroups/${ctx.params.rg}`;
export const wsScope = (ctx: Ctx) => `${rgScope(ctx)}/providers/${ML}/workspaces/${ctx.params.ws}`;

export function armError(ctx: Ctx, status: number, code: string, message: string): void {
  ctx.json(status, { error: { code, message } });
}

/** The sentence protocol.md gives for a denied call. */
export function authorizationFailed(caller: Caller, action: string, scope: string): { error: { code: string; message: string } } {
  return {
    error: {
      code: 'AuthorizationFailed',
      message: `The client '${caller.identity.clientId}' with object id '${caller.identity.objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    },
  };
}

/** Requires the caller to hold the action at the scope; answers 403 and returns false otherwise. */
export function authorize(ctx: Ctx, w: World, caller: Caller, action: string, scope: string): boolean {
  ctx.entry.action = action;
  if (isAuthorized(w.assignments, caller.identity.objectId, action, scope)) return true;
  ctx.json(403, authorizationFailed(caller, action, scope));
  return false;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '0000+00:00');
}

export function systemData(createdAt: number, by = 'ml-admin@contoso.com', type = 'User'): Record<string, string> {
  const at = iso(createdAt);
  return { createdAt: at, createdBy: by, createdByType: type, lastModifiedAt: at, lastModifiedBy: by, lastModifiedByType: type };
}

/**
 * The ML resource provider's 404 for a child resource, as quoted in Azure/azure-cli-extensions#7107
 * and an Azure PowerShell ML test recording: NotFound, "The specified resource was not found."
 */
export function mlNotFound(ctx: Ctx, _what: string): void {
  ctx.json(404, {
    error: {
      code: 'NotFound',
      message: 'The specified resource was not found.',
      details: [],
      additionalInfo: [{ type: 'ComponentName', info: { value: 'managementfrontend' } }],
    },
  });
}

/** What inWorkspace hands a route: the caller, and the workspace it found, so the route need not look again. */
export type InWorkspace = { caller: Caller; ws: WorkspaceRec };

/** The checks every resource manager route passes, in ARM's order, and its paging; shared by the route files. */
export function frontDoor(s: State) {
  const { w } = s;
  /** api-version, then the bearer token: the checks every resource manager call starts with. */
  const admit = (ctx: Ctx): Caller | undefined => {
    if (!ctx.query.get('api-version')) {
      armError(ctx, 400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
      return undefined;
    }
    return authenticate(ctx, w, s.keys, 'management');
  };

  /** Answers ARM's 404 when the request names a resource group other than the world's. */
  const resourceGroupMissing = (ctx: Ctx): boolean => {
    if (!ctx.params.rg || ctx.params.rg.toLowerCase() === w.resourceGroup.toLowerCase()) return false;
    armError(ctx, 404, 'ResourceGroupNotFound', `Resource group '${ctx.params.rg}' could not be found.`);
    return true;
  };

  /** api-version, subscription, token, RBAC, resource group: the front door every route passes. */
  const guard = (ctx: Ctx, action: string, scope: string): Caller | undefined => {
    const caller = admit(ctx);
    if (!caller) return undefined;
    if (ctx.params.sub && ctx.params.sub.toLowerCase() !== w.subscriptionId.toLowerCase()) {
      armError(ctx, 404, 'SubscriptionNotFound', `The subscription '${ctx.params.sub}' could not be found.`);
      return undefined;
    }
    if (!authorize(ctx, w, caller, action, scope) || resourceGroupMissing(ctx)) return undefined;
    return caller;
  };

  /** Guard for a route inside a workspace; also answers ARM's 404 for a missing workspace. */
  const inWorkspace = (ctx: Ctx, action: string, scope = wsScope(ctx)): InWorkspace | undefined => {
    const caller = guard(ctx, action, scope);
    if (!caller) return undefined;
    const ws = w.workspaces.find((x) => x.name.toLowerCase() === ctx.params.ws.toLowerCase());
    if (!ws) {
      armError(
        ctx,
        404,
        'ResourceNotFound',
        `The Resource '${ML}/workspaces/${ctx.params.ws}' under resource group '${ctx.params.rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
      );
      return undefined;
    }
    return { caller, ws };
  };

  const list = (ctx: Ctx, items: unknown[], pageSize = 50) => {
    const skip = Number(ctx.query.get('$skip') ?? 0) || 0;
    const page = items.slice(skip, skip + pageSize);
    const body: { value: unknown[]; nextLink?: string } = { value: page };
    if (skip + pageSize < items.length) {
      const next = new URLSearchParams(ctx.query);
      next.set('$skip', String(skip + pageSize));
      body.nextLink = `${w.urls.management}${ctx.path}?${next}`;
    }
    ctx.json(200, body);
  };

  return { admit, resourceGroupMissing, guard, inWorkspace, list };
}

export function armRoutes(s: State): Route[] {
  const { w } = s;
  const created = Date.now() - 30 * 86_400_000;

  const { admit, resourceGroupMissing, guard, inWorkspace, list } = frontDoor(s);

  // Workspace Get: the real response in the research notes (test_batch_job_download recording),
  // properties.discoveryUrl pointing at this emulator's mlapi listener.
  const workspaceBody = (name: string) => {
    const rec = w.workspaces.find((x) => x.name === name)!;
    return {
      id: rec.id,
      name,
      type: `${ML}/workspaces`,
      location: w.location,
      tags: {},
      etag: null,
      kind: 'Default',
      properties: {
        friendlyName: name,
        description: '',
        storageAccount: storageAccountId(w, workspaceAccount(rec)),
        keyVault: `${resourceGroupScope(w)}/providers/Microsoft.Keyvault/vaults/kv-${rec.workspaceId.slice(0, 8)}`,
        applicationInsights: `${resourceGroupScope(w)}/providers/Microsoft.insights/components/ai-${rec.workspaceId.slice(0, 8)}`,
        hbiWorkspace: false,
        tenantId: w.tenantId,
        imageBuildCompute: null,
        provisioningState: 'Succeeded',
        v1LegacyMode: false,
        softDeleteEnabled: false,
        containerRegistry: workspaceRegistry(w, rec),
        storageHnsEnabled: false,
        workspaceId: rec.workspaceId,
        linkedModelInventoryArmId: null,
        privateLinkCount: workspaceAccess(w, name) === 'Disabled' ? 1 : 0,
        publicNetworkAccess: workspaceAccess(w, name),
        discoveryUrl: `${w.urls.mlapi}/discovery`,
        mlFlowTrackingUri: `azureml://${w.location}.api.azureml.ms/mlflow/v1.0${rec.id}`,
        sdkTelemetryAppInsightsKey: rec.workspaceId,
        sasGetterUri: '',
      },
      identity: { type: 'SystemAssigned', principalId: rec.workspaceId, tenantId: w.tenantId },
      sku: { name: 'Basic', tier: 'Basic' },
      systemData: systemData(created),
    };
  };

  /**
   * properties.AzureAsyncOperationUri of a resource's last create/update (rec-online, rec-batchdl):
   * …/locations/{l}/mfeOperationsStatus/{prefix}:{workspaceId}:{operationId}; 'od' deployments,
   * 'oe' online endpoints, 'be' batch endpoints (recorded); 'bd' batch deployments (a guess).
   */
  const operationUri = (prefix: string, workspace: string, p: Provisioning) =>
    `${w.urls.management}/subscriptions/${w.subscriptionId}/providers/${ML}/locations/${w.location}/mfeOperationsStatus/${prefix}:${w.workspaces.find((x) => x.name === workspace)!.workspaceId}:${p.operationId}?api-version=2022-10-01`;

  // BatchEndpoint Get: the real response of the test_batch_invoke recording (notes §2b).
  const batchBody = (e: BatchEndpointRec) => ({
    id: e.id,
    name: e.name,
    type: `${ML}/workspaces/batchEndpoints`,
    properties: {
      description: `Batch endpoint ${e.name}`,
      properties: {
        BatchEndpointCreationApiVersion: '2022-10-01',
        'azureml.onlineendpointid': e.id,
        AzureAsyncOperationUri: operationUri('be', e.workspace, e),
      },
      scoringUri: stateNow(s, e) === 'Succeeded' ? `${w.urls.inference}/${e.name}/jobs` : null,
      swaggerUri: null,
      authMode: 'AADToken',
      defaults: { deploymentName: e.defaultDeployment },
      provisioningState: stateNow(s, e),
    },
    systemData: systemData(created),
    tags: {},
    location: w.location,
  });

  // BatchDeployment Get: spec example 2022-10-01 BatchDeployment/get.json with the values of the
  // recorded list item (notes §2c).
  const batchDeploymentBody = (e: BatchEndpointRec, d: BatchEndpointRec['deployments'][number]) => ({
    id: `${e.id}/deployments/${d.name}`,
    name: d.name,
    type: `${ML}/workspaces/batchEndpoints/deployments`,
    properties: {
      description: null,
      properties: { AzureAsyncOperationUri: operationUri('bd', e.workspace, d) },
      codeConfiguration: { codeId: `${workspaceScope(w, e.workspace)}/codes/score-code/versions/1`, scoringScript: 'batch_driver.py' },
      environmentId: `${workspaceScope(w, e.workspace)}/environments/batch-env/versions/1`,
      environmentVariables: {},
      ...(d.computeHidden ? {} : { compute: d.compute }),
      errorThreshold: -1,
      retrySettings: { maxRetries: 3, timeout: 'PT30S' },
      miniBatchSize: 10,
      loggingLevel: 'Info',
      model: d.type === 'model' ? { referenceType: 'Id', assetId: `${workspaceScope(w, e.workspace)}/models/${e.name}-model/versions/1` } : null,
      maxConcurrencyPerInstance: 2,
      outputAction: 'AppendRow',
      outputFileName: 'predictions.csv',
      resources: { instanceCount: 1, instanceType: null, properties: null },
      provisioningState: stateNow(s, d),
    },
    systemData: systemData(created),
    tags: {},
    location: w.location,
  });

  // OnlineEndpoint Get: spec example 2022-10-01 OnlineEndpoint/get.json (notes §3a); scoringUri is
  // null while the endpoint is being created, and publicNetworkAccess is given (rec-online).
  const onlineBody = (e: OnlineEndpointRec) => {
    const state = stateNow(s, e);
    const creating = state === 'Creating';
    return {
      id: e.id,
      name: e.name,
      type: `${ML}/workspaces/onlineEndpoints`,
      properties: {
        description: `Online endpoint ${e.name}`,
        properties: {
          'azureml.onlineendpointid': e.id,
          AzureAsyncOperationUri: operationUri('oe', e.workspace, e),
          ...(e.enforceSecretStore ? { enforce_access_to_default_secret_stores: 'enabled' } : {}),
        },
        scoringUri: creating ? null : `${w.urls.inference}/${e.name}/score`,
        swaggerUri: creating ? null : `${w.urls.inference}/${e.name}/swagger.json`,
        authMode: e.reportedAuthMode ?? { key: 'Key', aml_token: 'AMLToken', aad_token: 'AADToken' }[e.authMode],
        provisioningState: state,
        compute: e.kubernetes ? `${workspaceScope(w, e.workspace)}/computes/k8s-compute` : null,
        traffic: e.traffic,
        publicNetworkAccess: e.publicNetworkAccess,
      },
      systemData: systemData(created),
      tags: {},
      location: w.location,
      kind: e.kubernetes ? 'Kubernetes' : 'Managed',
      identity: endpointIdentity(w, e),
    };
  };

  // OnlineDeployment Get: ManagedOnlineDeployment/get.json or KubernetesOnlineDeployment/get.json,
  // with the real values of rec-online (sku Default/Standard, requestSettings, AzureAsyncOperationUri);
  // the spec examples give liveness and readiness the same probe settings.
  const probe = { failureThreshold: 30, successThreshold: 1, timeout: 'PT2S', period: 'PT10S', initialDelay: 'PT10S' };
  const onlineDeploymentBody = (e: OnlineEndpointRec, d: OnlineEndpointRec['deployments'][number]) => ({
    id: `${e.id}/deployments/${d.name}`,
    name: d.name,
    type: `${ML}/workspaces/onlineEndpoints/deployments`,
    kind: e.kubernetes ? 'Kubernetes' : 'Managed',
    properties: {
      description: null,
      properties: { AzureAsyncOperationUri: operationUri('od', e.workspace, d) },
      codeConfiguration: { codeId: `${workspaceScope(w, e.workspace)}/codes/score/versions/1`, scoringScript: 'score.py' },
      environmentId: `${workspaceScope(w, e.workspace)}/environments/serve/versions/1`,
      environmentVariables: d.environmentVariables,
      scaleSettings: d.scaleSettings,
      requestSettings: d.requestSettings,
      appInsightsEnabled: false,
      livenessProbe: probe,
      egressPublicNetworkAccess: 'Enabled',
      provisioningState: stateNow(s, d),
      instanceType: e.kubernetes ? null : 'Standard_DS3_v2',
      model: `${workspaceScope(w, e.workspace)}/models/${e.name}-model/versions/${d.model?.version ?? '1'}`,
      endpointComputeType: e.kubernetes ? 'Kubernetes' : 'Managed',
      ...(e.kubernetes
        ? { containerResourceRequirements: { containerResourceRequests: { cpu: '1', memory: '2Gi' }, containerResourceLimits: { cpu: '1', memory: '2Gi' } } }
        : { readinessProbe: probe }),
    },
    systemData: systemData(created),
    tags: {},
    location: w.location,
    sku: { name: 'Default', tier: 'Standard', capacity: d.instanceCount },
  });

  // Job Get through the resource manager: the real batch-job GET of the test_batch_job_download
  // recording (notes §4c): a Pipeline job, no error field.
  const jobBody = (job: Job) => {
    const status = statusAt(job, s.clock.now());
    const wsId = workspaceScope(w, job.workspace);
    return {
      id: `${wsId}/jobs/${job.name}`,
      name: job.name,
      type: `${ML}/workspaces/jobs`,
      properties: {
        description: `Pipeline submission for endpoint: ${job.endpoint}, deployment: ${job.deployment}.`,
        tags: job.tags,
        properties: { 'azureml.runsource': 'azureml.PipelineRun', runSource: 'Unavailable', runType: 'HTTP', 'azureml.pipelineComponent': 'pipelinerun' },
        displayName: job.displayName,
        status,
        experimentName: job.experimentName,
        services: {
          Tracking: {
            jobServiceType: 'Tracking',
            port: null,
            endpoint: `azureml://${w.location}.api.azureml.ms/mlflow/v1.0${wsId}?`,
            status: null,
            errorMessage: null,
            properties: null,
            nodes: null,
          },
          Studio: { jobServiceType: 'Studio', port: null, endpoint: studioUrl(w, job), status: null, errorMessage: null, properties: null, nodes: null },
        },
        computeId: null,
        isArchived: false,
        identity: null,
        componentId: null,
        jobType: 'Pipeline',
        settings: null,
        jobs: null,
        inputs: null,
        outputs: null,
        sourceJobId: null,
      },
      // createdBy of a job a service principal created: its client id (protocol.md: to verify).
      systemData: { createdAt: iso(job.createdAt), createdBy: job.createdBy, createdByType: 'Application' },
    };
  };

  /** Every resource of a workspace with a create/update operation. */
  const provisioned = (ws: string): Provisioning[] => [
    ...w.batchEndpoints.filter((e) => e.workspace === ws).flatMap((e) => [e, ...e.deployments]),
    ...w.onlineEndpoints.filter((e) => e.workspace === ws).flatMap((e) => [e, ...e.deployments]),
  ];

  /** A compute of the world (every cluster a batch deployment names is one: world.ts adds it). */
  const findCompute = (ws: string, name: string): ComputeRec | undefined =>
    w.computes.find((c) => c.workspace === ws && c.name.toLowerCase() === name.toLowerCase());

  const computeBody = (c: ComputeRec) => ({
    id: `${workspaceScope(w, c.workspace)}/computes/${c.name}`,
    type: `${ML}/workspaces/computes`,
    name: c.name,
    location: w.location,
    ...computeIdentity(w, c),
    properties: {
      description: null,
      createdOn: iso(created),
      modifiedOn: iso(created),
      computeType: 'AmlCompute',
      provisioningState: 'Succeeded',
      provisioningErrors: null,
      properties: {
        vmSize: 'STANDARD_DS3_V2',
        vmPriority: c.vmPriority,
        osType: 'Linux',
        virtualMachineImage: null,
        isolatedNetwork: false,
        subnet: null,
        scaleSettings: { maxNodeCount: c.maxNodes, minNodeCount: c.minNodes, nodeIdleTimeBeforeScaleDown: 'PT2M' },
        remoteLoginPortPublicAccess: 'Disabled',
        allocationState: c.allocationState,
        allocationStateTransitionTime: new Date(created).toISOString(),
        errors: c.errors.length ? c.errors.map((e) => ({ error: { code: e.code, message: e.message } })) : null,
        currentNodeCount: c.currentNodes,
        targetNodeCount: c.allocationState === 'Resizing' ? Math.max(c.currentNodes, 1) : c.currentNodes,
        nodeStateCounts: {
          preparingNodeCount: 0,
          runningNodeCount: c.currentNodes,
          idleNodeCount: 0,
          unusableNodeCount: 0,
          leavingNodeCount: 0,
          preemptedNodeCount: 0,
        },
        enableNodePublicIp: true,
      },
    },
    systemData: systemData(created),
  });

  const findJob = (ws: string, ctx: Ctx) => s.jobs.find((j) => j.workspace === ws && j.name.toLowerCase() === ctx.params.id.toLowerCase());

  const findEndpoint = <E extends { name: string; workspace: string }>(records: E[], ws: string, ctx: Ctx) =>
    records.find((e) => e.workspace === ws && e.name.toLowerCase() === ctx.params.ep.toLowerCase());
  const online = (ws: string, ctx: Ctx) => findEndpoint(w.onlineEndpoints, ws, ctx);

  /** The read routes both endpoint kinds have: list, get, list deployments, get a deployment. */
  function endpointReadRoutes<E extends { name: string; workspace: string; deployments: D[] }, D extends { name: string }>(k: {
    segment: 'batchEndpoints' | 'onlineEndpoints';
    word: 'batch' | 'online';
    /** The models of its answers (models.ts). */
    model: 'BatchEndpoint' | 'OnlineEndpoint';
    deploymentModel: 'BatchDeployment' | 'OnlineDeployment';
    records: E[];
    body: (e: E) => unknown;
    deploymentBody: (e: E, d: D) => unknown;
  }): Route[] {
    const action = `${ML}/workspaces/${k.segment}`;
    const endpointScope = (ctx: Ctx) => `${wsScope(ctx)}/${k.segment}/${ctx.params.ep}`;
    return [
      {
        service: 'management',
        method: 'GET',
        path: re(`${WS}/${k.segment}`),
        model: `${k.model}TrackedResourceArmPaginatedResult`,
        handler: (ctx) => {
          const g = inWorkspace(ctx, `${action}/read`);
          if (!g) return;
          list(ctx, k.records.filter((e) => e.workspace === g.ws.name).map(k.body));
        },
      },
      {
        service: 'management',
        method: 'GET',
        path: re(`${WS}/${k.segment}/(?<ep>[^/]+)`),
        model: k.model,
        handler: (ctx) => {
          const g = inWorkspace(ctx, `${action}/read`, endpointScope(ctx));
          if (!g) return;
          const e = findEndpoint(k.records, g.ws.name, ctx);
          if (!e) return mlNotFound(ctx, `${k.word} endpoint '${ctx.params.ep}'`);
          ctx.json(200, k.body(e));
        },
      },
      {
        service: 'management',
        method: 'GET',
        path: re(`${WS}/${k.segment}/(?<ep>[^/]+)/deployments`),
        model: `${k.deploymentModel}TrackedResourceArmPaginatedResult`,
        handler: (ctx) => {
          const g = inWorkspace(ctx, `${action}/deployments/read`, endpointScope(ctx));
          if (!g) return;
          const e = findEndpoint(k.records, g.ws.name, ctx);
          if (!e) return mlNotFound(ctx, `${k.word} endpoint '${ctx.params.ep}'`);
          list(
            ctx,
            e.deployments.map((d) => k.deploymentBody(e, d)),
          );
        },
      },
      {
        service: 'management',
        method: 'GET',
        path: re(`${WS}/${k.segment}/(?<ep>[^/]+)/deployments/(?<dep>[^/]+)`),
        model: k.deploymentModel,
        handler: (ctx) => {
          const g = inWorkspace(ctx, `${action}/deployments/read`, `${endpointScope(ctx)}/deployments/${ctx.params.dep}`);
          if (!g) return;
          const e = findEndpoint(k.records, g.ws.name, ctx);
          const d = e?.deployments.find((x) => x.name.toLowerCase() === ctx.params.dep.toLowerCase());
          if (!e || !d) return mlNotFound(ctx, `${k.word} deployment '${ctx.params.dep}'`);
          ctx.json(200, k.deploymentBody(e, d));
        },
      },
    ];
  }

  const routes: Route[] = [
    {
      service: 'management',
      method: 'GET',
      path: re(`${RG}/providers/Microsoft\\.MachineLearningServices/workspaces`),
      model: 'WorkspaceListResult',
      handler: (ctx) => {
        if (!guard(ctx, `${ML}/workspaces/read`, rgScope(ctx))) return;
        list(
          ctx,
          w.workspaces.map((x) => workspaceBody(x.name)),
        );
      },
    },
    {
      service: 'management',
      method: 'GET',
      path: re(WS),
      model: 'Workspace',
      handler: (ctx) => {
        const g = inWorkspace(ctx, `${ML}/workspaces/read`);
        if (!g) return;
        ctx.json(200, workspaceBody(g.ws.name));
      },
    },
    ...endpointReadRoutes({
      segment: 'batchEndpoints',
      word: 'batch',
      model: 'BatchEndpoint',
      deploymentModel: 'BatchDeployment',
      records: w.batchEndpoints,
      body: batchBody,
      deploymentBody: batchDeploymentBody,
    }),
    ...endpointReadRoutes({
      segment: 'onlineEndpoints',
      word: 'online',
      model: 'OnlineEndpoint',
      deploymentModel: 'OnlineDeployment',
      records: w.onlineEndpoints,
      body: onlineBody,
      deploymentBody: onlineDeploymentBody,
    }),
    {
      // OnlineEndpoint/listKeys.json: {primaryKey, secondaryKey}.
      service: 'management',
      method: 'POST',
      path: re(`${WS}/onlineEndpoints/(?<ep>[^/]+)/listKeys`),
      model: 'EndpointAuthKeys',
      handler: (ctx) => {
        const g = inWorkspace(ctx, `${ML}/workspaces/onlineEndpoints/listKeys/action`, `${wsScope(ctx)}/onlineEndpoints/${ctx.params.ep}`);
        if (!g) return;
        const e = online(g.ws.name, ctx);
        if (!e) return mlNotFound(ctx, `online endpoint '${ctx.params.ep}'`);
        if (e.authMode !== 'key')
          return armError(ctx, 400, 'UserError', `Keys are only available for endpoints with auth mode Key; '${e.name}' uses ${e.authMode}.`);
        ctx.json(200, { primaryKey: e.keys.primaryKey, secondaryKey: e.keys.secondaryKey });
      },
    },
    {
      // OnlineEndpoint/getToken.json: {accessToken, tokenType, expiryTimeUtc, refreshAfterTimeUtc}.
      service: 'management',
      method: 'POST',
      path: re(`${WS}/onlineEndpoints/(?<ep>[^/]+)/token`),
      model: 'EndpointAuthToken',
      handler: (ctx) => {
        const g = inWorkspace(ctx, `${ML}/workspaces/onlineEndpoints/token/action`, `${wsScope(ctx)}/onlineEndpoints/${ctx.params.ep}`);
        if (!g) return;
        const e = online(g.ws.name, ctx);
        if (!e) return mlNotFound(ctx, `online endpoint '${ctx.params.ep}'`);
        if (e.authMode !== 'aml_token')
          return armError(ctx, 400, 'UserError', `Tokens are only available for endpoints with auth mode AMLToken; '${e.name}' uses ${e.authMode}.`);
        const now = Math.floor(Date.now() / 1000);
        const accessToken = amlToken(s, e, g.caller, now);
        ctx.json(200, { accessToken, tokenType: 'Bearer', expiryTimeUtc: now + 3600, refreshAfterTimeUtc: now + 1800 });
      },
    },
    {
      // Jobs_List (mfe.json 2022-10-01): tag = tag key, jobType, listViewType, $skip; newest first.
      service: 'management',
      method: 'GET',
      path: re(`${WS}/jobs`),
      model: 'JobBaseResourceArmPaginatedResult',
      handler: (ctx) => {
        const g = inWorkspace(ctx, `${ML}/workspaces/jobs/read`);
        if (!g) return;
        const tag = ctx.query.get('tag');
        const jobType = ctx.query.get('jobType');
        const view = ctx.query.get('listViewType') ?? 'ActiveOnly';
        const jobs = s.jobs
          .filter((j) => j.workspace === g.ws.name)
          .filter((j) => !tag || Object.keys(j.tags).includes(tag))
          .filter(() => !jobType || jobType.toLowerCase() === 'pipeline')
          .filter(() => view !== 'ArchivedOnly')
          .sort((a, b) => b.createdAt - a.createdAt)
          .map(jobBody);
        list(ctx, jobs, 20);
      },
    },
    {
      service: 'management',
      method: 'GET',
      path: re(`${WS}/jobs/(?<id>[^/]+)`),
      model: 'JobBase',
      handler: async (ctx) => {
        const g = inWorkspace(ctx, `${ML}/workspaces/jobs/read`);
        if (!g) return;
        const job = findJob(g.ws.name, ctx);
        if (!job) return mlNotFound(ctx, `job '${ctx.params.id}'`);
        await s.settle(job);
        ctx.json(200, jobBody(job));
      },
    },
    {
      // Jobs_Cancel: 202 with Location to mfeOperationResults, body null (recording, notes §4e);
      // a job that has already ended answers 200 and nothing changes (a guess).
      service: 'management',
      method: 'POST',
      path: re(`${WS}/jobs/(?<id>[^/]+)/cancel`),
      handler: (ctx) => {
        const g = inWorkspace(ctx, `${ML}/workspaces/jobs/cancel/action`);
        if (!g) return;
        const job = findJob(g.ws.name, ctx);
        if (!job) return mlNotFound(ctx, `job '${ctx.params.id}'`);
        if (isFinal(statusAt(job, s.clock.now()))) return ctx.empty(200);
        job.cancelRequestedAt ??= s.clock.now();
        ctx.json(202, null, {
          location: `${w.urls.management}/subscriptions/${w.subscriptionId}/providers/${ML}/locations/${w.location}/mfeOperationResults/jc:${g.ws.workspaceId}:${job.name}?api-version=${ctx.query.get('api-version')}`,
          'x-ms-async-operation-timeout': 'PT1H',
        });
      },
    },
    {
      service: 'management',
      method: 'GET',
      path: re(
        String.raw`^/subscriptions/(?<sub>[^/]+)/providers/Microsoft\.MachineLearningServices/locations/(?<loc>[^/]+)/mfeOperationResults/jc:(?<wsid>[^:/]+):(?<id>[^/]+)`,
      ),
      handler: (ctx) => {
        const ws = w.workspaces.find((x) => x.workspaceId === ctx.params.wsid);
        if (!ws) return armError(ctx, 404, 'NotFound', 'The operation was not found.');
        if (!guard(ctx, `${ML}/workspaces/jobs/operationresults/read`, workspaceScope(w, ws.name))) return;
        const job = s.jobs.find((j) => j.workspace === ws.name && j.name === ctx.params.id);
        if (!job) return armError(ctx, 404, 'NotFound', 'The operation was not found.');
        if (!isFinal(statusAt(job, s.clock.now()))) return ctx.json(202, {}, { location: `${w.urls.management}${ctx.path}?${ctx.query}` });
        ctx.empty(200);
      },
    },
    {
      // DataContainer/get.json, with the read-only latestVersion azure-ai-ml reads for @latest.
      service: 'management',
      method: 'GET',
      path: re(`${WS}/data/(?<name>[^/]+)`),
      model: 'DataContainer',
      handler: (ctx) => {
        const g = inWorkspace(ctx, `${ML}/workspaces/data/read`);
        if (!g) return;
        const d = w.dataAssets.find((x) => x.workspace === g.ws.name && x.name === ctx.params.name);
        if (!d) return mlNotFound(ctx, `data asset '${ctx.params.name}'`);
        ctx.json(200, {
          id: `${workspaceScope(w, d.workspace)}/data/${d.name}`,
          name: d.name,
          type: `${ML}/workspaces/data`,
          properties: {
            dataType: d.dataType,
            description: null,
            tags: {},
            properties: {},
            isArchived: false,
            latestVersion: d.versions.at(-1),
            nextVersion: String(d.versions.length + 1),
          },
          systemData: systemData(created),
        });
      },
    },
    {
      service: 'management',
      method: 'GET',
      path: re(`${WS}/data/(?<name>[^/]+)/versions`),
      model: 'DataVersionBaseResourceArmPaginatedResult',
      handler: (ctx) => {
        const g = inWorkspace(ctx, `${ML}/workspaces/data/versions/read`);
        if (!g) return;
        const d = w.dataAssets.find((x) => x.workspace === g.ws.name && x.name === ctx.params.name);
        if (!d) return mlNotFound(ctx, `data asset '${ctx.params.name}'`);
        list(
          ctx,
          [...d.versions].reverse().map((v) => dataVersionBody(w, d, v, created)),
        );
      },
    },
    {
      // DataVersionBase/get.json.
      service: 'management',
      method: 'GET',
      path: re(`${WS}/data/(?<name>[^/]+)/versions/(?<version>[^/]+)`),
      model: 'DataVersionBase',
      handler: (ctx) => {
        const g = inWorkspace(ctx, `${ML}/workspaces/data/versions/read`);
        if (!g) return;
        const d = w.dataAssets.find((x) => x.workspace === g.ws.name && x.name === ctx.params.name);
        if (!d || !d.versions.includes(ctx.params.version)) return mlNotFound(ctx, `data asset '${ctx.params.name}' version '${ctx.params.version}'`);
        ctx.json(200, dataVersionBody(w, d, ctx.params.version, created));
      },
    },
    {
      // OnlineDeployments_GetLogs (mfe.json 2022-10-01, examples/OnlineDeployment/getLogs.json): POST
      // {containerType?, tail?} → 200 {content}; action getlogs/action (Microsoft Learn, resource
      // provider operations). Without containerType the inference server's log (troubleshooting guide).
      service: 'management',
      method: 'POST',
      path: re(`${WS}/onlineEndpoints/(?<ep>[^/]+)/deployments/(?<dep>[^/]+)/getLogs`),
      model: 'DeploymentLogs',
      handler: (ctx) => {
        const scope = `${wsScope(ctx)}/onlineEndpoints/${ctx.params.ep}/deployments/${ctx.params.dep}`;
        const g = inWorkspace(ctx, `${ML}/workspaces/onlineEndpoints/deployments/getLogs/action`, scope);
        if (!g) return;
        const e = online(g.ws.name, ctx);
        const d = e?.deployments.find((x) => x.name.toLowerCase() === ctx.params.dep.toLowerCase());
        if (!e || !d) return mlNotFound(ctx, `online deployment '${ctx.params.dep}'`);
        let body: { containerType?: unknown; tail?: unknown };
        try {
          body = JSON.parse(ctx.body.toString('utf8') || '{}') as typeof body;
        } catch {
          return armError(ctx, 400, 'BadRequest', 'The request body is not valid JSON.');
        }
        const container = body.containerType ?? 'InferenceServer';
        if (container !== 'InferenceServer' && container !== 'StorageInitializer')
          return armError(ctx, 400, 'BadRequest', `Invalid container type ${JSON.stringify(container)}. Supported: InferenceServer, StorageInitializer.`);
        if (body.tail !== undefined && (typeof body.tail !== 'number' || !Number.isInteger(body.tail) || body.tail < 0))
          return armError(ctx, 400, 'BadRequest', 'tail must be a whole number of lines.');
        const lines = container === 'StorageInitializer' ? storageInitializerLog(d.name) : d.logs;
        const tail = typeof body.tail === 'number' && body.tail > 0 ? lines.slice(-body.tail) : lines;
        // Until a container runs there is no log; the service then says to try again later (wording a guess).
        const running = !['Creating'].includes(stateNow(s, d));
        ctx.json(200, { content: running ? tail.join('\n') : 'The deployment is not ready yet; please try again later.' });
      },
    },
    {
      // Compute Get: spec example 2022-10-01 Compute/get/AmlCompute.json.
      service: 'management',
      method: 'GET',
      path: re(`${WS}/computes/(?<name>[^/]+)`),
      model: 'ComputeResource',
      handler: (ctx) => {
        const g = inWorkspace(ctx, `${ML}/workspaces/computes/read`);
        if (!g) return;
        const c = findCompute(g.ws.name, ctx.params.name);
        if (!c) return mlNotFound(ctx, `compute '${ctx.params.name}'`);
        ctx.json(200, computeBody(c));
      },
    },
    {
      // The async operation status of a create/update (rec-online: status Updating, then Succeeded
      // with endTime and percentComplete 100). A Failed one carries error {code, message} as ARM's
      // async contract has it (no recording of a failure: the shape is a guess). RBAC: the action
      // Microsoft Learn lists (locations/mfeOperationsStatus/read), checked at the workspace the
      // operation belongs to, as the job cancel operation's.
      service: 'management',
      method: 'GET',
      path: re(
        String.raw`^/subscriptions/(?<sub>[^/]+)/providers/Microsoft\.MachineLearningServices/locations/(?<loc>[^/]+)/mfeOperationsStatus/(?<kind>od|oe|be|bd):(?<wsid>[^:/]+):(?<id>[^/]+)`,
      ),
      model: 'OperationStatusResult',
      handler: (ctx) => {
        const ws = w.workspaces.find((x) => x.workspaceId === ctx.params.wsid);
        if (!ws) return armError(ctx, 404, 'NotFound', 'The operation was not found.');
        if (!guard(ctx, `${ML}/locations/mfeOperationsStatus/read`, workspaceScope(w, ws.name))) return;
        const resource = provisioned(ws.name).find((p) => p.operationId === ctx.params.id);
        if (!resource) return armError(ctx, 404, 'NotFound', 'The operation was not found.');
        const state = stateNow(s, resource);
        const done = ['Succeeded', 'Failed', 'Canceled'].includes(state);
        const name = `${ctx.params.kind}:${ctx.params.wsid}:${ctx.params.id}`;
        ctx.json(200, {
          id: `/subscriptions/${w.subscriptionId}/providers/${ML}/locations/${w.location}/mfeOperationsStatus/${name}`,
          name,
          startTime: iso(s.startedAt),
          ...(done ? { endTime: iso(s.startedAt + resource.provisioning.reduce((t, p) => t + p.durationMs, 0)) } : {}),
          percentComplete: done ? 100.0 : 0.0,
          status: state,
          ...(state === 'Failed' && resource.provisioningError
            ? { error: { code: resource.provisioningError.code, message: resource.provisioningError.message } }
            : {}),
        });
      },
    },
    {
      service: 'management',
      method: 'GET',
      path: re(
        String.raw`^/subscriptions/(?<sub>[^/]+)/resourcegroups/(?<rg>[^/]+)(?<resource>/providers/(?!Microsoft\.Authorization/permissions).+?)?/providers/Microsoft\.Authorization/permissions`,
      ),
      model: 'PermissionGetResult',
      handler: (ctx) => permissions(ctx),
    },
  ];

  // Permissions_ListForResourceGroup / _ListForResource (2022-04-01): one entry per permission of
  // every role that applies to the caller at that scope, inherited ones included.
  const permissions = (ctx: Ctx) => {
    const caller = admit(ctx);
    if (!caller) return;
    const scope = `${rgScope(ctx)}${ctx.params.resource ?? ''}`;
    ctx.entry.action = 'Microsoft.Authorization/permissions/read';
    if (w.spec.permissionsApi === 'denied') return ctx.json(403, authorizationFailed(caller, 'Microsoft.Authorization/permissions/read', scope));
    if (w.spec.permissionsApi === 'error')
      return armError(ctx, 500, 'InternalServerError', 'Encountered internal server error. Diagnostic information: timestamp, MSIT.');
    if (resourceGroupMissing(ctx)) return;
    const entries = effectivePermissions(w.assignments, caller.identity.objectId, scope).map((p) => ({
      actions: p.actions,
      notActions: p.notActions,
      dataActions: p.dataActions,
      notDataActions: p.notDataActions,
    }));
    ctx.json(200, { value: entries });
  };

  return routes;
}

/** The storage initializer's log (what it prints is not documented; a guess). */
function storageInitializerLog(deployment: string): string[] {
  return [`Downloading model for deployment ${deployment}`, 'Model download completed successfully.'];
}

function dataVersionBody(w: World, d: World['dataAssets'][number], v: string, created: number) {
  return {
    id: `${workspaceScope(w, d.workspace)}/data/${d.name}/versions/${v}`,
    name: v,
    type: `${ML}/workspaces/data/versions`,
    properties: { dataType: d.dataType, dataUri: d.dataUri(v), description: null, tags: {}, properties: {}, isAnonymous: false, isArchived: false },
    systemData: systemData(created),
  };
}

export function studioUrl(w: World, job: Job): string {
  return `https://ml.azure.com/runs/${job.name}?wsid=/subscriptions/${w.subscriptionId}/resourcegroups/${w.resourceGroup}/workspaces/${job.workspace}&tid=${w.tenantId}`;
}

/** An Azure ML token for one endpoint (aml_token auth), signed like the Entra tokens. */
export function amlToken(s: State, e: OnlineEndpointRec, caller: Caller, now: number): string {
  const token = signJwt(s.keys.entra, {
    aud: `${s.w.urls.inference}/${e.name}`,
    iss: 'azureml',
    endpoint: e.id,
    oid: caller.identity.objectId,
    iat: now,
    exp: now + 3600,
  });
  s.w.issued.push(token);
  return token;
}

/**
 * An online endpoint's identity as ManagedServiceIdentity gives it (spec example OnlineEndpoint/get.json):
 * principalId and tenantId for a system-assigned one, userAssignedIdentities by resource id otherwise.
 */
function endpointIdentity(w: World, e: OnlineEndpointRec): Record<string, unknown> {
  const [first] = e.identity.principals;
  if (e.identity.type === 'SystemAssigned') return { type: 'SystemAssigned', principalId: first.principalId, tenantId: w.tenantId };
  const identities = Object.fromEntries(e.identity.principals.map((p) => [p.resourceId ?? '', { principalId: p.principalId, clientId: p.clientId }]));
  return { type: 'UserAssigned', userAssignedIdentities: identities };
}

/** A cluster's managed identity as ComputeResource.identity (ManagedServiceIdentity) gives it; none at all when it has none. */
function computeIdentity(w: World, c: ComputeRec): { identity?: Record<string, unknown> } {
  if (c.identity === 'None') return {};
  if (c.identity === 'SystemAssigned') return { identity: { type: 'SystemAssigned', principalId: c.principalId, tenantId: w.tenantId } };
  const id = `${resourceGroupScope(w)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${c.name}-identity`;
  return { identity: { type: 'UserAssigned', userAssignedIdentities: { [id]: { principalId: c.principalId, clientId: c.clientId } } } };
}
