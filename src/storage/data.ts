// Moving a batch job's data: local inputs up before the job, outputs down after it. Datastores
// and their clients are read once per run and shared; every storage failure is explained.
import type { TokenCredential } from '@azure/core-auth';
import type { Arm } from '../azure/arm.js';
import type { Http, Log } from '../azure/http.js';
import type { Inputs } from '../inputs.js';
import type { Principal, ReportContext } from '../permissions/permissions.js';
import type { StorageUse } from '../permissions/storage.js';
import { containerClient, type ContainerClient } from './blob.js';
import { parseDatastoreUri, readDatastore, storageCredential, type Datastore, type StorageCredential } from './datastore.js';
import { explainStorage } from './diagnose.js';
import { defaultOutputUri, downloadPath, previewable, previewTable } from './download.js';
import { openRunHistory, type RunHistory } from '../batch/run-history.js';
import { uploadLocal } from './upload.js';
import { Output } from '../constants.js';
import { describeThrown } from '../reporting/errors.js';
import type { Report } from '../reporting/report.js';

export interface DataDeps {
  arm: Arm;
  http: Http;
  log: Log;
  inputs: Inputs;
  tokens: TokenCredential;
  principal: Principal;
  /** For permission reports (scopes, endpoint). */
  ctx: ReportContext;
  armToken: () => Promise<string>;
  setSecret: (value: string) => void;
}

export class DataAccess {
  private readonly stores = new Map<string, Promise<Datastore>>();
  private readonly containers = new Map<string, Promise<ContainerClient>>();
  private readonly credentials = new Map<string, Promise<StorageCredential>>();
  private history?: Promise<RunHistory | undefined>;

  private readonly d: DataDeps;

  constructor(d: DataDeps) {
    this.d = d;
  }

  /** The workspace's run history service, found once (undefined when the workspace names none). */
  runHistory(): Promise<RunHistory | undefined> {
    return (this.history ??= openRunHistory(this.d.arm, this.d.http, this.d.inputs, this.d.armToken));
  }

  /**
   * Called once the job is created: what finding its default output needs and that does not wait
   * for its end (the run history service, the default datastore) is read while it runs, so the
   * step ends one round trip after the job rather than four or five.
   */
  prepareOutputs(): void {
    const { inputs } = this.d;
    if (Object.keys(inputs.batchOutputs).length || inputs.outputPath) return;
    // A failure here is met again, and reported, where the output is looked for.
    this.runHistory().catch(() => undefined);
    this.datastore().catch(() => undefined);
  }

  /** A datastore by name ('' for the workspace's default), read once. */
  datastore(name = '', input = 'datastore'): Promise<Datastore> {
    let pending = this.stores.get(name);
    if (!pending) {
      pending = readDatastore(this.d.arm, this.d.inputs, name || undefined, input);
      this.stores.set(name, pending);
      const read = pending;
      read.then((ds) => this.stores.set(ds.name, read)).catch(() => undefined);
    }
    return pending;
  }

  private credential(ds: Datastore): Promise<StorageCredential> {
    let pending = this.credentials.get(ds.name);
    if (!pending) {
      pending = storageCredential(this.d.arm, this.d.inputs, ds, this.d.setSecret);
      this.credentials.set(ds.name, pending);
    }
    return pending;
  }

  container(ds: Datastore): Promise<ContainerClient> {
    let pending = this.containers.get(ds.name);
    if (!pending) {
      pending = this.credential(ds).then((c) => containerClient(ds, c, this.d.tokens));
      this.containers.set(ds.name, pending);
    }
    return pending;
  }

  /** Runs a transfer on a datastore's container; storage refusals come back explained. */
  async on<T>(ds: Datastore, what: 'upload' | 'download', work: (c: ContainerClient) => Promise<T>): Promise<T> {
    const container = await this.container(ds);
    try {
      return await work(container);
    } catch (err) {
      const credential = await this.credential(ds);
      const se = credential.kind === 'sas' ? new URLSearchParams(credential.sas).get('se') : null;
      throw explainStorage(err, { datastore: ds, what, principal: this.d.principal, ctx: this.d.ctx, sasExpiresOn: se ? Date.parse(se) : undefined });
    }
  }

  /** Where this run moves data itself: uploads of local inputs, and downloads into download-path. */
  async uses(): Promise<StorageUse[]> {
    const { inputs } = this.d;
    const uses: StorageUse[] = [];
    if (hasLocalInputs(inputs)) uses.push({ datastore: await this.datastore(inputs.datastore ?? ''), what: 'upload' });
    if (inputs.downloadPath) {
      const named = Object.entries(inputs.batchOutputs).map(([name, o]) => this.datastore(o.datastore, `outputs.${name}`));
      const outputs = named.length ? named : [inputs.outputPath ? this.datastore(inputs.outputPath.datastore, 'output-path') : this.datastore()];
      for (const ds of await Promise.all(outputs)) uses.push({ datastore: ds, what: 'download' });
    }
    return uses;
  }

