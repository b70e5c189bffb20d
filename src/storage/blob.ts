// The Blob storage client of one datastore's container. @azure/storage-blob is loaded here, by a
// dynamic import (a chunk of its own in the bundle), only when a step moves data: runs that move
// none never load it. Its pipeline honours HTTPS_PROXY / NO_PROXY and retries on its own.
import type { TokenCredential } from '@azure/core-auth';
import type { ContainerClient } from '@azure/storage-blob';
import { USER_AGENT } from '../azure/http.js';
import type { Datastore, StorageCredential } from './datastore.js';

export type { ContainerClient };

export async function containerClient(ds: Datastore, credential: StorageCredential, tokens: TokenCredential): Promise<ContainerClient> {
  const sb = await import('@azure/storage-blob');
  const auth =
    credential.kind === 'key'
      ? new sb.StorageSharedKeyCredential(ds.account, credential.key)
      : credential.kind === 'token'
        ? tokens
        : new sb.AnonymousCredential();
  const url = `${ds.accountUrl}/${encodeURIComponent(ds.container)}${credential.kind === 'sas' ? `?${credential.sas}` : ''}`;
  const pipeline = sb.newPipeline(auth, { userAgentOptions: { userAgentPrefix: USER_AGENT }, retryOptions: { maxTries: 4 } });
  return new sb.ContainerClient(url, pipeline);
}
