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
  /** 'AccountKey', 'Sas', 'None' (identity-based), … */
  credentialsType: string;
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
  const p = found.properties as typeof found.properties & {
    accountName?: string;
    containerName?: string;
    endpoint?: string;
    protocol?: string;
    resourceGroup?: string;
    subscriptionId?: string;
  };
  if (p.datastoreType !== 'AzureBlob' || !p.accountName || !p.containerName) {
    throw new ActionError(
      'input',
      `Set '${input}' to a Blob datastore: '${found.name}' is ${p.datastoreType}, and batch data moves through Azure Blob Storage here.`,
    );
  }
  // The account's resource group and subscription: the datastore's own (newer api-versions carry
  // them), else the workspace's, where its default storage account lives.
  const account = `/subscriptions/${p.subscriptionId ?? inputs.subscriptionId}/resourceGroups/${p.resourceGroup ?? rg}/providers/Microsoft.Storage/storageAccounts/${p.accountName}`;
  return {
    name: found.name!,
    account: p.accountName,
    container: p.containerName,
    accountUrl: `${p.protocol ?? 'https'}://${p.accountName}.blob.${p.endpoint ?? 'core.windows.net'}`,
    accountId: account,
    credentialsType: p.credentials.credentialsType,
  };
}

/** The credential a datastore is reached with; secrets are masked the moment they arrive. */
export async function storageCredential(arm: Arm, inputs: Where, ds: Datastore, setSecret: (value: string) => void): Promise<StorageCredential> {
  if (ds.credentialsType === 'None') return { kind: 'token' };
  if (ds.credentialsType !== 'AccountKey' && ds.credentialsType !== 'Sas') {
    throw new ActionError(
      'input',
      `Use a datastore with an account key, a SAS or no credentials (identity-based): '${ds.name}' holds ${ds.credentialsType} credentials, which this action cannot use for Blob storage.`,
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
