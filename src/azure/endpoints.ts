// Reads the endpoint (and the deployment asked for) through the resource manager, and turns a
// missing resource into a message that names what exists. Whether it is ready is readiness.ts's.
import type { TargetUtilizationScaleSettings } from '@azure/arm-machinelearning';
import type { Arm } from './arm.js';
import { armCall, ArmError, listNames } from './arm.js';
import type { OnlineAuthMode } from '../permissions/catalog.js';
import { ActionError } from '../reporting/errors.js';
import type { Inputs } from '../inputs.js';
import { parseIsoDurationMs, type DeploymentFigures } from '../online/status-codes.js';

export interface Endpoint {
  name: string;
  scoringUri: string;
  /** Online only. */
  authMode?: OnlineAuthMode;
  /** Online only: a Kubernetes (Arc) endpoint rather than a managed one. */
  kubernetes: boolean;
  /** Batch: the default deployment; online: undefined (traffic decides). */
  defaultDeployment?: string;
  traffic: Record<string, number>;
  provisioningState?: string;
  /** Online: 'Enabled' or 'Disabled' (batch endpoints have no such flag: their workspace's decides). */
  publicNetworkAccess?: string;
  /** The async operation status URL of its last create or update. */
  operationUri?: string;
}

export interface Deployment {
  name: string;
  /** Batch: the compute cluster's resource id. */
  compute?: string;
  /** Batch: nodes per job (resources.instanceCount). */
  nodesPerJob?: number;
  /** Online: the figures the status-code translation quotes. */
  figures?: DeploymentFigures;
  provisioningState?: string;
  operationUri?: string;
}

// EndpointAuthMode of the spec, matched case-insensitively.
const AUTH_MODES = new Map<string, OnlineAuthMode>([
  ['key', 'key'],
  ['amltoken', 'aml_token'],
  ['aadtoken', 'aad_token'],
]);

/** An online endpoint's auth mode; one the action does not know (or none) fails in one line naming it and those it supports. */
export function onlineAuthMode(endpoint: string, raw: string | undefined): OnlineAuthMode {
  const mode = AUTH_MODES.get((raw ?? '').toLowerCase());
  if (mode) return mode;
  throw new ActionError(
    'azure',
    `Online endpoint '${endpoint}' reports ${raw ? `auth mode '${raw}'` : 'no auth mode'}, which this action does not support: it supports Key, AMLToken and AADToken.`,
  );
}

/** The auth mode of an endpoint read as online (readEndpoint checked it there). */
export function authModeOf(e: Endpoint): OnlineAuthMode {
  return e.authMode ?? onlineAuthMode(e.name, undefined);
}

type Where = Pick<Inputs, 'resourceGroup' | 'workspace' | 'endpoint' | 'endpointType' | 'subscriptionId'>;

/** Why a resource the run needs cannot be found, naming what does exist. */
async function notFound(arm: Arm, inputs: Where, what: 'endpoint' | 'deployment', deployment?: string, input = 'deployment'): Promise<ActionError> {
  const { resourceGroup: rg, workspace: ws, endpoint } = inputs;
  const kind = inputs.endpointType === 'batch' ? 'batch endpoint' : 'online endpoint';
  if (what === 'deployment') {
    const names = await listNames(
      inputs.endpointType === 'batch' ? arm.ml.batchDeployments.list(rg, ws, endpoint) : arm.ml.onlineDeployments.list(rg, ws, endpoint),
    );
    return new ActionError('not-found', `Check '${input}': ${kind} '${endpoint}' has no deployment '${deployment}'${existing(names, 'its deployments')}.`);
  }
  // A name that exists as the other endpoint type is the commonest mix-up.
  const otherType = inputs.endpointType === 'batch' ? 'online' : 'batch';
  const other = await (otherType === 'online' ? arm.ml.onlineEndpoints.get(rg, ws, endpoint) : arm.ml.batchEndpoints.get(rg, ws, endpoint)).then(
    () => true,
    () => false,
  );
  if (other)
    return new ActionError(
      'not-found',
      `Set 'endpoint-type: ${otherType}': '${endpoint}' is ${otherType === 'online' ? 'an online' : 'a batch'} endpoint, not ${inputs.endpointType === 'online' ? 'an online' : 'a batch'} one.`,
    );
  const endpoints = await listNames(inputs.endpointType === 'batch' ? arm.ml.batchEndpoints.list(rg, ws) : arm.ml.onlineEndpoints.list(rg, ws));
  if (endpoints) return new ActionError('not-found', `Check 'endpoint': workspace '${ws}' has no ${kind} '${endpoint}'${existing(endpoints, `its ${kind}s`)}.`);
  const workspaces = await listNames(arm.ml.workspaces.listByResourceGroup(rg));
  if (workspaces && !workspaces.some((w) => w.toLowerCase() === ws.toLowerCase())) {
    return new ActionError('not-found', `Check 'workspace': resource group '${rg}' has no workspace '${ws}'${existing(workspaces, 'its workspaces')}.`);
  }
  return new ActionError(
    'not-found',
    `Check 'endpoint', 'workspace' and 'resource-group': ${kind} '${endpoint}' was not found in workspace '${ws}' of resource group '${rg}' (subscription ${inputs.subscriptionId}).`,
  );
}

