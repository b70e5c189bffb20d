// A job that has not started: the cluster's figures and the likely cause.
import { describe, expect, it } from 'vitest';
import { likelyCause, readCluster, stuckWarning, type Cluster } from '../../../src/batch/stuck.js';
import type { Arm } from '../../../src/azure/arm.js';

const cluster = (c: Partial<Cluster> = {}): Cluster => ({
  name: 'cpu-cluster',
  minNodes: 0,
  maxNodes: 4,
  currentNodes: 0,
  allocationState: 'Steady',
  vmPriority: 'Dedicated',
  vmSize: 'STANDARD_DS3_V2',
  errors: [],
  ...c,
});

describe('likelyCause', () => {
  it('max nodes 0: it can never start', () =>
    expect(likelyCause(cluster({ maxNodes: 0 }))).toBe('its max nodes is 0, so it can never start a node: raise max nodes.'));
  it('more nodes per job than max nodes', () =>
    expect(likelyCause(cluster({ maxNodes: 2 }), 3)).toMatch(/^the deployment asks for 3 nodes per job, more than the cluster's max of 2/));
  it('node setup errors are quoted', () =>
    expect(likelyCause(cluster({ errors: ['DiskFull: no space left'] }))).toBe('its nodes failed to set up: DiskFull: no space left'));
  it('every node busy', () => expect(likelyCause(cluster({ currentNodes: 4 }))).toMatch(/^all its nodes \(max 4\) are busy/));
  it('scaling up from zero: the wait, then quota or a lock', () => {
    const cause = likelyCause(cluster({ allocationState: 'Resizing' }));
    expect(cause).toMatch(/^it is scaling up from zero nodes, which takes minutes; if it stays at 0, the subscription's quota of STANDARD_DS3_V2 cores/);
    expect(cause).toContain('resource lock');
  });
  it('no node count in the answer: no guess', () =>
    expect(likelyCause(cluster({ currentNodes: undefined }))).toBe(
      "Azure's answer gives no node count, so the cause cannot be told here: check the cluster in the studio.",
    ));
  it('no node and not scaling: quota or a lock', () => expect(likelyCause(cluster())).toMatch(/^it has no node and is not scaling up: the regional quota/));
  it('low-priority nodes are named', () => expect(likelyCause(cluster({ vmPriority: 'LowPriority' }))).toContain('low priority'));
  it('nodes present: preparation', () => expect(likelyCause(cluster({ currentNodes: 1 }))).toMatch(/^it has nodes/));
});

describe('stuckWarning', () => {
  it('names the job, the cluster, its nodes and the cause', () => {
    expect(stuckWarning({ job: 'batchjob-1', status: 'Queued', minutes: 10, cluster: cluster({ maxNodes: 0 }) })).toBe(
      "Job batchjob-1 is still Queued after stuck-after-minutes (10): compute cluster 'cpu-cluster' (min 0, max 0 nodes, 0 now, Steady); likely cause: its max nodes is 0, so it can never start a node: raise max nodes.",
    );
  });
  it('says why the cluster could not be read', () => {
    expect(stuckWarning({ job: 'batchjob-1', status: 'NotStarted', minutes: 10, clusterName: 'gpu', cluster: "the identity lacks 'x/computes/read'" })).toBe(
      "Job batchjob-1 is still NotStarted after stuck-after-minutes (10): compute cluster 'gpu' could not be read (the identity lacks 'x/computes/read'); a cluster that cannot start nodes (max nodes, quota, scaling from zero) is the usual cause.",
    );
  });
});

describe('readCluster', () => {
  const armWith = (properties: object) => ({ ml: { computeOperations: { get: () => Promise.resolve({ properties }) } } }) as unknown as Arm;
  const where = { resourceGroup: 'rg', workspace: 'ws' };

  it('a compute of a type other than AmlCompute is a reason, named, not a cluster of unknown nodes', async () => {
    expect(await readCluster(armWith({ computeType: 'Kubernetes' }), where, '/subscriptions/s/computes/k8s')).toBe(
      "its type is 'Kubernetes', and this action reads the nodes of AmlCompute clusters only",
    );
  });

  it('an AmlCompute cluster without its optional figures: each unknown, none invented', async () => {
    expect(await readCluster(armWith({ computeType: 'AmlCompute' }), where, '/subscriptions/s/computes/cpu')).toEqual({ name: 'cpu', errors: [] });
  });
});
