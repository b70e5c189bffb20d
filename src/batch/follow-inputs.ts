// The inputs that say how a batch job is followed: stream-logs, and job-name, which attaches to a
// job an earlier step or workflow started instead of creating one (the service names jobs itself,
// so job-name never names a new one).
import { Input } from '../constants.js';
import { bad, oneOf } from '../inputs.js';
import type { StreamLogs } from './log-follower.js';

/** Job names as azure-ai-ml validates them: a letter or digit, then letters, digits, '-' and '_'. */
const JOB_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$/;

/** Inputs that shape a new job: a job that exists has them already. */
const CREATION_ONLY = [
  Input.input,
  Input.inputs,
  Input.datastore,
  Input.experimentName,
  Input.instanceCount,
  Input.miniBatchSize,
  Input.errorThreshold,
  Input.maxRetries,
  Input.retryTimeout,
  Input.loggingLevel,
  Input.maxConcurrencyPerInstance,
];

export interface FollowInputs {
  /** Batch: what of a running job the log shows. */
  streamLogs: StreamLogs;
  /** Batch: an existing job to follow instead of creating one. */
  jobName?: string;
}

/** stream-logs and job-name, checked against the inputs that cannot go with them. */
export function parseFollowInputs(get: (name: string) => string): FollowInputs {
  const streamLogs = oneOf(Input.streamLogs, get(Input.streamLogs) || 'progress', ['progress', 'true', 'false'] as const);
  const jobName = get(Input.jobName);
  if (!jobName) return { streamLogs };
  if (!JOB_NAME.test(jobName)) {
    bad(Input.jobName, jobName, "name the job as the studio or the earlier step's job-name output does (letters, digits, '-' and '_'), e.g. batchjob-<id>.");
  }
  const creating = CREATION_ONLY.find((name) => get(name));
  if (creating) bad(creating, get(creating), `'${Input.jobName}' follows a job that exists, which has its ${creating} already: remove one of the two.`);
  if (/^false$/i.test(get(Input.wait))) bad(Input.wait, get(Input.wait), `'${Input.jobName}' attaches to a job to wait for it: remove one of the two.`);
  return { streamLogs, jobName };
}