  /** Storage accounts of the identity-based datastores the job's inputs are on: the cluster mounts them with its own identity. */
  async mountAccounts(): Promise<string[]> {
    const { inputs } = this.d;
    const accounts = new Set<string>();
    for (const [name, input] of Object.entries(inputs.batchInputs)) {
      const at = input.kind === 'local' ? { datastore: inputs.datastore ?? '' } : input.kind === 'uri' ? parseDatastoreUri(input.path) : undefined;
      if (!at) continue;
      const ds = await this.datastore(at.datastore, input.kind === 'local' ? 'datastore' : name === 'input_data' ? 'input' : `inputs.${name}.path`);
      if (ds.credentialsType === 'None') accounts.add(ds.accountId);
    }
    return [...accounts];
  }

  /** Uploads every local input; returns the URI each is invoked with. */
  async uploadInputs(): Promise<Record<string, string>> {
    const uris: Record<string, string> = {};
    for (const [name, input] of Object.entries(this.d.inputs.batchInputs)) {
      if (input.kind !== 'local') continue;
      const ds = await this.datastore(this.d.inputs.datastore ?? '');
      uris[name] = (await this.on(ds, 'upload', (c) => uploadLocal(c, ds.name, input.tree, this.d.log))).uri;
    }
    return uris;
  }

  /** Where each output of the completed job is: named outputs as asked, else the default 'score' output. */
  async outputUris(job: string): Promise<Record<string, string>> {
    const { inputs } = this.d;
    if (Object.keys(inputs.batchOutputs).length) {
      return Object.fromEntries(Object.entries(inputs.batchOutputs).map(([name, o]) => [name, `azureml://datastores/${o.datastore}/paths/${o.path}`]));
    }
    if (inputs.outputPath) {
      const file = inputs.jobSettings.outputFileName;
      const base = `azureml://datastores/${inputs.outputPath.datastore}/paths/${inputs.outputPath.path}`;
      return { score: file ? `${base.replace(/\/+$/, '')}/${file}` : base };
    }
    const uri = await defaultOutputUri(
      () => this.runHistory(),
      inputs,
      job,
      async () => (await this.datastore()).name,
    );
    return { score: uri };
  }

  /** Downloads the outputs into download-path (named ones each into <download-path>/<name>/); files relative to it. */
  async download(uris: Record<string, string>, dest: string): Promise<string[]> {
    const named = Object.keys(this.d.inputs.batchOutputs).length > 0;
    const files: string[] = [];
    for (const [name, uri] of Object.entries(uris)) {
      const at = parseDatastoreUri(uri);
      // outputUris builds each as a datastore URI.
      if (!at) throw new Error(`output '${name}' is not a datastore URI: ${uri}`);
      const ds = await this.datastore(at.datastore, named ? `outputs.${name}` : 'output-path');
      const into = named ? `${dest}/${name}` : dest;
      const got = await this.on(ds, 'download', (c) => downloadPath(c, at.path, into, this.d.log));
      files.push(...got.map((f) => (named ? `${name}/${f}` : f)));
    }
    return files;
  }
}

/** A markdown preview of the first downloaded CSV / JSON-lines file, if there is one. */
export function preview(dest: string, files: string[]): string | undefined {
  const file = previewable(dest, files);
  const table = file && previewTable(file);
  return table ? `### Predictions: \`${file.slice(dest.length + 1)}\`\n\n${table}` : undefined;
}

/** Whether any input is a local path to upload first. */
export function hasLocalInputs(inputs: Pick<Inputs, 'batchInputs'>): boolean {
  return Object.values(inputs.batchInputs).some((i) => i.kind === 'local');
}

/**
 * A completed job's outputs: output-uri always (a warning when it cannot be found and nothing is to
 * be downloaded), then, with download-path, the files, the downloaded-files output and a preview
 * of the predictions in the job summary.
 */
export async function deliverOutputs(data: DataAccess, job: string, p: { report: Report; log: Log; downloadPath?: string }): Promise<void> {
  let uris: Record<string, string>;
  try {
    uris = await data.outputUris(job);
  } catch (err) {
    if (p.downloadPath) throw err;
    p.log.warning(`Could not find where job ${job} wrote its output: ${describeThrown(err)}`);
    return;
  }
  const single = Object.keys(uris).length === 1 && 'score' in uris;
  p.report.output(Output.outputUri, single ? uris.score : JSON.stringify(uris));
  for (const [name, uri] of Object.entries(uris)) p.log.info(`Output${single ? '' : ` '${name}'`}: ${uri}`);
  p.report.fact(
    'Output',
    Object.values(uris)
      .map((u) => `\`${u}\``)
      .join(', '),
  );
  if (!p.downloadPath) return;
  const files = await data.download(uris, p.downloadPath);
  p.report.output(Output.downloadedFiles, JSON.stringify(files));
  p.report.fact('Downloaded', `${files.length} file(s) into \`${p.downloadPath}\``);
  const table = preview(p.downloadPath, files);
  if (table) p.report.section(table);
}
