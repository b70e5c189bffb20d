// A batch job that has not started after stuck-after-minutes: one warning naming the compute
// cluster, its nodes and the likely cause. (Not the poller's UNRESPONSIVE_AFTER_MS, which ends a
// wait on a NotResponding or Paused job that persists.) The cluster is read through the resource
// manager (computes/read, Compute/get/AmlCompute.json); the causes are those Microsoft Learn gives
// for clusters that do not scale: max nodes, quota (dedicated cores per region, GPU families at
// zero by default), scaling up from zero, resource locks, low-priority capacity.
import type { AmlCompute } from '@azure/arm-machinelearning';
import type { Arm } from '../azure/arm.js';
import { armCall, ArmError, resourceName } from '../azure/arm.js';
import type { Inputs } from '../inputs.js';
import { DIAGNOSTIC_ACTIONS } from '../permissions/catalog.js';

/** Statuses of a job still waiting for its compute. */
export const WAITING_TO_START: ReadonlySet<string> = new Set(['NotStarted', 'Queued', 'Preparing']);

export interface Cluster {
  name: string;
  minNodes?: number;
  maxNodes?: number;
  currentNodes?: number;
  /** 'Steady' or 'Resizing'. */
  allocationState?: string;
  vmPriority?: string;
  vmSize?: string;
  /** Node setup errors, as messages. */
  errors: string[];
}

/** The likely reason a job waits on this cluster. */
export function likelyCause(c: Cluster, nodesPerJob?: number): string {
  const low = /lowpriority/i.test(c.vmPriority ?? '') ? ' Its nodes are low priority: Azure may have none to give or may preempt them.' : '';
  if (c.maxNodes === 0) return 'its max nodes is 0, so it can never start a node: raise max nodes.';
  if (nodesPerJob !== undefined && c.maxNodes !== undefined && nodesPerJob > c.maxNodes)
    return `the deployment asks for ${nodesPerJob} nodes per job, more than the cluster's max of ${c.maxNodes}: raise max nodes or lower the deployment's instance count.`;
  if (c.errors.length) return `its nodes failed to set up: ${c.errors[0]}`;
  if (c.maxNodes !== undefined && c.currentNodes !== undefined && c.currentNodes >= c.maxNodes && c.maxNodes > 0)
    return `all its nodes (max ${c.maxNodes}) are busy, most likely with other jobs: the job waits for one to free up; raise max nodes to run more at once.${low}`;
  if (c.currentNodes === 0 && /resizing/i.test(c.allocationState ?? ''))
    return `it is scaling up from zero nodes, which takes minutes; if it stays at 0, the subscription's quota of ${c.vmSize ?? 'this VM size'} cores in the region is likely used up (check Usage + quotas; GPU families start at 0), or a resource lock on the resource group stops it from scaling.${low}`;
  if (c.currentNodes === 0)
    return `it has no node and is not scaling up: the regional quota of ${c.vmSize ?? 'its VM size'} cores is likely used up (check Usage + quotas), or a resource lock on the resource group stops it from scaling.${low}`;
  // Optional in Azure's answer: without it, having nodes would be a guess.
  if (c.currentNodes === undefined) return `Azure's answer gives no node count, so the cause cannot be told here: check the cluster in the studio.${low}`;
  return `it has nodes, so the job is likely still being prepared (image build, data access).${low}`;
}

function nodes(c: Cluster): string {
  const n = (v: number | undefined) => (v === undefined ? '?' : String(v));
  return `min ${n(c.minNodes)}, max ${n(c.maxNodes)} nodes, ${n(c.currentNodes)} now${c.allocationState ? `, ${c.allocationState}` : ''}`;
}

/** The one warning for a job that has not started; `cluster` is a reason string when it could not be read. */
export function stuckWarning(p: {
  job: string;
  status: string;
  minutes: number;
  clusterName?: string;
  cluster: Cluster | string;
  nodesPerJob?: number;
}): string {
  const head = `Job ${p.job} is still ${p.status} after stuck-after-minutes (${p.minutes})`;
  if (typeof p.cluster === 'string') {
    return `${head}: compute cluster ${p.clusterName ? `'${p.clusterName}'` : '(unknown)'} could not be read (${p.cluster}); a cluster that cannot start nodes (max nodes, quota, scaling from zero) is the usual cause.`;
  }
  return `${head}: compute cluster '${p.cluster.name}' (${nodes(p.cluster)}); likely cause: ${likelyCause(p.cluster, p.nodesPerJob)}`;
}

/** The cluster a batch deployment runs on, read through the resource manager; a reason string when it cannot be. */
export async function readCluster(arm: Arm, inputs: Pick<Inputs, 'resourceGroup' | 'workspace'>, computeId: string): Promise<Cluster | string> {
  const name = resourceName(computeId);
  try {
    const c = await armCall(`read compute '${name}'`, () => arm.ml.computeOperations.get(inputs.resourceGroup, inputs.workspace, name));
    const props = c.properties;
    // Only an AmlCompute cluster has nodes to count (ComputeType may grow).
    if (props && props.computeType !== 'AmlCompute')
      return `its type is '${String(props.computeType)}', and this action reads the nodes of AmlCompute clusters only`;
    const aml = props ? (props as AmlCompute).properties : undefined;
    return {
      name,
      minNodes: aml?.scaleSettings?.minNodeCount,
      maxNodes: aml?.scaleSettings?.maxNodeCount,
      currentNodes: aml?.currentNodeCount,
      allocationState: aml?.allocationState,
      vmPriority: aml?.vmPriority,
      vmSize: aml?.vmSize,
      errors: [...(aml?.errors ?? []), ...(props?.provisioningErrors ?? [])].map((e) => e.error?.message ?? e.error?.code ?? '').filter(Boolean),
    };
  } catch (err) {
    const f = err instanceof ArmError ? err.failure : undefined;
    if (f?.status === 403) return `the identity lacks '${DIAGNOSTIC_ACTIONS.computeRead}'`;
    return f ? `${f.status ? `HTTP ${f.status}` : (f.code ?? 'no answer')}: ${f.message}` : String(err);
  }
}
