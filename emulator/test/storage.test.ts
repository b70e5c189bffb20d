// Blob storage behind the emulator's proxy (Azurite doing the storing), the datastores that lead
// to it, the storage rules Azure enforces in front of it (data roles, firewall, key policy, SAS
// lifetime), the compute identities and role assignments, and the output a completed job writes
// where run history says it is.
import { ContainerSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/index.js';
import { accessToken, authzClient, call, mlClient, viaProxy } from './client.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({
    clock: 'manual',
    batchEndpoints: [
      {
        name: 'score-batch',
        deployments: [
          { name: 'default', compute: 'cpu-cluster' },
          { name: 'bare', compute: 'no-identity' },
        ],
      },
    ],
    computes: [{ name: 'no-identity', identity: 'None' }],
    storageAccounts: [{ name: 'stwalled', networkDefaultAction: 'Deny' }, { name: 'stnokeys', allowSharedKeyAccess: false }, { name: 'stdata' }],
    datastores: [
      { name: 'identity_store', account: 'stdata', container: 'data', credentials: 'None' },
      { name: 'sas_store', account: 'stdata', container: 'shared', credentials: 'Sas' },
      { name: 'stale_sas', account: 'stdata', container: 'shared', credentials: 'Sas', sasExpired: true },
      { name: 'walled', account: 'stwalled', container: 'data' },
    ],
    identities: [
      { roles: [{ role: 'Contributor', scope: 'resourceGroup' }] },
      { name: 'reader', roles: [{ role: 'Storage Blob Data Reader', scope: 'storageAccount:stdata' }] },
      { name: 'writer', roles: [{ role: 'Storage Blob Data Contributor', scope: 'storageAccount:stdata' }] },
    ],
  });
});
afterAll(() => emu.close());

