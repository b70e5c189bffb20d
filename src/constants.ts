// Every input, output and state name the action uses, in one place, so none drifts from action.yml.

export const Input = {
  clientId: 'client-id',
  tenantId: 'tenant-id',
  subscriptionId: 'subscription-id',
  authType: 'auth-type',
  clientSecret: 'client-secret',
  audience: 'audience',
  cloud: 'cloud',
  authorityHost: 'authority-host',
  resourceManagerEndpoint: 'resource-manager-endpoint',
  resourceGroup: 'resource-group',
  workspace: 'workspace',
  endpointType: 'endpoint-type',
  endpoint: 'endpoint',
  deployment: 'deployment',
  input: 'input',
  inputType: 'input-type',
  inputs: 'inputs',
  datastore: 'datastore',
  outputPath: 'output-path',
  outputs: 'outputs',
  downloadPath: 'download-path',
  experimentName: 'experiment-name',
  instanceCount: 'instance-count',
  miniBatchSize: 'mini-batch-size',
  outputFileName: 'output-file-name',
  errorThreshold: 'error-threshold',
  maxRetries: 'max-retries',
  retryTimeout: 'retry-timeout',
  loggingLevel: 'logging-level',
  maxConcurrencyPerInstance: 'max-concurrency-per-instance',
  wait: 'wait',
  timeoutMinutes: 'timeout-minutes',
  cancelOnTimeout: 'cancel-on-timeout',
  requestFile: 'request-file',
  request: 'request',
  contentType: 'content-type',
  concurrency: 'concurrency',
  maxLatencyMs: 'max-latency-ms',
  expectedFile: 'expected-file',
  tolerance: 'tolerance',
  ignoreFields: 'ignore-fields',
  compareTo: 'compare-to',
  thresholds: 'thresholds',
  junitFile: 'junit-file',
  checkPermissions: 'check-permissions',
  waitForReady: 'wait-for-ready',
  stuckAfterMinutes: 'stuck-after-minutes',
  commentOnPr: 'comment-on-pr',
  githubToken: 'github-token',
  streamLogs: 'stream-logs',
  jobName: 'job-name',
} as const;

export const Output = {
  jobName: 'job-name',
  jobStatus: 'job-status',
  jobUrl: 'job-url',
  scoringUri: 'scoring-uri',
  statusCode: 'status-code',
  response: 'response',
  responseFile: 'response-file',
  latencyP50Ms: 'latency-p50-ms',
  latencyP95Ms: 'latency-p95-ms',
  failedRequests: 'failed-requests',
  latencyP99Ms: 'latency-p99-ms',
  mismatchedRequests: 'mismatched-requests',
  agreementRate: 'agreement-rate',
  missingActions: 'missing-actions',
  outputUri: 'output-uri',
  downloadedFiles: 'downloaded-files',
  durationSeconds: 'duration-seconds',
} as const;

export const State = {
  /** Set by the main step so the same bundle knows it runs as the post step. */
  isPost: 'isPost',
  /** JSON of the batch job the main step left running and that the post step must cancel. */
  pendingJob: 'pendingJob',
} as const;

/** Tag keys this action puts on every batch job it creates. */
export const JobTag = {
  invocationId: 'azureml-invoke.invocation-id',
  repository: 'github.repository',
  runId: 'github.run_id',
  runAttempt: 'github.run_attempt',
} as const;

/** Largest response kept in the `response` output; the whole body goes to `response-file`. */
export const RESPONSE_OUTPUT_LIMIT = 64 * 1024;
