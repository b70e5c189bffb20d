// Data in and predictions out, end to end: job settings on the wire, local inputs uploaded to a
// datastore, outputs downloaded, storage access and its diagnosis, through a proxy.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layFiles } from '../bad-inputs.js';
import { emulator, firstLine, JOB_POST, QUICK, requests, step, withEmulator, type Emulator } from './helpers.js';
import { ROOT } from '../../scripts/runner.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await emulator({
    batchEndpoints: [
      {
        name: 'score-batch',
        deployments: ['default', { name: 'bare', compute: 'bare-cluster' }, { name: 'plain', compute: 'plain-cluster' }],
        defaultDeployment: 'default',
        jobPlan: QUICK,
      },
      {
        name: 'score-pipeline',
        // 'unnamed' leaves out properties.compute, as the spec allows (its settings name the compute).
        deployments: [
          { name: 'pipe', type: 'pipelineComponent' },
          { name: 'unnamed', type: 'pipelineComponent', compute: null },
        ],
        jobPlan: QUICK,
      },
    ],
    storageAccounts: [{ name: 'stdata' }, { name: 'stwalled', networkDefaultAction: 'Deny' }],
    computes: [
      {
        name: 'cpu-cluster',
        roles: [
          { role: 'Storage Blob Data Reader', scope: 'storageAccount' },
          { role: 'Storage Blob Data Reader', scope: 'storageAccount:stdata' },
        ],
      },
      { name: 'bare-cluster', identity: 'None' },
    ],
    datastores: [
      { name: 'identity_store', account: 'stdata', container: 'data', credentials: 'None' },
      { name: 'stale_sas', account: 'stdata', container: 'shared', credentials: 'Sas', sasExpired: true },
      { name: 'walled', account: 'stwalled', container: 'data' },
      { name: 'gone', account: 'stdata', container: 'missing', containerMissing: true },
    ],
    identities: [
      { roles: [{ role: 'Contributor', scope: 'resourceGroup' }] },
      {
        name: 'data-writer',
        roles: [
          { role: 'Contributor', scope: 'resourceGroup' },
          { role: 'Storage Blob Data Contributor', scope: 'storageAccount:stdata' },
        ],
      },
    ],
  });
});
afterAll(() => emu.close());

const batch = { 'endpoint-type': 'batch', endpoint: 'score-batch', input: 'https://example.blob.core.windows.net/data/heart/' };

describe('job settings', () => {
  it('sends every setting under its BatchJob wire name, and the default output as score', async () => {
    emu.clearLog();
    const r = await step(emu, {
      ...batch,
      'instance-count': '2',
      'mini-batch-size': '5',
      'output-file-name': 'scores.csv',
      'error-threshold': '-1',
      'max-retries': '2',
      'retry-timeout': '120',
      'logging-level': 'warning',
      'max-concurrency-per-instance': '3',
      'output-path': 'azureml://datastores/workspaceblobstore/paths/nightly/',
    });
    expect(r.code, r.stdout).toBe(0);
    const [post] = requests(emu, 'POST', JOB_POST);
    expect(post.body).toMatchObject({
      properties: {
        compute: { instanceCount: 2 },
        miniBatchSize: 5,
        outputFileName: 'scores.csv',
        errorThreshold: -1,
        retrySettings: { maxRetries: 2, timeout: 'PT120S' },
        loggingLevel: 'Warning',
        maxConcurrencyPerInstance: 3,
        outputData: { score: { jobOutputType: 'UriFile', uri: 'azureml://datastores/workspaceblobstore/paths/nightly/scores.csv' } },
      },
    });
    const job = emu.jobs().find((j) => j.name === r.outputs['job-name'])!;
    expect(job.written).toEqual({ score: 'azureml://datastores/workspaceblobstore/paths/nightly/scores.csv' });
  });

  it('sends named outputs to a pipeline-component deployment', async () => {
    emu.clearLog();
    const r = await step(emu, {
      'endpoint-type': 'batch',
      endpoint: 'score-pipeline',
      inputs: 'data: {type: uri_folder, path: "https://example.blob.core.windows.net/data/heart/"}',
      outputs: 'scores: {type: uri_folder, path: "azureml://datastores/workspaceblobstore/paths/pipe/scores/"}',
    });
    expect(r.code, r.stdout).toBe(0);
    const [post] = requests(emu, 'POST', JOB_POST);
    expect((post.body as { properties: { outputData: unknown } }).properties.outputData).toEqual({
      scores: { jobOutputType: 'UriFolder', uri: 'azureml://datastores/workspaceblobstore/paths/pipe/scores/' },
    });
  });
});