const storageToken = (identity: string) => accessToken(emu, 'https://storage.azure.com/.default', emu.identities.find((i) => i.name === identity)!.clientId);
const blobUrl = (account: string, path: string) => `${emu.storage.accountUrl(account)}/${path}`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}`, 'x-ms-version': '2021-12-02' });

describe('the proxy', () => {
  it('serves a blob host of the world over TLS from the emulator CA, tunnels its own listeners, refuses the rest', async () => {
    const r = await viaProxy(emu, 'GET', blobUrl('stdata', 'data?restype=container&comp=list'), { headers: bearer(await storageToken('reader')) });
    expect(r.status).toBe(200);
    expect(r.text).toContain('<EnumerationResults');
    const tunnelled = await viaProxy(emu, 'GET', `${emu.urls.mlapi}/discovery`);
    expect(tunnelled.json<{ api: string }>().api).toBe(emu.urls.mlapi);
    const elsewhere = await viaProxy(emu, 'GET', 'https://example.com/');
    expect(elsewhere.status).toBe(403);
    const unknownAccount = await viaProxy(emu, 'GET', 'https://nosuchaccount.blob.core.windows.net/c');
    expect(unknownAccount.status).toBe(403);
    expect(emu.proxyLog.map((e) => `${e.host}:${e.port} ${e.outcome}`)).toEqual(
      expect.arrayContaining([`stdata.blob.core.windows.net:443 storage`, `127.0.0.1:${new URL(emu.urls.mlapi).port} tunnel`, 'example.com:443 refused']),
    );
  });
});

describe('Blob storage as Azure authorizes it', () => {
  it('a bearer token needs the data role: Reader reads, cannot write; Contributor writes; none at all is refused', async () => {
    const put = (token: string, name: string) =>
      viaProxy(emu, 'PUT', blobUrl('stdata', `data/${name}`), {
        headers: { ...bearer(token), 'x-ms-blob-type': 'BlockBlob', 'content-type': 'text/plain' },
        body: 'age,chol\n63,233\n',
      });
    const writer = await put(await storageToken('writer'), 'in/a.csv');
    expect(writer.status).toBe(201);
    const reader = await put(await storageToken('reader'), 'in/b.csv');
    expect(reader.status).toBe(403);
    expect(reader.headers['x-ms-error-code']).toBe('AuthorizationPermissionMismatch');
    expect(reader.text).toContain('This request is not authorized to perform this operation using this permission.');
    const read = await viaProxy(emu, 'GET', blobUrl('stdata', 'data/in/a.csv'), { headers: bearer(await storageToken('reader')) });
    expect(read.text).toBe('age,chol\n63,233\n');
    const noRole = await viaProxy(emu, 'GET', blobUrl('stdata', 'data/in/a.csv'), { headers: bearer(await storageToken('github-deployer')) });
    expect(noRole.headers['x-ms-error-code']).toBe('AuthorizationPermissionMismatch');
    const managementToken = await accessToken(emu, 'https://management.azure.com/.default');
    const wrongAudience = await viaProxy(emu, 'GET', blobUrl('stdata', 'data/in/a.csv'), { headers: bearer(managementToken) });
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.headers['www-authenticate']).toContain('resource_uri=https://storage.azure.com');
    const logged = emu.log.filter((e) => e.service === 'storage' && e.method === 'PUT');
    expect(logged.map((e) => [e.status, e.action])).toContainEqual([403, 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write']);
  });

  it('the firewall refuses every credential with AuthorizationFailure', async () => {
    const r = await viaProxy(emu, 'GET', blobUrl('stwalled', 'data?restype=container&comp=list'), { headers: bearer(await storageToken('reader')) });
    expect(r.status).toBe(403);
    expect(r.headers['x-ms-error-code']).toBe('AuthorizationFailure');
  });

  it('a key-based SAS works until it expires, and not at all where keys are disabled', async () => {
    const sas = (account: string, expiresOn: Date) =>
      generateBlobSASQueryParameters(
        { containerName: 'shared', permissions: ContainerSASPermissions.parse('rl'), startsOn: new Date(Date.now() - 3_600_000), expiresOn },
        new StorageSharedKeyCredential(account, emu.storage.accountKey(account)),
      ).toString();
    const list = (account: string, token: string) =>
      viaProxy(emu, 'GET', blobUrl(account, `shared?restype=container&comp=list&${token}`), { headers: { 'x-ms-version': '2021-12-02' } });
    expect((await list('stdata', sas('stdata', new Date(Date.now() + 3_600_000)))).status).toBe(200);
    const expired = await list('stdata', sas('stdata', new Date(Date.now() - 60_000)));
    expect(expired.headers['x-ms-error-code']).toBe('AuthenticationFailed');
    expect(expired.text).toMatch(/Signature not valid in the specified time frame: Start \[.+ GMT\] - Expiry \[.+ GMT\] - Current \[.+ GMT\]/);
    const keysOff = await list('stnokeys', sas('stnokeys', new Date(Date.now() + 3_600_000)));
    expect(keysOff.headers['x-ms-error-code']).toBe('KeyBasedAuthenticationNotPermitted');
  });
});

describe('datastores, computes and role assignments through the resource manager', () => {
  it('lists the default datastore and hands out each kind of secret', async () => {
    const ml = mlClient(emu);
    const defaults = [];
    for await (const d of ml.datastores.list(emu.resourceGroup, emu.workspace, { isDefault: true })) defaults.push(d);
    expect(defaults.map((d) => d.name)).toEqual(['workspaceblobstore']);
    const own = emu.storage.datastore('workspaceblobstore');
    expect(defaults[0].properties).toMatchObject({
      accountName: own.account,
      containerName: own.container,
      endpoint: 'core.windows.net',
      credentials: { credentialsType: 'AccountKey' },
    });
    expect(await ml.datastores.listSecrets(emu.resourceGroup, emu.workspace, 'workspaceblobstore')).toEqual({
      secretsType: 'AccountKey',
      key: emu.storage.accountKey(own.account),
    });
    const sas = await ml.datastores.listSecrets(emu.resourceGroup, emu.workspace, 'sas_store');
    expect(sas.secretsType).toBe('Sas');
    const identity = await ml.datastores.get(emu.resourceGroup, emu.workspace, 'identity_store');
    expect(identity.properties.credentials.credentialsType).toBe('None');
    await expect(ml.datastores.listSecrets(emu.resourceGroup, emu.workspace, 'identity_store')).rejects.toMatchObject({ statusCode: 400 });
  });

  it('listSecrets needs its own action', async () => {
    const token = await accessToken(emu, 'https://management.azure.com/.default', emu.identities.find((i) => i.name === 'reader')!.clientId);
    const r = await call(
      emu,
      'POST',
      `${emu.urls.management}/subscriptions/${emu.subscriptionId}/resourceGroups/${emu.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${emu.workspace}/datastores/workspaceblobstore/listSecrets?api-version=2022-10-01`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(r.status).toBe(403);
    expect(r.json<{ error: { message: string } }>().error.message).toContain("'Microsoft.MachineLearningServices/workspaces/datastores/listsecrets/action'");
  });

  it("reads a cluster's managed identity and the roles it holds on the workspace's storage account", async () => {
    const ml = mlClient(emu);
    const cluster = await ml.computeOperations.get(emu.resourceGroup, emu.workspace, 'cpu-cluster');
    expect(cluster.identity?.type).toBe('SystemAssigned');
    const principal = cluster.identity!.principalId!;
    expect((await ml.computeOperations.get(emu.resourceGroup, emu.workspace, 'no-identity')).identity).toBeUndefined();
    const authz = authzClient(emu);
    const account = emu.storage.accountId(emu.storage.datastore('workspaceblobstore').account);
    const assignments = [];
    for await (const a of authz.roleAssignments.listForScope(account, { filter: `assignedTo('${principal}')` })) assignments.push(a);
    expect(assignments.map((a) => a.roleDefinitionId)).toEqual([
      `/subscriptions/${emu.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1`,
    ]);
    const role = await authz.roleDefinitions.getById(assignments[0].roleDefinitionId!);
    expect(role.roleName).toBe('Storage Blob Data Reader');
    expect(role.permissions![0].dataActions).toEqual(['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read']);
  });
});

describe('a completed job writes its predictions where run history points', () => {
  it('one row per input line, in azureml/<child run>/score/ of the default datastore', async () => {
    const own = emu.storage.datastore('workspaceblobstore');
    await emu.storage.write(own.account, own.container, 'in/heart/a.csv', 'age,chol\n63,233\n');
    await emu.storage.write(own.account, own.container, 'in/heart/b.csv', 'age,chol\n37,250\n41,205\n');
    const token = await accessToken(emu, 'https://ml.azure.com/.default');
    const created = await call(emu, 'POST', `${emu.urls.inference}/score-batch/jobs`, {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        properties: {
          inputData: { heart: { jobInputType: 'UriFolder', uri: 'azureml://datastores/workspaceblobstore/paths/in/heart/' } },
          outputFileName: 'out.csv',
        },
      }),
    });
    expect(created.status).toBe(201);
    const name = created.json<{ name: string }>().name;
    emu.clock.advance(60_000);
    const ml = mlClient(emu);
    expect((await ml.jobs.get(emu.resourceGroup, emu.workspace, name)).properties.status).toBe('Completed');
    const job = emu.jobs().find((j) => j.name === name)!;
    expect(job.written).toEqual({ score: `azureml://datastores/workspaceblobstore/paths/azureml/${job.childRunId}/score/out.csv` });
    const out = (await emu.storage.read(own.account, own.container, `azureml/${job.childRunId}/score/out.csv`)).toString();
    expect(out.trim().split('\n')).toEqual(['file,line,prediction', 'a.csv,1,1', 'a.csv,2,1', 'b.csv,1,1', 'b.csv,2,1', 'b.csv,3,0']);

    const armToken = await accessToken(emu, 'https://management.azure.com/.default');
    const base = `${emu.urls.mlapi}/history/v1.0/subscriptions/${emu.subscriptionId}/resourceGroups/${emu.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${emu.workspace}`;
    const children = await call(emu, 'GET', `${base}/runs/${name}/children`, { headers: { authorization: `Bearer ${armToken}` } });
    const child = children.json<{ value: { runId: string; status: string; properties: Record<string, string> }[] }>().value;
    expect(child).toHaveLength(1);
    expect(child[0]).toMatchObject({ runId: job.childRunId, status: 'Completed', properties: { 'azureml.moduleName': 'batchscoring' } });
    const rundata = await call(emu, 'POST', `${base}/rundata`, {
      headers: { authorization: `Bearer ${armToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ runId: job.childRunId, selectRunMetadata: true }),
    });
    expect(rundata.json<{ runMetadata: { runId: string } }>().runMetadata.runId).toBe(job.childRunId);
  });

  it('rejects job settings that do not fit the BatchJob model', async () => {
    const token = await accessToken(emu, 'https://ml.azure.com/.default');
    const post = (extra: Record<string, unknown>) =>
      call(emu, 'POST', `${emu.urls.inference}/score-batch/jobs`, {
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ properties: { inputData: { d: { jobInputType: 'UriFolder', uri: 'https://x.blob.core.windows.net/c/' } }, ...extra } }),
      });
    expect((await post({ retrySettings: { maxRetries: 2, timeout: '30' } })).json<{ error: { message: string } }>().error.message).toContain('ISO 8601');
    expect((await post({ errorThreshold: -2 })).status).toBe(400);
    expect((await post({ loggingLevel: 'Verbose' })).status).toBe(400);
    expect(
      (
        await post({
          errorThreshold: -1,
          loggingLevel: 'Debug',
          miniBatchSize: 5,
          compute: { instanceCount: 2 },
          retrySettings: { maxRetries: 1, timeout: 'PT1M' },
        })
      ).status,
    ).toBe(201);
  });
});
