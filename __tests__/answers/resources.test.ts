// Every shape the resource manager's models allow for the resources the action reads (workspace,
// batch and online endpoints and deployments and their lists, the async operation status, a
// deployment's log, endpoint keys and tokens, computes, datastores and their secrets, data assets),
// served by the emulator to the action's own modules: each ends with a value or one line naming
// what it could not use, never a crash (harness.ts judges).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDeployment, readEndpoint, type Endpoint } from '../../src/azure/endpoints.js';
import { workspacePrivate } from '../../src/azure/network.js';
import { operationError } from '../../src/azure/readiness.js';
import { resolveInputs } from '../../src/batch/batch.js';
import { readCluster } from '../../src/batch/stuck.js';
import type { Inputs } from '../../src/inputs.js';
import { CLOUDS } from '../../src/signin/clouds.js';
import { scoringCredential } from '../../src/online/online.js';
import { readModelLog } from '../../src/online/model-logs.js';
import { checkComputeAccess, storagePreflight } from '../../src/permissions/storage.js';
import { readDatastore, storageCredential } from '../../src/storage/datastore.js';
import { property, world, type World } from './harness.js';

let w: World;
let where: Pick<Inputs, 'subscriptionId' | 'resourceGroup' | 'workspace' | 'cloud'>;
beforeAll(async () => {
  w = await world({
    batchEndpoints: [{ name: 'nightly', deployments: [{ name: 'blue', compute: 'cpu-cluster' }] }],
    onlineEndpoints: [
      { name: 'smoke', authMode: 'key' },
      { name: 'tok', authMode: 'aml_token' },
    ],
    computes: [{ name: 'cpu-cluster' }],
    datastores: [
      { name: 'byid', credentials: 'None' },
      { name: 'sas', credentials: 'Sas' },
    ],
    dataAssets: [{ name: 'heart', versions: ['1', '2'] }],
  });
  where = { subscriptionId: w.emu.subscriptionId, resourceGroup: w.emu.resourceGroup, workspace: w.emu.workspace, cloud: CLOUDS.AzureCloud };
});
afterAll(() => w.close());

const batch = () => ({ ...where, endpointType: 'batch' as const, endpoint: 'nightly' });
const online = () => ({ ...where, endpointType: 'online' as const, endpoint: 'smoke' });
const workspaceId = () =>
  `/subscriptions/${where.subscriptionId}/resourceGroups/${where.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${where.workspace}`;

describe('endpoints and deployments', () => {
  it('a batch endpoint', () => property(w, ['BatchEndpoint'], () => readEndpoint(w.arm, batch())));
  it('an online endpoint: an auth mode it does not know is named', () =>
    property(
      w,
      ['OnlineEndpoint'],
      () => readEndpoint(w.arm, online()),
      (o) => {
        if ('error' in o) expect((o.error as Error).message).toMatch(/auth mode 'FutureAuthMode'/);
      },
    ));
  it('a batch deployment', () => property(w, ['BatchDeployment'], () => readDeployment(w.arm, batch(), 'blue')));
  it('an online deployment', () => property(w, ['OnlineDeployment'], () => readDeployment(w.arm, online(), 'blue')));
  it('the lists that name what exists when a name is wrong', () =>
    property(
      w,
      [
        'BatchEndpointTrackedResourceArmPaginatedResult',
        'OnlineEndpointTrackedResourceArmPaginatedResult',
        'BatchDeploymentTrackedResourceArmPaginatedResult',
        'WorkspaceListResult',
      ],
      async () => {
        const failures = [];
        for (const read of [() => readEndpoint(w.arm, { ...batch(), endpoint: 'gone' }), () => readDeployment(w.arm, batch(), 'gone')]) {
          failures.push(
            await read().then(
              () => expect.fail('found'),
              (err: unknown) => err,
            ),
          );
        }
        throw failures.find((f) => !(f instanceof Error && f.name === 'ActionError')) ?? failures[0];
      },
    ));
  it("the last operation's status", async () => {
    const e: Endpoint = await readEndpoint(w.arm, batch());
    await property(w, ['OperationStatusResult'], () => operationError(w.arm, e.operationUri, w.emu.urls.management));
  });
  it("a deployment's log", () => property(w, ['DeploymentLogs'], () => readModelLog(w.arm, online(), 'blue')));
  it('endpoint keys and tokens', () =>
    property(w, ['EndpointAuthKeys', 'EndpointAuthToken'], async () => {
      const key = await readEndpoint(w.arm, online());
      const tok = await readEndpoint(w.arm, { ...online(), endpoint: 'tok' });
      const none = () => Promise.reject(new Error('no ML token here'));
      return [await scoringCredential(w.arm, where, key, none, () => undefined), await scoringCredential(w.arm, where, tok, none, () => undefined)];
    }));
});

describe('the workspace and its resources', () => {
  it('the workspace: private or not is read whenever it answers', () =>
    property(
      w,
      ['Workspace'],
      () => workspacePrivate(w.arm, where),
      (o) => expect('value' in o && typeof o.value).toBe('boolean'),
    ));
  it('a compute cluster: its nodes and its identity', () =>
    property(w, ['ComputeResource'], async () => {
      const cluster = await readCluster(w.arm, where, `${workspaceId()}/computes/cpu-cluster`);
      const access = await checkComputeAccess(w.arm, where, `${workspaceId()}/computes/cpu-cluster`, [
        w.emu.storage.accountId(w.emu.storage.datastore('workspaceblobstore').account),
      ]);
      return { cluster, access: access.kind === 'problem' ? access.error.message : access };
    }));
  it("the storage pre-flight of an identity-based input, through the deployment's compute", () =>
    property(w, ['BatchDeployment', 'ComputeResource'], async () => {
      const deployment = await readDeployment(w.arm, batch(), 'blue');
      const notices: string[] = [];
      const account = w.emu.storage.accountId(w.emu.storage.datastore('workspaceblobstore').account);
      await storagePreflight({
        arm: w.arm,
        inputs: { ...where, checkPermissions: 'true' },
        uses: [],
        mountAccounts: [account],
        deployment,
        log: w.log,
        notice: (m) => notices.push(m),
      });
      return notices;
    }));
  it('datastores, by name and the default, and their secrets', () =>
    property(w, ['Datastore', 'DatastoreResourceArmPaginatedResult', 'DatastoreSecrets'], async () => {
      const named = await readDatastore(w.arm, where, 'byid');
      const byDefault = await readDatastore(w.arm, where);
      const sas = await readDatastore(w.arm, where, 'sas');
      return [named, byDefault, await storageCredential(w.arm, where, sas, () => undefined)];
    }));
  it('data assets, by version and @latest', () =>
    property(w, ['DataContainer', 'DataVersionBase'], () =>
      resolveInputs(
        w.arm,
        {
          ...where,
          batchInputs: {
            latest: { kind: 'asset', type: 'uri_folder', name: 'heart', version: 'latest' },
            first: { kind: 'asset', type: 'uri_folder', name: 'heart', version: '1' },
          },
        } as unknown as Inputs,
        workspaceId(),
      ),
    ));
});