/** A workspace checkout with the given files. */
function checkout(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'checkout-'));
  layFiles(dir, files);
  return dir;
}

const storagePuts = () => emu.log.filter((e) => e.service === 'storage' && e.method === 'PUT');

describe('local inputs up, predictions down', () => {
  it('uploads a folder with its tree, invokes with its datastore URI, downloads the predictions and previews them', async () => {
    const cwd = checkout({ 'data/heart/a.csv': 'age,chol\n63,233\n', 'data/heart/sub/b.csv': 'age,chol\n37,250\n41,205\n' });
    emu.clearLog();
    const r = await step(emu, { ...batch, input: 'data/heart', 'download-path': 'out' }, { cwd });
    expect(r.code, r.stdout).toBe(0);
    const [post] = requests(emu, 'POST', JOB_POST);
    const uri = (post.body as { properties: { inputData: { input_data: { uri: string } } } }).properties.inputData.input_data.uri;
    const m = /^azureml:\/\/datastores\/workspaceblobstore\/paths\/(LocalUpload\/[0-9a-f]{32}\/heart\/)$/.exec(uri);
    expect(m, uri).not.toBeNull();
    const own = emu.storage.datastore('workspaceblobstore');
    const blobs = await emu.storage.list(own.account, own.container, m![1]);
    expect(blobs.map((b) => b.name.slice(m![1].length))).toEqual(['a.csv', 'sub/b.csv']);
    expect(blobs[0].metadata.upload_status).toBe('completed');
    expect(r.visibleLog).toMatch(/Uploaded 2 file\(s\), 0\.0 MB in \d+\.\d s/);

    const job = emu.jobs().find((j) => j.name === r.outputs['job-name'])!;
    expect(r.outputs['output-uri']).toBe(`azureml://datastores/workspaceblobstore/paths/azureml/${job.childRunId}/score/`);
    expect(JSON.parse(r.outputs['downloaded-files'])).toEqual(['predictions.csv']);
    expect(
      readFileSync(join(cwd, 'out', 'predictions.csv'), 'utf8')
        .trim()
        .split('\n'),
    ).toEqual(['file,line,prediction', 'a.csv,1,1', 'a.csv,2,1', 'b.csv,1,1', 'b.csv,2,1', 'b.csv,3,0']);
    expect(r.visibleLog).toContain('Downloaded 1 file(s)');
    expect(r.summary).toContain('| file | line | prediction |');
    expect(r.summary).toContain('| b.csv | 3 | 0 |');

    // The same content again: the upload is found complete and not repeated.
    emu.clearLog();
    const again = await step(emu, { ...batch, input: 'data/heart' }, { cwd });
    expect(again.code, again.stdout).toBe(0);
    expect(again.visibleLog).toContain(`data/heart: already uploaded to ${uri} (same content), not uploading again.`);
    expect(storagePuts()).toEqual([]);
  });

  it('uploads a single file as uri_file, named by its content', async () => {
    const cwd = checkout({ 'one.csv': 'age,chol\n63,233\n' });
    emu.clearLog();
    const r = await step(emu, { ...batch, input: 'one.csv', 'input-type': 'uri_file' }, { cwd });
    expect(r.code, r.stdout).toBe(0);
    const [post] = requests(emu, 'POST', JOB_POST);
    expect(post.body).toMatchObject({
      properties: {
        inputData: {
          input_data: { jobInputType: 'UriFile', uri: 'azureml://datastores/workspaceblobstore/paths/LocalUpload/34d90a6470a43dd5c2b750ff53dda7ae/one.csv' },
        },
      },
    });
    expect(r.outputs['downloaded-files']).toBeUndefined();
  });

  it('downloads each named output of a pipeline component into its own folder', async () => {
    const cwd = checkout({ 'data/x.csv': 'a\nb\n' });
    const r = await step(
      emu,
      {
        'endpoint-type': 'batch',
        endpoint: 'score-pipeline',
        inputs: 'data: {type: uri_folder, path: data}',
        outputs: 'scores: {type: uri_folder, path: "azureml://datastores/workspaceblobstore/paths/pipe/scores/"}',
        'download-path': 'results',
      },
      { cwd },
    );
    expect(r.code, r.stdout).toBe(0);
    expect(JSON.parse(r.outputs['output-uri'])).toEqual({ scores: 'azureml://datastores/workspaceblobstore/paths/pipe/scores/' });
    expect(JSON.parse(r.outputs['downloaded-files'])).toEqual(['scores/predictions.csv']);
    expect(existsSync(join(cwd, 'results', 'scores', 'predictions.csv'))).toBe(true);
  });

  it('reaches an identity-based datastore with its own Entra token for Azure Storage', async () => {
    const cwd = checkout({ 'data/a.csv': 'x\n' });
    emu.clearLog();
    const r = await step(emu, { ...batch, input: 'data', datastore: 'identity_store', 'download-path': 'out' }, { cwd, identity: 'data-writer' });
    expect(r.code, r.stdout).toBe(0);
    // The upload to the identity-based datastore; the predictions come from the default one, by key.
    const storage = emu.log.filter((e) => e.service === 'storage' && e.url.startsWith('//stdata.blob.core.windows.net/'));
    expect(storage.map((e) => e.method)).toEqual(['HEAD', 'PUT', 'PUT']);
    for (const e of storage) expect(e.token?.aud).toBe('https://storage.azure.com');
    expect(requests(emu, 'POST', /datastores\/identity_store\/listSecrets$/)).toEqual([]);
  });
});

