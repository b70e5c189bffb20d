import { describe, expect, it } from 'vitest';
import { CORE_SCHEMA, load } from 'js-yaml';

const parseYaml = (text: string) => load(text, { schema: CORE_SCHEMA });
import { getInputs, parseBatchInput, type InputSource } from '../../src/inputs.js';
import { InputError } from '../../src/reporting/errors.js';
import { BAD_INPUTS as bad, GUID, layFiles, VALID_BATCH } from '../bad-inputs.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = VALID_BATCH;

function source(values: Record<string, string | undefined>, files: Record<string, string> = {}, env: Record<string, string> = {}) {
  const secrets: string[] = [];
  const s: InputSource = {
    get: (name) => values[name] ?? '',
    env,
    readFile: (path) => {
      if (path in files) return files[path];
      throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    },
    setSecret: (v) => secrets.push(v),
  };
  return { s, secrets };
}

const read = (values: Record<string, string | undefined>, files?: Record<string, string>, env?: Record<string, string>) =>
  getInputs(source(values, files, env).s, parseYaml);

describe('getInputs', () => {
  it('reads a batch invocation with defaults', () => {
    const i = read(base);
    expect(i).toMatchObject({
      authType: 'oidc',
      audience: 'api://AzureADTokenExchange',
      endpointType: 'batch',
      wait: true,
      timeoutMs: 3_600_000,
      cancelOnTimeout: true,
      checkPermissions: 'true',
      waitForReadyMs: 0,
      stuckAfterMs: 600_000,
      commentOnPr: 'false',
      concurrency: 4,
      customAuthority: false,
      authorityHost: 'https://login.microsoftonline.com',
      resourceManagerEndpoint: 'https://management.azure.com',
      batchInputs: { input_data: { kind: 'uri', type: 'uri_folder', path: 'https://example.blob.core.windows.net/data/' } },
    });
    expect(i.cloud.mlScope).toBe('https://ml.azure.com/.default');
  });

  it('follows a job that exists with job-name: no input or endpoint needed; cancelled only when asked in so many words', () => {
    const attach = { ...base, input: '', endpoint: '', 'job-name': 'batchjob-0a1b' };
    expect(read(attach)).toMatchObject({ jobName: 'batchjob-0a1b', endpoint: '', batchInputs: {}, cancelOnTimeout: false, streamLogs: 'progress' });
    expect(read({ ...attach, 'cancel-on-timeout': 'true' }).cancelOnTimeout).toBe(true);
    expect(read({ ...attach, endpoint: 'score-batch', 'output-path': 'azureml://datastores/ds/paths/out/' })).toMatchObject({
      endpoint: 'score-batch',
      outputPath: { datastore: 'ds', path: 'out/' },
    });
    expect(read(base)).toMatchObject({ cancelOnTimeout: true });
    expect(read(base).jobName).toBeUndefined();
    expect(read({ ...base, 'stream-logs': 'TRUE' }).streamLogs).toBe('true');
  });

  it('reads wait-for-ready and stuck-after-minutes in minutes, fractions too', () => {
    expect(read({ ...base, 'wait-for-ready': '15', 'stuck-after-minutes': '0.5' })).toMatchObject({ waitForReadyMs: 900_000, stuckAfterMs: 30_000 });
  });

  it('falls back to the AZURE_* environment variables', () => {
    const i = read(
      { ...base, 'client-id': '', 'tenant-id': '', 'subscription-id': '' },
      {},
      { AZURE_CLIENT_ID: GUID, AZURE_TENANT_ID: 'contoso.onmicrosoft.com', AZURE_SUBSCRIPTION_ID: GUID },
    );
    expect(i.clientId).toBe(GUID);
    expect(i.tenantId).toBe('contoso.onmicrosoft.com');
  });

  it('masks a client secret before checking anything', () => {
    const { s, secrets } = source({ ...base, 'client-secret': 's3cr3t~value', workspace: '' });
    expect(() => getInputs(s, parseYaml)).toThrow(InputError);
    expect(secrets).toEqual(['s3cr3t~value']);
  });

  it('masks the github-token before checking anything, and reads comment-on-pr', () => {
    const { s, secrets } = source({ ...base, 'github-token': 'ghs_token~value', 'client-secret': 's3cr3t~value', workspace: '' });
    expect(() => getInputs(s, parseYaml)).toThrow(InputError);
    expect(secrets).toEqual(['s3cr3t~value', 'ghs_token~value']);
    expect(read({ ...base, 'comment-on-pr': 'On-Failure', 'github-token': 'ghs_x' })).toMatchObject({ commentOnPr: 'on-failure', githubToken: 'ghs_x' });
  });

  it('refuses an audience or a github-token with a space or a control character inside, never quoting the token', () => {
    expect(() => read({ ...base, audience: 'api://AzureADTokenExchange USGov' })).toThrow(
      "Input 'audience' is 'api://AzureADTokenExchange USGov': use the audience of the app's federated credential, e.g. api://AzureADTokenExchange: up to 600 characters, without spaces or control characters.",
    );
    expect(read({ ...base, audience: 'api://AzureADTokenExchangeChina' }).audience).toBe('api://AzureADTokenExchangeChina');
    const { s, secrets } = source({ ...base, 'github-token': 'ghs_first\u0007half' });
    expect(() => getInputs(s, parseYaml)).toThrow(
      /^Input 'github-token' is not a token \(it holds a space, a control or a non-ASCII character\): pass the token alone/,
    );
    expect(secrets).toEqual(['ghs_first\u0007half']);
  });

  it('keeps audiences when hosts are overridden', () => {
    const i = read({ ...base, cloud: 'azureusgovernment', 'authority-host': 'https://127.0.0.1:8443/', 'resource-manager-endpoint': 'https://127.0.0.1:8444' });
    expect(i.cloud.name).toBe('AzureUSGovernment');
    expect(i.authorityHost).toBe('https://127.0.0.1:8443');
    expect(i.customAuthority).toBe(true);
    expect(i.cloud.armScope).toBe('https://management.usgovcloudapi.net/.default');
  });

  it('parses named inputs from YAML and JSON', () => {
    const yaml =
      'data: {type: uri_folder, path: "azureml://datastores/workspaceblobstore/paths/in/"}\nthreshold: {type: number, value: 0.5}\nmodel: {type: uri_file, path: "azureml:scored:3"}';
    const i = read({ ...base, input: '', inputs: yaml });
    expect(i.batchInputs).toEqual({
      data: { kind: 'uri', type: 'uri_folder', path: 'azureml://datastores/workspaceblobstore/paths/in/' },
      threshold: { kind: 'literal', type: 'number', value: '0.5' },
      model: { kind: 'asset', type: 'uri_file', name: 'scored', version: '3' },
    });
    expect(read({ ...base, input: '', inputs: '{"flag": {"type": "boolean", "value": true}}' }).batchInputs).toEqual({
      flag: { kind: 'literal', type: 'boolean', value: 'true' },
    });
  });

  it('reads the job settings, each in the form the BatchJob model takes', () => {
    const i = read({
      ...base,
      'instance-count': '2',
      'mini-batch-size': '10',
      'output-file-name': 'scores.csv',
      'error-threshold': '-1',
      'max-retries': '0',
      'retry-timeout': '300',
      'logging-level': 'DEBUG',
      'max-concurrency-per-instance': '4',
    });
    expect(i.jobSettings).toEqual({
      instanceCount: 2,
      miniBatchSize: 10,
      outputFileName: 'scores.csv',
      errorThreshold: -1,
      maxRetries: 0,
      retryTimeout: 'PT300S',
      loggingLevel: 'Debug',
      maxConcurrencyPerInstance: 4,
    });
    expect(read({ ...base, 'retry-timeout': 'pt1h30m' }).jobSettings).toEqual({ retryTimeout: 'PT1H30M' });
    expect(read(base).jobSettings).toEqual({});
  });

  it('reads named outputs', () => {
    const i = read({ ...base, outputs: 'scores: {type: uri_folder, path: "azureml://datastores/workspaceblobstore/paths/out/"}' });
    expect(i.batchOutputs).toEqual({ scores: { type: 'uri_folder', datastore: 'workspaceblobstore', path: 'out/' } });
  });

  it('reads .jsonl request files line by line', () => {
    const i = read({ ...base, 'endpoint-type': 'online', input: '', 'request-file': 'r.jsonl' }, { 'r.jsonl': '{"a":1}\n\n{"a":2}\r\n' });
    expect(i.request).toEqual({ source: 'r.jsonl', bodies: ['{"a":1}', '{"a":2}'], lines: [1, 3], lineCount: 3, jsonl: true });
  });

  it('lets check-permissions: only run without a payload', () => {
    expect(read({ ...base, input: '', 'check-permissions': 'only' }).batchInputs).toEqual({});
    expect(read({ ...base, 'endpoint-type': 'online', input: '', 'check-permissions': 'only' }).request).toBeUndefined();
  });
});

describe('parseBatchInput', () => {
  it('resolves @latest later and passes datastore paths through', () => {
    expect(parseBatchInput('input', 'azureml:heart@latest', 'uri_file', process.cwd())).toEqual({
      kind: 'asset',
      type: 'uri_file',
      name: 'heart',
      version: 'latest',
    });
    expect(parseBatchInput('input', 'azureml://datastores/blob/paths/a/b.csv', 'uri_file', process.cwd())).toEqual({
      kind: 'uri',
      type: 'uri_file',
      path: 'azureml://datastores/blob/paths/a/b.csv',
    });
  });
});

describe.each(bad)('bad input: %s', (_name, override, message, files) => {
  it('fails with one line naming it', () => {
    const workspace = mkdtempSync(join(tmpdir(), 'inputs-'));
    layFiles(workspace, files ?? {});
    let error: unknown;
    try {
      read({ ...base, ...override }, files, { GITHUB_WORKSPACE: workspace });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    const text = (error as Error).message;
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
  });
});
