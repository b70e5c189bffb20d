// The table of bad inputs, shared by the unit test of input parsing and the end-to-end test that
// runs the action with each of them. Each row: a name, the inputs that differ from a valid batch
// invocation, the one-line message expected, and files the row needs (path -> content; a path
// ending in '/' is an empty folder, a content 'symlink:<target>' a symbolic link).
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Lays a row's files out under dir. */
export function layFiles(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    const at = join(dir, path);
    mkdirSync(path.endsWith('/') ? at : dirname(at), { recursive: true });
    if (path.endsWith('/')) continue;
    if (content.startsWith('symlink:')) symlinkSync(content.slice('symlink:'.length), at);
    else writeFileSync(at, content);
  }
}

export const GUID = '11111111-2222-3333-4444-555555555555';

/** A valid batch invocation, as the unit tests of input parsing start from. */
export const VALID_BATCH: Record<string, string> = {
  'client-id': GUID,
  'tenant-id': GUID,
  'subscription-id': GUID,
  'resource-group': 'rg-ml',
  workspace: 'ws-main',
  'endpoint-type': 'batch',
  endpoint: 'score-batch',
  input: 'https://example.blob.core.windows.net/data/',
};

export const BAD_INPUTS: [string, Record<string, string>, RegExp, Record<string, string>?][] = [
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
  ['unknown comment-on-pr', { 'comment-on-pr': 'always' }, /'comment-on-pr' is 'always': use one of 'false', 'true', 'on-failure'/],
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
  ['local input that does not exist', { input: 'data/missing' }, /Input 'input' is 'data\/missing' \(\/.*\/data\/missing\): no such file or folder/],
  [
    'local folder given as uri_file',
    { input: 'data', 'input-type': 'uri_file' },
    /'input' is 'data' \(.*\): it is a folder; set its type to uri_folder/,
    { 'data/a.csv': 'x\n' },
  ],
  [
    'local file given as uri_folder',
    { input: 'a.csv' },
    /'input' is 'a.csv' \(.*\): it is a file; set its type to uri_file \('input-type: uri_file'\)/,
    { 'a.csv': 'x\n' },
  ],
  ['empty local folder', { input: 'data' }, /'input' is 'data' \(.*\): the folder holds no file/, { 'data/sub/': '' }],
  [
    'local input linking out of the workspace',
    { input: 'data' },
    /'input' is 'data' \(.*\): it is a symbolic link leading out of the workspace \(to \/\)/,
    { data: 'symlink:/' },
  ],
  [
    'named local input with a link out inside it',
    { input: '', inputs: 'd: {type: uri_folder, path: data}' },
    /'inputs.d.path' is 'data' \(.*\): 'etc' inside it is a symbolic link leading out of the workspace/,
    { 'data/a.csv': 'x\n', 'data/etc': 'symlink:/etc' },
  ],
  ['datastore with a bad name', { datastore: 'my-store' }, /'datastore' is 'my-store': a datastore name has letters, digits and underscores/],
  ['download-path with wait false', { 'download-path': 'out', wait: 'false' }, /'download-path' is 'out': there is nothing to download with 'wait: false'/],
  ['error-threshold below -1', { 'error-threshold': '-2' }, /'error-threshold' is '-2': use a whole number from -1 to/],
  ['instance-count not whole', { 'instance-count': '1.5' }, /'instance-count' is '1.5': use a whole number from 1 to 1000/],
  ['bad retry-timeout', { 'retry-timeout': 'soon' }, /'retry-timeout' is 'soon': use seconds/],
  ['bad logging-level', { 'logging-level': 'verbose' }, /'logging-level' is 'verbose': use one of 'info', 'warning', 'debug'/],
  ['output-file-name with a folder', { 'output-file-name': 'out/p.csv' }, /'output-file-name' is 'out\/p.csv': use a file name/],
  ['outputs not on a datastore', { outputs: 'scores: {type: uri_folder, path: "https://x/y"}' }, /'outputs.scores.path' is 'https:\/\/x\/y'/],
  [
    'mini-batch-size with endpoint-type online',
    { 'endpoint-type': 'online', input: '', request: '{}', 'mini-batch-size': '5' },
    /Input 'mini-batch-size' is for batch endpoints/,
  ],
  ['inputs not a map', { input: '', inputs: '- a\n- b' }, /'inputs' is .*write a map of named inputs/],
  ['inputs with unknown type', { input: '', inputs: 'a: {type: mltable, path: x}' }, /'inputs.a.type' is 'mltable'/],
  ['integer literal not whole', { input: '', inputs: 'n: {type: integer, value: 1.5}' }, /'inputs.n.value' is '1.5': an integer literal/],
  [
    'non-https authority-host',
    { 'authority-host': 'http://login.local' },
    /'authority-host' is 'http:\/\/login.local': use an https:\/\/ URL: tokens are never sent over plain http/,
  ],
  ['non-https resource-manager-endpoint', { 'resource-manager-endpoint': 'http://arm.local' }, /'resource-manager-endpoint' is 'http:\/\/arm.local'/],
  ['negative timeout-minutes', { 'timeout-minutes': '-5' }, /'timeout-minutes' is '-5': use a number greater than 0/],
  ['non-numeric timeout-minutes', { 'timeout-minutes': 'ten' }, /'timeout-minutes' is 'ten'/],
  ['wait not boolean', { wait: 'yes' }, /'wait' is 'yes': use 'true' or 'false'/],
  ['negative wait-for-ready', { 'wait-for-ready': '-1' }, /'wait-for-ready' is '-1': use a number of minutes from 0 to 360/],
  ['wait-for-ready past a hosted job', { 'wait-for-ready': '400' }, /'wait-for-ready' is '400': use a number of minutes from 0 to 360/],
  ['zero stuck-after-minutes', { 'stuck-after-minutes': '0' }, /'stuck-after-minutes' is '0': use a number greater than 0/],
  ['request on a batch endpoint', { request: '{}' }, /Input 'request' is for online endpoints but endpoint-type is 'batch'/],
  ['unknown stream-logs', { 'stream-logs': 'all' }, /'stream-logs' is 'all': use one of 'progress', 'true', 'false'/],
  [
    'malformed job-name',
    { input: '', 'job-name': 'my job!' },
    /'job-name' is 'my job!': name the job as the studio or the earlier step's job-name output does/,
  ],
  [
    'job-name with input',
    { 'job-name': 'batchjob-1' },
    /Input 'input' is 'https:\/\/example\.blob\.core\.windows\.net\/data\/': 'job-name' follows a job that exists, which has its input already: remove one of the two/,
  ],
  [
    'job-name with a job setting',
    { input: '', 'job-name': 'batchjob-1', 'mini-batch-size': '5' },
    /'mini-batch-size' is '5': 'job-name' follows a job that exists/,
  ],
  ['job-name with wait false', { input: '', 'job-name': 'batchjob-1', wait: 'false' }, /'wait' is 'false': 'job-name' attaches to a job to wait for it/],
  [
    'job-name with endpoint-type online',
    { 'endpoint-type': 'online', input: '', request: '{}', 'job-name': 'batchjob-1' },
    /Input 'job-name' is for batch endpoints but endpoint-type is 'online'/,
  ],
  ['batch input with endpoint-type online', { 'endpoint-type': 'online' }, /Input 'input' is for batch endpoints but endpoint-type is 'online'/],
  [
    'request and request-file both',
    { 'endpoint-type': 'online', input: '', request: '{}', 'request-file': 'r.json' },
    /set either 'request' or 'request-file', not both/,
  ],
  ['invalid JSON request', { 'endpoint-type': 'online', input: '', request: '{"a":' }, /'request' is '\{"a":': it is not valid JSON/],
  [
    'unreadable request-file',
    { 'endpoint-type': 'online', input: '', 'request-file': 'missing.json' },
    /'request-file' is 'missing.json': cannot read it \(no such file\)/,
  ],
  [
    'invalid JSON request-file',
    { 'endpoint-type': 'online', input: '', 'request-file': 'bad.json' },
    /'request-file' is 'bad.json': it is not valid JSON/,
    { 'bad.json': 'nope' },
  ],
  [
    'invalid JSONL line',
    { 'endpoint-type': 'online', input: '', 'request-file': 'r.jsonl' },
    /'request-file' is 'r.jsonl': line 2 is not valid JSON/,
    { 'r.jsonl': '{"a":1}\n{oops}\n' },
  ],
  [
    'concurrency zero',
    { 'endpoint-type': 'online', input: '', request: '{}', concurrency: '0' },
    /'concurrency' is '0': use a whole number greater than 0 and at most 64/,
  ],
  ['concurrency fractional', { 'endpoint-type': 'online', input: '', request: '{}', concurrency: '2.5' }, /'concurrency' is '2.5'/],
  ['max-latency-ms not a number', { 'endpoint-type': 'online', input: '', request: '{}', 'max-latency-ms': 'fast' }, /'max-latency-ms' is 'fast'/],
  ['client-secret without its auth type', { 'client-secret': 'x' }, /'client-secret' is set but auth-type is 'oidc'/],
  ['client-secret auth without secret', { 'auth-type': 'client-secret' }, /'client-secret' is required: auth-type 'client-secret' needs it/],
  ['no batch input', { input: '' }, /'input' is required: a batch job needs data/],
  ['no online body', { 'endpoint-type': 'online', input: '' }, /'request' is required: an online invoke needs a body/],
  ['bad content-type', { 'endpoint-type': 'online', input: '', request: '{}', 'content-type': 'json' }, /'content-type' is 'json'/],
  // issue 20: release gates
  [
    'malformed threshold line',
    { 'endpoint-type': 'online', input: '', request: '{}', thresholds: 'latency: p(95)<800\nlatency p99<1500' },
    /Input 'thresholds' is 'latency p99<1500': line 2: write 'metric: condition' such as 'latency: p\(95\)<800'/,
  ],
  [
    'negative tolerance',
    { 'endpoint-type': 'online', input: '', request: '{}', tolerance: 'abs=-1' },
    /'tolerance' is 'abs=-1': abs is '-1', not a number of 0 or more/,
  ],
  [
    'ignore-fields path without $',
    { 'endpoint-type': 'online', input: '', request: '{}', 'ignore-fields': '$.a, b.c' },
    /'ignore-fields' is 'b.c': it does not start with '\$'/,
  ],
  [
    'expected-file shorter than request-file',
    { 'endpoint-type': 'online', input: '', 'request-file': 'r.jsonl', 'expected-file': 'e.jsonl' },
    /'expected-file' is 'e.jsonl': it has 2 lines and r.jsonl 3: line N holds the answer expected to request line N/,
    { 'r.jsonl': '{"a":1}\n{"a":2}\n{"a":3}\n', 'e.jsonl': '{"p":1}\n{"p":2}\n' },
  ],
  ['compare-to without deployment', { 'endpoint-type': 'online', input: '', request: '{}', 'compare-to': 'blue' }, /'compare-to' is 'blue': set 'deployment'/],
];