describe('a deployment that names no compute cluster', () => {
  it('skips the check of the cluster identity with one notice, and runs the job', async () => {
    const cwd = checkout({ 'data/a.csv': 'x\n' });
    emu.clearLog();
    const r = await step(
      emu,
      { 'endpoint-type': 'batch', endpoint: 'score-pipeline', deployment: 'unnamed', input: 'data', datastore: 'identity_store' },
      { cwd, identity: 'data-writer' },
    );
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs['job-status']).toBe('Completed');
    const notices = r.annotations.filter((a) => a.level === 'notice');
    expect(notices.map((n) => n.message)).toEqual([
      "Not checking whether the compute cluster can read storage account 'stdata': deployment 'unnamed' names no compute cluster (properties.compute), so the action cannot tell which identity mounts the input.",
    ]);
    expect(requests(emu, 'GET', /\/computes\//)).toEqual([]);
  });
});

describe('storage failures, each named with its fix', () => {
  const upload = (datastore: string, extra: Record<string, string> = {}) =>
    step(emu, { ...batch, input: 'data', datastore, ...extra }, { cwd: checkout({ 'data/a.csv': 'x\n' }) });

  it('a missing data role: the data action, the account and the role that grants it', async () => {
    const r = await upload('identity_store', { 'check-permissions': 'false' });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toMatch(
      /^Grant service principal \S+ \(object id \S+\) 'Microsoft\.Storage\/storageAccounts\/blobServices\/containers\/blobs\/write' on storage account 'stdata'/,
    );
    expect(JSON.parse(r.outputs['missing-actions'])).toEqual(['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write']);
    expect(r.annotations[0].message).toContain(`--role "Storage Blob Data Contributor" --scope ${emu.storage.accountId('stdata')}`);
    expect(r.annotations[0].message).toContain('"DataActions":["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write"]');
  });

  it('found before anything moves: the data actions for the upload and the download, on the account', async () => {
    emu.clearLog();
    const cwd = checkout({ 'data/a.csv': 'x\n' });
    const r = await step(
      emu,
      { ...batch, input: 'data', datastore: 'identity_store', 'output-path': 'azureml://datastores/identity_store/paths/out/', 'download-path': 'out' },
      { cwd },
    );
    expect(r.code).toBe(1);
    expect(firstLine(r)).toMatch(/^Grant service principal \S+ \(object id \S+\) the 2 missing permissions on storage account 'stdata'/);
    expect(JSON.parse(r.outputs['missing-actions'])).toEqual([
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write',
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read',
    ]);
    expect(r.summary).toContain('found by the pre-flight check');
    expect(r.annotations[0].message).toContain(`--role "Storage Blob Data Contributor" --scope ${emu.storage.accountId('stdata')}`);
    expect(emu.log.filter((e) => e.service === 'storage')).toEqual([]);
    expect(requests(emu, 'POST', JOB_POST)).toEqual([]);
  });

  it('a compute cluster without a managed identity, before the job is created', async () => {
    emu.clearLog();
    const r = await step(
      emu,
      { ...batch, deployment: 'bare', input: 'data', datastore: 'identity_store' },
      { cwd: checkout({ 'data/a.csv': 'x\n' }), identity: 'data-writer' },
    );
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe("Give compute cluster 'bare-cluster' a managed identity: it mounts the job's identity-based input with it, and it has none.");
    expect(r.annotations[0].message).toContain('az ml compute update --name bare-cluster --identity-type SystemAssigned');
    expect(requests(emu, 'POST', JOB_POST)).toEqual([]);
  });

  it("a compute cluster whose identity cannot read the input's account", async () => {
    const r = await step(emu, { ...batch, deployment: 'plain', input: 'azureml://datastores/identity_store/paths/in/' }, { identity: 'data-writer' });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toMatch(/^Grant compute cluster 'plain-cluster' \(object id \S+\) 'Storage Blob Data Reader' on storage account 'stdata'/);
    expect(r.annotations[0].message).toMatch(
      /az role assignment create --assignee-object-id \S+ --assignee-principal-type ServicePrincipal --role "Storage Blob Data Reader" --scope \/subscriptions\/.*\/storageAccounts\/stdata/,
    );
  });

  it("the account's firewall", async () => {
    const r = await upload('walled');
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe(
      "Let this runner through the firewall of storage account 'stwalled' (datastore 'walled', container 'data'): it refused the upload (AuthorizationFailure).",
    );
    expect(r.annotations[0].message).toContain("a GitHub-hosted runner's address is not among them");
  });

  it('an expired SAS', async () => {
    const r = await upload('stale_sas');
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe(
      "Renew the SAS token of datastore 'stale_sas': storage account 'stdata' (datastore 'stale_sas', container 'shared') refused it as expired or not yet valid.",
    );
  });

  it('a container that is not there', async () => {
    const r = await upload('gone');
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe("Fix datastore 'gone': its container 'missing' does not exist in storage account 'stdata'.");
  });

  it('a datastore that does not exist, naming those that do', async () => {
    const r = await upload('nowhere');
    expect(r.code).toBe(1);
    expect(firstLine(r)).toMatch(/^Check 'datastore': workspace 'ws-scoring' has no datastore 'nowhere' \(its datastores: .*workspaceblobstore/);
  });
});

describe('the storage client is loaded only when data moves', () => {
  it('runs a batch invoke of a URL and an online invoke from a bundle without its storage chunk', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'dist-'));
    cpSync(join(ROOT, 'dist'), copy, { recursive: true });
    const chunks = readdirSync(join(copy, 'main')).filter(
      (f) => /^\d+\.index\.js$/.test(f) && readFileSync(join(copy, 'main', f), 'utf8').includes('x-ms-blob-type'),
    );
    expect(chunks).toHaveLength(1);
    rmSync(join(copy, 'main', chunks[0]));
    const bundle = join(copy, 'index.cjs');
    const b = await step(emu, batch, { bundle });
    expect(b.code, b.stdout).toBe(0);
    expect(b.outputs['job-status']).toBe('Completed');
    const o = await step(emu, { 'endpoint-type': 'online', endpoint: 'score-key', request: '{"data": [[1]]}' }, { bundle });
    expect(o.code, o.stdout).toBe(0);
    expect(o.outputs['status-code']).toBe('200');
    // The same copy fails once a step has data to move: the chunk is what it loads.
    const r = await step(emu, { ...batch, input: 'data' }, { bundle, cwd: checkout({ 'data/a.csv': 'x\n' }) });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toContain(`Cannot find module '${join(copy, 'main', chunks[0])}'`);
  });
});

