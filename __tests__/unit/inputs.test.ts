import { describe, expect, it } from 'vitest';
import { CORE_SCHEMA, load } from 'js-yaml';

const parseYaml = (text: string) => load(text, { schema: CORE_SCHEMA });
import { getInputs, parseBatchInput, type InputSource } from '../../src/inputs.js';
import { InputError } from '../../src/errors.js';

const GUID = '11111111-2222-3333-4444-555555555555';
const base: Record<string, string> = {
  'client-id': GUID,
  'tenant-id': GUID,
  'subscription-id': GUID,
  'resource-group': 'rg-ml',
  workspace: 'ws-main',
  'endpoint-type': 'batch',
  endpoint: 'score-batch',
  input: 'https://example.blob.core.windows.net/data/',
};

function source(values: Record<string, string | undefined>, files: Record<string, string> = {}, env: Record<string, string> = {}) {
  const secrets: string[] = [];
  const s: InputSource = {
    get: (name) => values[name] ?? '',
    env,
    readFile: (path) => {
      if (path in files) return files[path]!;
      throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    },
    setSecret: (v) => secrets.push(v),
  };
  return { s, secrets };
}

const read = (values: Record<string, string | undefined>, files?: Record<string, string>, env?: Record<string, string>) => getInputs(source(values, files, env).s, parseYaml);

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
      concurrency: 4,
      customAuthority: false,
      authorityHost: 'https://login.microsoftonline.com',
      resourceManagerEndpoint: 'https://management.azure.com',
      batchInputs: { input_data: { kind: 'uri', type: 'uri_folder', path: 'https://example.blob.core.windows.net/data/' } },
    });
    expect(i.cloud.mlScope).toBe('https://ml.azure.com/.default');
  });

  it('falls back to the AZURE_* environment variables', () => {
    const i = read({ ...base, 'client-id': '', 'tenant-id': '', 'subscription-id': '' }, {}, { AZURE_CLIENT_ID: GUID, AZURE_TENANT_ID: 'contoso.onmicrosoft.com', AZURE_SUBSCRIPTION_ID: GUID });
    expect(i.clientId).toBe(GUID);
    expect(i.tenantId).toBe('contoso.onmicrosoft.com');
  });

  it('masks a client secret before checking anything', () => {
    const { s, secrets } = source({ ...base, 'client-secret': 's3cr3t~value', workspace: '' });
    expect(() => getInputs(s, parseYaml)).toThrow(InputError);
    expect(secrets).toEqual(['s3cr3t~value']);
  });

  it('keeps audiences when hosts are overridden', () => {
    const i = read({ ...base, cloud: 'azureusgovernment', 'authority-host': 'https://127.0.0.1:8443/', 'resource-manager-endpoint': 'https://127.0.0.1:8444' });
    expect(i.cloud.name).toBe('AzureUSGovernment');
    expect(i.authorityHost).toBe('https://127.0.0.1:8443');
    expect(i.customAuthority).toBe(true);
    expect(i.cloud.armScope).toBe('https://management.usgovcloudapi.net/.default');
  });

  it('parses named inputs from YAML and JSON', () => {
    const yaml = 'data: {type: uri_folder, path: "azureml://datastores/workspaceblobstore/paths/in/"}\nthreshold: {type: number, value: 0.5}\nmodel: {type: uri_file, path: "azureml:scored:3"}';
    const i = read({ ...base, input: '', inputs: yaml });
    expect(i.batchInputs).toEqual({
      data: { kind: 'uri', type: 'uri_folder', path: 'azureml://datastores/workspaceblobstore/paths/in/' },
      threshold: { kind: 'literal', type: 'number', value: '0.5' },
      model: { kind: 'asset', type: 'uri_file', name: 'scored', version: '3' },
    });
    expect(read({ ...base, input: '', inputs: '{"flag": {"type": "boolean", "value": true}}' }).batchInputs).toEqual({ flag: { kind: 'literal', type: 'boolean', value: 'true' } });
  });

  it('reads .jsonl request files line by line', () => {
    const i = read({ ...base, 'endpoint-type': 'online', input: '', 'request-file': 'r.jsonl' }, { 'r.jsonl': '{"a":1}\n\n{"a":2}\r\n' });
    expect(i.request).toEqual({ source: 'r.jsonl', bodies: ['{"a":1}', '{"a":2}'], jsonl: true });
  });

  it('lets check-permissions: only run without a payload', () => {
    expect(read({ ...base, input: '', 'check-permissions': 'only' }).batchInputs).toEqual({});
    expect(read({ ...base, 'endpoint-type': 'online', input: '', 'check-permissions': 'only' }).request).toBeUndefined();
  });
});

