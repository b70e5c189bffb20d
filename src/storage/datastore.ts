// Datastores, as Azure reaches them: read through the resource manager, the blob endpoint built
// from the account name and the cloud's storage suffix (https://<account>.blob.<endpoint>), and
// the credential the datastore says: its account key or SAS (listSecrets), or, for an
// identity-based one, the caller's own Microsoft Entra token for Azure Storage.
import type { Arm } from '../azure/arm.js';
import { armCall, ArmError, listNames } from '../azure/arm.js';
import type { Inputs } from '../inputs.js';
import { ActionError } from '../reporting/errors.js';

export interface Datastore {
  name: string;
  account: string;
  container: string;
  /** https://<account>.blob.<endpoint suffix> */
  accountUrl: string;
  /** Resource id of the storage account (the scope of its data roles). */
  accountId: string;
  /** 'AccountKey', 'Sas', 'None' (identity-based), …; undefined when Azure named none. */
  credentialsType?: string;
}

export type StorageCredential = { kind: 'key'; key: string } | { kind: 'sas'; sas: string } | { kind: 'token' };

type Where = Pick<Inputs, 'resourceGroup' | 'workspace' | 'subscriptionId'>;

/** Reads a datastore by name, or the workspace's default one; only Blob datastores carry job data here. */
export async function readDatastore(arm: Arm, inputs: Where, name?: string, input = 'datastore'): Promise<Datastore> {
  const { resourceGroup: rg, workspace: ws } = inputs;
  let found;
  if (name) {
    try {
      found = await armCall(`read datastore '${name}'`, () => arm.ml.datastores.get(rg, ws, name));
    } catch (err) {
      if (!(err instanceof ArmError && err.failure.status === 404)) throw err;
      const names = await listNames(arm.ml.datastores.list(rg, ws));
      throw new ActionError(
        'not-found',
        `Check '${input}': workspace '${ws}' has no datastore '${name}'${names ? ` (its datastores: ${names.join(', ') || 'none'})` : ''}.`,
      );
    }
  } else {
    const defaults = await armCall(`list the default datastore of workspace '${ws}'`, async () => {
      for await (const d of arm.ml.datastores.list(rg, ws, { isDefault: true })) return d;
      return undefined;
    });
    if (!defaults) throw new ActionError('not-found', `Set '${input}': workspace '${ws}' has no default datastore.`);
    found = defaults;
  }
  // Azure's spelling of the name; optional in its answer, where one read by name is still that name.
  const dsName = found.name ?? name;
  if (!dsName) throw new ActionError('azure', `Set '${input}': the default datastore of workspace '${ws}' came without a name.`);
  return blobDatastore(dsName, found.properties, inputs, input);
}

/** A datastore's properties as the action reads them: any field may be missing, and types and credential types may grow. */
export interface DatastoreProperties {
  datastoreType?: string;
  credentials?: { credentialsType?: string };
  accountName?: string;
  containerName?: string;
  endpoint?: string;
  protocol?: string;
  resourceGroup?: string;
  subscriptionId?: string;
}

/** Where a Blob datastore's data is; another datastore type, or a Blob one without its account or container, fails in one line naming it. */
export function blobDatastore(name: string, properties: object, inputs: Where, input: string): Datastore {
  const p = properties as DatastoreProperties;
  if (p.datastoreType !== 'AzureBlob') {
    throw new ActionError(
      'input',
      `Set '${input}' to a Blob datastore: '${name}' is ${p.datastoreType ? `of type '${p.datastoreType}'` : 'of no type Azure named'}, and this action moves batch data through Azure Blob Storage only (datastore type AzureBlob).`,
    );
  }
  if (!p.accountName || !p.containerName) {
    throw new ActionError(
      'azure',
      `Datastore '${name}' names no ${p.accountName ? 'container (containerName)' : 'storage account (accountName)'}, so its data cannot be reached.`,
    );
  }
  // The account's resource group and subscription: the datastore's own (newer api-versions carry
  // them), else the workspace's, where its default storage account lives.
  const account = `/subscriptions/${p.subscriptionId ?? inputs.subscriptionId}/resourceGroups/${p.resourceGroup ?? inputs.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${p.accountName}`;
  return {
    name,
    account: p.accountName,
    container: p.containerName,
    accountUrl: `${p.protocol ?? 'https'}://${p.accountName}.blob.${p.endpoint ?? 'core.windows.net'}`,
    accountId: account,
    credentialsType: p.credentials?.credentialsType,
  };
}

/** The credential a datastore is reached with; secrets are masked the moment they arrive. */
export async function storageCredential(arm: Arm, inputs: Where, ds: Datastore, setSecret: (value: string) => void): Promise<StorageCredential> {
  if (ds.credentialsType === 'None') return { kind: 'token' };
  if (ds.credentialsType !== 'AccountKey' && ds.credentialsType !== 'Sas') {
    throw new ActionError(
      'input',
      `Use a datastore with an account key, a SAS or no credentials (identity-based): '${ds.name}' holds ${ds.credentialsType ? `credentials of type '${ds.credentialsType}'` : 'credentials of no type Azure named'}, which this action cannot use for Blob storage (it supports AccountKey, Sas and None).`,
    );
  }
  const secrets = await armCall(`list the secrets of datastore '${ds.name}'`, () =>
    arm.ml.datastores.listSecrets(inputs.resourceGroup, inputs.workspace, ds.name),
  );
  const s = secrets as { secretsType: string; key?: string; sasToken?: string };
  if (s.key) {
    setSecret(s.key);
    return { kind: 'key', key: s.key };
  }
  if (s.sasToken) {
    setSecret(s.sasToken);
    return { kind: 'sas', sas: s.sasToken.replace(/^\?/, '') };
  }
  throw new ActionError(
    'azure',
    `Datastore '${ds.name}' gave no ${ds.credentialsType === 'Sas' ? 'SAS token' : 'account key'} (listSecrets answered ${s.secretsType}).`,
  );
}

/** azureml://datastores/<ds>/paths/<path> → datastore and path. */
export function parseDatastoreUri(uri: string): { datastore: string; path: string } | undefined {
  const m = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.*)$/.exec(uri);
  return m ? { datastore: m[1], path: m[2] } : undefined;
}