describe('compute role assignments that cannot be read', () => {
  it('are one notice, not a failure', () =>
    withEmulator(
      {
        roleAssignmentsApi: 'denied',
        batchEndpoints: [{ name: 'score-batch', jobPlan: QUICK }],
        storageAccounts: [{ name: 'stdata' }],
        datastores: [{ name: 'identity_store', account: 'stdata', container: 'data', credentials: 'None' }],
      },
      async (own) => {
        const r = await step(own, { ...batch, input: 'azureml://datastores/identity_store/paths/in/' });
        expect(r.code, r.stdout).toBe(0);
        const notices = r.annotations.filter((a) => a.level === 'notice');
        expect(notices).toHaveLength(1);
        expect(notices[0].message).toMatch(
          /^Could not read the role assignments of compute cluster 'cpu-cluster' on \/subscriptions\/.*\/storageAccounts\/stdata \(.+\); it needs at least 'Storage Blob Data Reader' there/,
        );
      },
    ));
});

describe('HTTPS_PROXY', () => {
  it('carries every request of a run: OIDC, sign-in, resource manager, data plane, run history, Blob storage', async () => {
    // azure-emulator.test is a name only the emulator's proxy resolves: reaching it proves the proxy was used.
    const alias = (url: string) => url.replace('127.0.0.1', 'azure-emulator.test');
    const port = (url: string) => new URL(url).port;
    const from = emu.proxyLog.length;
    const r = await step(
      emu,
      { ...batch, input: 'data', 'download-path': 'out', 'authority-host': alias(emu.urls.login), 'resource-manager-endpoint': alias(emu.urls.management) },
      { cwd: checkout({ 'data/a.csv': 'x\n' }), env: { NO_PROXY: '', ACTIONS_ID_TOKEN_REQUEST_URL: alias(emu.oidcRequestUrl) } },
    );
    expect(r.code, r.stdout).toBe(0);
    const seen = [...new Set(emu.proxyLog.slice(from).map((e) => `${e.outcome} ${e.host}:${e.port}`))];
    expect(seen).toEqual(
      expect.arrayContaining([
        `tunnel azure-emulator.test:${port(emu.urls.github)}`,
        `tunnel azure-emulator.test:${port(emu.urls.login)}`,
        `tunnel azure-emulator.test:${port(emu.urls.management)}`,
        `tunnel 127.0.0.1:${port(emu.urls.inference)}`,
        `tunnel 127.0.0.1:${port(emu.urls.mlapi)}`,
        `storage ${emu.storage.datastore('workspaceblobstore').account}.blob.core.windows.net:443`,
      ]),
    );
    expect(seen.filter((s) => s.startsWith('refused'))).toEqual([]);
  });
});