describe('parseBatchInput', () => {
  it('resolves @latest later and passes datastore paths through', () => {
    expect(parseBatchInput('input', 'azureml:heart@latest', 'uri_file')).toEqual({ kind: 'asset', type: 'uri_file', name: 'heart', version: 'latest' });
    expect(parseBatchInput('input', 'azureml://datastores/blob/paths/a/b.csv', 'uri_file')).toEqual({ kind: 'uri', type: 'uri_file', path: 'azureml://datastores/blob/paths/a/b.csv' });
  });
});

// Each bad input fails with one line naming the input and what is allowed.
const bad: [string, Record<string, string>, RegExp, Record<string, string>?][] = [
  ['missing resource-group', { 'resource-group': '' }, /Input 'resource-group' is required/],
  ['missing workspace', { workspace: '' }, /Input 'workspace' is required/],
  ['missing endpoint-type', { 'endpoint-type': '' }, /Input 'endpoint-type' is required: use 'batch' or 'online'/],
  ['missing endpoint', { endpoint: '' }, /Input 'endpoint' is required/],
  ['missing client-id', { 'client-id': '' }, /'client-id' is required: auth-type 'oidc' needs/],
  ['missing tenant-id', { 'tenant-id': '' }, /'tenant-id' is required/],
  ['missing subscription-id', { 'subscription-id': '' }, /'subscription-id' is required/],
  ['unknown endpoint-type', { 'endpoint-type': 'realtime' }, /'endpoint-type' is 'realtime': use one of 'batch', 'online'/],
  ['unknown auth-type', { 'auth-type': 'password' }, /'auth-type' is 'password': use one of 'oidc', 'client-secret', 'managed-identity', 'azure-cli'/],
  ['unknown cloud', { cloud: 'AzureGermanCloud' }, /'cloud' is 'AzureGermanCloud': use one of 'AzureCloud'/],
  ['unknown check-permissions', { 'check-permissions': 'maybe' }, /'check-permissions' is 'maybe': use one of 'true', 'false', 'warn', 'only'/],
  ['client-id not a GUID', { 'client-id': 'my-app' }, /'client-id' is 'my-app': use the application \(client\) id, a GUID/],
  ['subscription-id not a GUID', { 'subscription-id': 'prod' }, /'subscription-id' is 'prod'/],
  ['malformed workspace', { workspace: 'my workspace!' }, /'workspace' is 'my workspace!': a workspace name has 3-33/],
  ['malformed endpoint', { endpoint: '1-endpoint' }, /'endpoint' is '1-endpoint': an endpoint name/],
  ['malformed deployment', { deployment: 'blue_' }, /'deployment' is 'blue_'/],
  ['resource group ending with a period', { 'resource-group': 'rg.' }, /'resource-group' is 'rg\.'/],
  ['input and inputs both set', { inputs: 'a: {type: string, value: x}' }, /set either 'input' or 'inputs', not both/],
  ['http input', { input: 'http://example.com/data' }, /'input' is 'http:\/\/example.com\/data': use https:\/\//],
  ['malformed data asset', { input: 'azureml:data' }, /name a data asset as 'azureml:<name>:<version>'/],
  ['bad input-type', { 'input-type': 'mltable' }, /'input-type' is 'mltable': use one of 'uri_folder', 'uri_file'/],
  ['bad output-path', { 'output-path': 'https://x/y' }, /'output-path' is 'https:\/\/x\/y': use 'azureml:\/\/datastores/],
  ['inputs not a map', { input: '', inputs: '- a\n- b' }, /'inputs' is .*write a map of named inputs/],
  ['inputs with unknown type', { input: '', inputs: 'a: {type: mltable, path: x}' }, /'inputs.a.type' is 'mltable'/],
  ['integer literal not whole', { input: '', inputs: 'n: {type: integer, value: 1.5}' }, /'inputs.n.value' is '1.5': an integer literal/],
  ['non-https authority-host', { 'authority-host': 'http://login.local' }, /'authority-host' is 'http:\/\/login.local': use an https:\/\/ URL: tokens are never sent over plain http/],
  ['non-https resource-manager-endpoint', { 'resource-manager-endpoint': 'http://arm.local' }, /'resource-manager-endpoint' is 'http:\/\/arm.local'/],
  ['negative timeout-minutes', { 'timeout-minutes': '-5' }, /'timeout-minutes' is '-5': use a number greater than 0/],
  ['non-numeric timeout-minutes', { 'timeout-minutes': 'ten' }, /'timeout-minutes' is 'ten'/],
  ['wait not boolean', { wait: 'yes' }, /'wait' is 'yes': use 'true' or 'false'/],
  ['request on a batch endpoint', { request: '{}' }, /Input 'request' is for online endpoints but endpoint-type is 'batch'/],
  ['batch input with endpoint-type online', { 'endpoint-type': 'online' }, /Input 'input' is for batch endpoints but endpoint-type is 'online'/],
  ['request and request-file both', { 'endpoint-type': 'online', input: '', request: '{}', 'request-file': 'r.json' }, /set either 'request' or 'request-file', not both/],
  ['invalid JSON request', { 'endpoint-type': 'online', input: '', request: '{"a":' }, /'request' is '\{"a":': it is not valid JSON/],
  ['unreadable request-file', { 'endpoint-type': 'online', input: '', 'request-file': 'missing.json' }, /'request-file' is 'missing.json': cannot read it \(no such file\)/],
  ['invalid JSON request-file', { 'endpoint-type': 'online', input: '', 'request-file': 'bad.json' }, /'request-file' is 'bad.json': it is not valid JSON/, { 'bad.json': 'nope' }],
  ['invalid JSONL line', { 'endpoint-type': 'online', input: '', 'request-file': 'r.jsonl' }, /'request-file' is 'r.jsonl': line 2 is not valid JSON/, { 'r.jsonl': '{"a":1}\n{oops}\n' }],
  ['concurrency zero', { 'endpoint-type': 'online', input: '', request: '{}', concurrency: '0' }, /'concurrency' is '0': use a whole number greater than 0 and at most 64/],
  ['concurrency fractional', { 'endpoint-type': 'online', input: '', request: '{}', concurrency: '2.5' }, /'concurrency' is '2.5'/],
  ['max-latency-ms not a number', { 'endpoint-type': 'online', input: '', request: '{}', 'max-latency-ms': 'fast' }, /'max-latency-ms' is 'fast'/],
  ['client-secret without its auth type', { 'client-secret': 'x' }, /'client-secret' is set but auth-type is 'oidc'/],
  ['client-secret auth without secret', { 'auth-type': 'client-secret' }, /'client-secret' is required: auth-type 'client-secret' needs it/],
  ['no batch input', { input: '' }, /'input' is required: a batch job needs data/],
  ['no online body', { 'endpoint-type': 'online', input: '' }, /'request' is required: an online invoke needs a body/],
  ['bad content-type', { 'endpoint-type': 'online', input: '', request: '{}', 'content-type': 'json' }, /'content-type' is 'json'/],
];

describe.each(bad)('bad input: %s', (_name, override, message, files) => {
  it('fails with one line naming it', () => {
    let error: unknown;
    try {
      read({ ...base, ...override }, files);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    const text = (error as Error).message;
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
  });
});