function existing(names: string[] | undefined, label: string): string {
  if (!names) return '';
  if (names.length === 0) return ` (${label}: none)`;
  return ` (${label}: ${names.join(', ')})`;
}

async function getOr404<T>(what: string, call: () => Promise<T>, missing: () => Promise<ActionError>): Promise<T> {
  try {
    return await armCall(what, call);
  } catch (err) {
    if (err instanceof ArmError && err.failure.status === 404) throw await missing();
    throw err;
  }
}

export async function readEndpoint(arm: Arm, inputs: Where): Promise<Endpoint> {
  const { resourceGroup: rg, workspace: ws, endpoint: name } = inputs;
  if (inputs.endpointType === 'batch') {
    const e = await getOr404(
      `read batch endpoint '${name}'`,
      () => arm.ml.batchEndpoints.get(rg, ws, name),
      () => notFound(arm, inputs, 'endpoint'),
    );
    return {
      name,
      scoringUri: e.properties.scoringUri ?? '',
      kubernetes: false,
      defaultDeployment: e.properties.defaults?.deploymentName ?? undefined,
      traffic: {},
      provisioningState: e.properties.provisioningState,
      operationUri: e.properties.properties?.AzureAsyncOperationUri ?? undefined,
    };
  }
  const e = await getOr404(
    `read online endpoint '${name}'`,
    () => arm.ml.onlineEndpoints.get(rg, ws, name),
    () => notFound(arm, inputs, 'endpoint'),
  );
  const authMode = onlineAuthMode(name, e.properties.authMode);
  return {
    name,
    scoringUri: e.properties.scoringUri ?? '',
    authMode,
    // A Kubernetes endpoint names the attached compute it runs on; a managed one has none.
    kubernetes: Boolean(e.properties.compute),
    traffic: e.properties.traffic ?? {},
    provisioningState: e.properties.provisioningState,
    publicNetworkAccess: e.properties.publicNetworkAccess,
    operationUri: e.properties.properties?.AzureAsyncOperationUri ?? undefined,
  };
}

/** `input`: the input that names the deployment (deployment, or compare-to), for the error when it does not exist. */
export async function readDeployment(arm: Arm, inputs: Where, deployment: string, input?: string): Promise<Deployment> {
  const { resourceGroup: rg, workspace: ws, endpoint } = inputs;
  const missing = () => notFound(arm, inputs, 'deployment', deployment, input);
  if (inputs.endpointType === 'batch') {
    const d = await getOr404(`read deployment '${deployment}'`, () => arm.ml.batchDeployments.get(rg, ws, endpoint, deployment), missing);
    return {
      name: deployment,
      compute: d.properties.compute ?? undefined,
      nodesPerJob: d.properties.resources?.instanceCount ?? undefined,
      provisioningState: d.properties.provisioningState,
      operationUri: d.properties.properties?.AzureAsyncOperationUri ?? undefined,
    };
  }
  const d = await getOr404(`read deployment '${deployment}'`, () => arm.ml.onlineDeployments.get(rg, ws, endpoint, deployment), missing);
  const p = d.properties;
  const scale = p.scaleSettings as TargetUtilizationScaleSettings | undefined;
  return {
    name: deployment,
    provisioningState: p.provisioningState,
    operationUri: p.properties?.AzureAsyncOperationUri ?? undefined,
    figures: {
      name: deployment,
      kubernetes: p.endpointComputeType === 'Kubernetes',
      requestTimeout: p.requestSettings?.requestTimeout ?? undefined,
      requestTimeoutMs: parseIsoDurationMs(p.requestSettings?.requestTimeout),
      maxConcurrentRequestsPerInstance: p.requestSettings?.maxConcurrentRequestsPerInstance,
      instanceCount: d.sku?.capacity,
      scale:
        scale?.scaleType === 'TargetUtilization'
          ? {
              type: 'TargetUtilization',
              minInstances: scale.minInstances,
              maxInstances: scale.maxInstances,
              targetUtilizationPercentage: scale.targetUtilizationPercentage,
            }
          : scale
            ? { type: scale.scaleType }
            : undefined,
    },
  };
}
