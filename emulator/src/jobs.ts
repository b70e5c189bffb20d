// Batch jobs: what the data-plane invoke creates and ARM / run history read back. A job's status is
// a pure function of its plan and the emulator clock (a manual clock moves every job at once).
import { randomUUID } from 'node:crypto';
import type { Prng } from './prng.js';
import type { AnyJobStatus, Clock, JobPlan, JobRecord, JobStatus } from './types.js';

/** A job as the emulator keeps it: what tests see (JobRecord, but for the status, which is
 *  computed) and what the routes need besides. */
export interface Job extends Omit<JobRecord, 'status'> {
  /** Data-plane id: …/batchEndpoints/<ep>/deployments/<dep>/jobs/<name>. */
  batchId: string;
  /** Object id of the creating principal (createdBy is its client id). */
  createdByOid: string;
  /** Run id of the pipeline's batchscoring step (run history lists it as the job's child). */
  childRunId: string;
  plan: JobPlan;
  /** Job settings of the BatchJob body, by wire name (runs.ts parseSettings). */
  settings: Record<string, unknown>;
  /** Writing the outputs of a Completed job, once. */
  settling?: Promise<void>;
}

/** Default plan (types.ts WorldSpec.jobPlan): Preparing 1.5 s, Running 2.5 s, Finalizing 0.5 s, Completed. */
export const DEFAULT_PLAN: JobPlan = {
  steps: [
    { status: 'Preparing', durationMs: 1500 },
    { status: 'Running', durationMs: 2500 },
    { status: 'Finalizing', durationMs: 500 },
  ],
  final: 'Completed',
};

const FINAL: readonly JobStatus[] = ['Completed', 'Failed', 'Canceled'];

export function isFinal(status: AnyJobStatus): boolean {
  return (FINAL as readonly string[]).includes(status);
}

/** Status of the job at `now` on the emulator clock. */
export function statusAt(job: Job, now: number): AnyJobStatus {
  if (job.cancelRequestedAt !== undefined) {
    return now - job.cancelRequestedAt >= (job.plan.cancelDelayMs ?? 500) ? 'Canceled' : 'CancelRequested';
  }
  let t = now - job.createdAt;
  for (const step of job.plan.steps ?? []) {
    if (t < step.durationMs) return step.status;
    t -= step.durationMs;
  }
  return job.plan.final ?? 'Completed';
}

export function newJobName(): string {
  return `batchjob-${randomUUID()}`;
}

const ADJECTIVES = [
  'careful',
  'lemon',
  'lucid',
  'affable',
  'brave',
  'calm',
  'witty',
  'eager',
  'gentle',
  'happy',
  'jolly',
  'kind',
  'lively',
  'proud',
  'quiet',
  'sincere',
  'tender',
  'bold',
  'clever',
  'dreamy',
  'frank',
  'keen',
  'loyal',
  'mellow',
  'plucky',
];
const NOUNS = [
  'bulb',
  'yacht',
  'wing',
  'key',
  'kettle',
  'river',
  'pepper',
  'garden',
  'island',
  'lamp',
  'oyster',
  'pencil',
  'rose',
  'sail',
  'tiger',
  'tomato',
  'whale',
  'owl',
  'heart',
  'cup',
  'fox',
  'sun',
  'cloud',
  'box',
  'hamster',
];

/** Friendly display names like the service's, e.g. 'careful_bulb_plwyqfx0' (arm-payloads.md §8). */
export function displayName(prng: Prng): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let tail = '';
  for (let i = 0; i < 8; i++) tail += alphabet[Math.floor(prng.next() * alphabet.length)];
  return `${prng.pick(ADJECTIVES)}_${prng.pick(NOUNS)}_${tail}`;
}

export function toRecord(job: Job, clock: Clock): JobRecord {
  const { batchId: _batchId, createdByOid: _oid, plan: _plan, settings: _settings, settling: _settling, ...record } = job;
  return { ...record, tags: { ...job.tags }, status: statusAt(job, clock.now()) };
}
