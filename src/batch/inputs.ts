// The batch job's inputs: its settings (each left out keeps the deployment's own), its experiment,
// and how the step follows it (wait, timeout, cancel, the stuck-job warning). Its data inputs are
// the storage concern's (storage/inputs.ts).
import { Input } from '../constants.js';
import { bad, boolean, matches, minutesToMs, oneOf, optional, positiveNumber, wholeNumber, type InputGroup, type Read } from '../input-parsing.js';
import { parseDataPlaces, parseJobData, type DataContext, type DataInputs } from '../storage/inputs.js';

/** Job settings sent in the BatchJob body; each one left out keeps the deployment's own. */
export interface JobSettings {
  instanceCount?: number;
  miniBatchSize?: number;
  outputFileName?: string;
  /** -1: tolerate any number of failures. */
  errorThreshold?: number;
  maxRetries?: number;
  /** ISO 8601 duration, e.g. PT30S. */
  retryTimeout?: string;
  loggingLevel?: 'Info' | 'Warning' | 'Debug';
  maxConcurrencyPerInstance?: number;
}

/** The batch job's inputs, read on a batch run only (parseBatchJob). */
export interface BatchJobInputs extends DataInputs {
  experimentName?: string;
  jobSettings: JobSettings;
}

/** How the step follows the job: read on every run, whatever the endpoint type. */
export interface FollowInputs {
  wait: boolean;
  timeoutMs: number;
  cancelOnTimeout: boolean;
  /** When a job that has not started gets its one warning. */
  stuckAfterMs: number;
}

const EXPERIMENT = /^[a-zA-Z0-9][\w.-]{0,254}$/;
const FILE_NAME = /^[^/\\:*?"<>|]{1,255}$/;
const INT_MAX = 2_147_483_647;

const whole = (min: number, max = INT_MAX) => optional((name, raw) => wholeNumber(name, raw, min, max));

/** Seconds ('300') or an ISO 8601 duration ('PT5M'), as the ISO duration the BatchJob model takes. */
function duration(name: string, raw: string): string {
  if (/^\d+$/.test(raw) && Number(raw) > 0) return `PT${Number(raw)}S`;
  if (/^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/i.test(raw)) return raw.toUpperCase();
  return bad(name, raw, "use seconds (e.g. '300') or an ISO 8601 duration (e.g. 'PT5M').");
}

const LOGGING_LEVELS = { info: 'Info', warning: 'Warning', debug: 'Debug' } as const;

export const BATCH_INPUTS = {
  concern: 'batch',
  onlyFor: 'batch',
  inputs: {
    experimentName: {
      name: Input.experimentName,
      description: "Batch: experiment to file the job under. Defaults to the endpoint's.",
      parse: optional((name, raw) =>
        matches(name, raw, EXPERIMENT, 'an experiment name has up to 255 letters, digits, underscores, hyphens or periods and starts with a letter or digit.'),
      ),
    },
    instanceCount: { name: Input.instanceCount, description: "Batch: compute nodes the job runs on. Defaults to the deployment's.", parse: whole(1, 1000) },
    miniBatchSize: { name: Input.miniBatchSize, description: "Batch: files (or rows) per scoring call. Defaults to the deployment's.", parse: whole(1) },
    outputFileName: {
      name: Input.outputFileName,
      description: "Batch: name of the predictions file (e.g. predictions.csv). Defaults to the deployment's.",
      parse: optional((name, raw) => matches(name, raw, FILE_NAME, "use a file name such as 'predictions.csv', without folders.")),
    },
    errorThreshold: {
      name: Input.errorThreshold,
      description: "Batch: failed files (or rows) tolerated before the job fails; -1 tolerates any number. Defaults to the deployment's.",
      parse: whole(-1),
    },
    maxRetries: { name: Input.maxRetries, description: "Batch: times a failed mini-batch is retried. Defaults to the deployment's.", parse: whole(0, 100) },
    retryTimeout: {
      name: Input.retryTimeout,
      description: "Batch: time a mini-batch may take before it is retried, in seconds or as an ISO 8601 duration (PT5M). Defaults to the deployment's.",
      parse: optional(duration),
    },
    loggingLevel: {
      name: Input.loggingLevel,
      description: "Batch: info, warning or debug, the job's log verbosity. Defaults to the deployment's.",
      parse: optional((name, raw) => LOGGING_LEVELS[oneOf(name, raw, ['info', 'warning', 'debug'] as const)]),
    },
    maxConcurrencyPerInstance: {
      name: Input.maxConcurrencyPerInstance,
      description: "Batch: scoring processes per node. Defaults to the deployment's.",
      parse: whole(1, 1000),
    },
    wait: {
      name: Input.wait,
      default: 'true',
      description: 'Batch: wait for the job to end (true) or return right after creating it (false).',
      parse: boolean,
    },
    timeoutMinutes: {
      name: Input.timeoutMinutes,
      default: '60',
      description: 'Batch: stop waiting after this many minutes.',
      parse: (name, raw) => minutesToMs(positiveNumber(name, raw, { max: 10080 })),
    },
    cancelOnTimeout: {
      name: Input.cancelOnTimeout,
      default: 'true',
      description: 'Batch: cancel the job when the wait times out or the workflow is cancelled.',
      parse: boolean,
    },
    stuckAfterMinutes: {
      name: Input.stuckAfterMinutes,
      default: '10',
      description:
        'Batch: after this many minutes still NotStarted, Queued or Preparing, warn once, naming the compute cluster, its nodes and the likely cause.',
      parse: (name, raw) => minutesToMs(positiveNumber(name, raw, { max: 10080 })),
    },
  },
} satisfies InputGroup;

const rows = BATCH_INPUTS.inputs;

/** The job settings (each optional: the deployment's own applies). */
function parseJobSettings(read: Read): JobSettings {
  const settings: JobSettings = {
    instanceCount: read(rows.instanceCount),
    miniBatchSize: read(rows.miniBatchSize),
    errorThreshold: read(rows.errorThreshold),
    maxRetries: read(rows.maxRetries),
    maxConcurrencyPerInstance: read(rows.maxConcurrencyPerInstance),
    outputFileName: read(rows.outputFileName),
    retryTimeout: read(rows.retryTimeout),
    loggingLevel: read(rows.loggingLevel),
  };
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
}

/** The job's data (storage's inputs), its settings and its experiment, in the order they are checked. */
export function parseBatchJob(read: Read, ctx: DataContext): BatchJobInputs {
  const data = parseJobData(read, ctx);
  const jobSettings = parseJobSettings(read);
  const places = parseDataPlaces(read, ctx);
  const experimentName = read(rows.experimentName);
  return { ...data, ...places, jobSettings, experimentName };
}

/** An online run's batch job: none. */
export function noBatchJob(): BatchJobInputs {
  return {
    batchInputs: {},
    outputPath: undefined,
    batchOutputs: {},
    datastore: undefined,
    downloadPath: undefined,
    experimentName: undefined,
    jobSettings: {},
  };
}
