// Batch jobs: what the data-plane invoke creates and ARM / run history read back. A job's status is
// a pure function of its plan and the emulator clock (a manual clock moves every job at once).
import { randomUUID } from 'node:crypto';
import type { Prng } from './prng.js';
import type { Clock, JobPlan, JobRecord, JobStatus } from './types.js';

export interface Job {
  name: string;
  /** Data-plane id: …/batchEndpoints/<ep>/deployments/<dep>/jobs/<name>. */
  batchId: string;
  workspace: string;
  endpoint: string;
  deployment: string;
  displayName: string;
  experimentName: string;
  tags: Record<string, string>;
  repeatabilityId?: string;
  /** Client (application) id of the creating principal. */
  createdBy: string;
  /** Object id of the creating principal. */
  createdByOid: string;
  createdAt: number;
  cancelRequestedAt?: number;
  plan: JobPlan;
  inputs: unknown;
  outputs?: unknown;
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

export function isFinal(status: JobStatus): boolean {
  return FINAL.includes(status);
}

/** Status of the job at `now` on the emulator clock. */
export function statusAt(job: Job, now: number): JobStatus {
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

const ADJECTIVES = ['careful', 'lemon', 'lucid', 'affable', 'brave', 'calm', 'witty', 'eager', 'gentle', 'happy', 'jolly', 'kind', 'lively', 'proud', 'quiet', 'sincere', 'tender', 'bold', 'clever', 'dreamy', 'frank', 'keen', 'loyal', 'mellow', 'plucky'];
const NOUNS = ['bulb', 'yacht', 'wing', 'key', 'kettle', 'river', 'pepper', 'garden', 'island', 'lamp', 'oyster', 'pencil', 'rose', 'sail', 'tiger', 'tomato', 'whale', 'owl', 'heart', 'cup', 'fox', 'sun', 'cloud', 'box', 'hamster'];

/** Friendly display names like the service's, e.g. 'careful_bulb_plwyqfx0' (arm-payloads.md §8). */
export function displayName(prng: Prng): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let tail = '';
  for (let i = 0; i < 8; i++) tail += alphabet[Math.floor(prng.next() * alphabet.length)];
  return `${prng.pick(ADJECTIVES)}_${prng.pick(NOUNS)}_${tail}`;
}

export function toRecord(job: Job, clock: Clock): JobRecord {
  return {
    name: job.name,
    workspace: job.workspace,
    endpoint: job.endpoint,
    deployment: job.deployment,
    displayName: job.displayName,
    experimentName: job.experimentName,
    tags: { ...job.tags },
    repeatabilityId: job.repeatabilityId,
    createdBy: job.createdBy,
    createdAt: job.createdAt,
    status: statusAt(job, clock.now()),
    cancelRequestedAt: job.cancelRequestedAt,
    inputs: job.inputs,
    outputs: job.outputs,
  };
}
