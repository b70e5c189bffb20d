// Uploading a local input as azure-ai-ml does (_upload_and_generate_remote_uri): to
// LocalUpload/<content hash>/<name> in the datastore, a folder keeping its tree; skipped when that
// prefix already holds a completed upload (its first file carries upload_status=completed). Files
// are streamed from disk (one request each, or blocks for the largest), several at once, never read
// whole into memory.
import { randomUUID } from 'node:crypto';
import type { Log } from '../azure/http.js';
import type { ContainerClient } from './blob.js';
import { contentHash, type LocalFs, type LocalTree } from './local.js';
import { eachLimited, mb, Progress } from './progress.js';

/** Files uploaded at once, and blocks in flight per file too large for one request (the library's default cut, 256 MiB). */
const FILES_AT_ONCE = 8;
const BLOCKS_AT_ONCE = 4;

export interface Uploaded {
  /** azureml://datastores/<ds>/paths/LocalUpload/<hash>/<name> (a folder's ends with '/'). */
  uri: string;
  skipped: boolean;
}

/** `fs` is the file system the tree was read from (tests: Windows' path rules); the storage library reads the files itself. */
export async function uploadLocal(container: ContainerClient, datastore: string, tree: LocalTree, log: Log, fs?: Pick<LocalFs, 'read'>): Promise<Uploaded> {
  const hash = await contentHash(tree, fs);
  const prefix = `LocalUpload/${hash}/${tree.name}`;
  const uri = `azureml://datastores/${datastore}/paths/${prefix}${tree.isFolder ? '/' : ''}`;
  const blobName = (rel: string) => (tree.isFolder ? `${prefix}/${rel}` : prefix);
  const indicator = container.getBlockBlobClient(blobName(tree.files[0].rel));
  const existing = await indicator.getProperties().catch((err: { statusCode?: number }) => {
    if (err.statusCode === 404) return undefined;
    throw err;
  });
  if (existing?.metadata?.upload_status === 'completed') {
    log.info(`${tree.given}: already uploaded to ${uri} (same content), not uploading again.`);
    return { uri, skipped: true };
  }
  log.info(`Uploading ${tree.given} (${tree.files.length} file(s), ${mb(tree.bytes)} MB) to ${uri}`);
  const progress = new Progress(log, 'Uploading', tree.files.length, tree.bytes);
  let done;
  try {
    await eachLimited(tree.files, FILES_AT_ONCE, async (file) => {
      await container.getBlockBlobClient(blobName(file.rel)).uploadFile(file.abs, {
        concurrency: BLOCKS_AT_ONCE,
        // Create only (what blobs/add/action allows), unless a broken upload is being repaired.
        conditions: existing ? undefined : { ifNoneMatch: '*' },
        onProgress: (p) => progress.update(file.abs, p.loadedBytes),
      });
      progress.fileDone(file.abs, file.size);
    });
  } finally {
    done = progress.finish();
  }
  log.info(`Uploaded ${tree.files.length} file(s), ${mb(done.bytes)} MB in ${done.seconds.toFixed(1)} s (${done.mbPerSecond.toFixed(1)} MB/s).`);
  // The mark azure-ai-ml checks before uploading the same content again.
  await indicator.setMetadata({ upload_status: 'completed', name: randomUUID(), version: randomUUID() });
  return { uri, skipped: false };
}
