// A datastore as Azure describes it: only Blob datastores carry the job's data here; any field may
// be missing and the types and credential types may grow, each named in one line.
import { describe, expect, it } from 'vitest';
import { blobDatastore, storageCredential, type Datastore } from '../../../src/storage/datastore.js';
import type { Arm } from '../../../src/azure/arm.js';

const where = { subscriptionId: 'sub', resourceGroup: 'rg', workspace: 'ws' };
const blob = { datastoreType: 'AzureBlob', accountName: 'st', containerName: 'data', credentials: { credentialsType: 'None' } };

describe('blobDatastore', () => {
  it('a Blob datastore: its account, container, blob endpoint and credential type', () => {
    expect(blobDatastore('ds', blob, where, 'datastore')).toEqual({
      name: 'ds',
      account: 'st',
      container: 'data',
      accountUrl: 'https://st.blob.core.windows.net',
      accountId: '/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st',
      credentialsType: 'None',
    });
  });

  it('a datastore type it does not support is named with the one it does', () => {
    expect(() => blobDatastore('lake', { ...blob, datastoreType: 'AzureDataLakeGen3' }, where, 'datastore')).toThrow(
      "Set 'datastore' to a Blob datastore: 'lake' is of type 'AzureDataLakeGen3', and this action moves batch data through Azure Blob Storage only (datastore type AzureBlob).",
    );
  });

  it('no type at all is named as such', () => {
    expect(() => blobDatastore('odd', { accountName: 'st', containerName: 'data' }, where, 'input')).toThrow(
      "Set 'input' to a Blob datastore: 'odd' is of no type Azure named",
    );
  });

  it('a Blob datastore without its account or container says which is missing', () => {
    expect(() => blobDatastore('ds', { ...blob, accountName: undefined }, where, 'datastore')).toThrow(
      "Datastore 'ds' names no storage account (accountName), so its data cannot be reached.",
    );
    expect(() => blobDatastore('ds', { ...blob, containerName: undefined }, where, 'datastore')).toThrow(
      "Datastore 'ds' names no container (containerName), so its data cannot be reached.",
    );
  });

  it('without credentials, the credential type is left unknown rather than read from nothing', () => {
    expect(blobDatastore('ds', { ...blob, credentials: undefined }, where, 'datastore').credentialsType).toBeUndefined();
  });
});

describe('storageCredential', () => {
  const ds = (credentialsType?: string): Datastore => ({ ...blobDatastore('ds', blob, where, 'datastore'), credentialsType });
  // Never asked: a credential type the action cannot use fails before any request.
  const arm = {} as Arm;

  it('a credential type it does not know fails in one line naming it and the types it supports', async () => {
    await expect(storageCredential(arm, where, ds('ServicePrincipal'), () => undefined)).rejects.toThrow(
      "Use a datastore with an account key, a SAS or no credentials (identity-based): 'ds' holds credentials of type 'ServicePrincipal', which this action cannot use for Blob storage (it supports AccountKey, Sas and None).",
    );
  });

  it('no credential type at all is named as such', async () => {
    await expect(storageCredential(arm, where, ds(undefined), () => undefined)).rejects.toThrow("'ds' holds credentials of no type Azure named");
  });

  it('an identity-based datastore needs no secret', async () => {
    expect(await storageCredential(arm, where, ds('None'), () => undefined)).toEqual({ kind: 'token' });
  });
});
