// What the routes share: the world, the signing keys, the clock and the jobs created so far.
import type { Keys } from './identity.js';
import type { Job } from './jobs.js';
import type { Clock, JobPlan } from './types.js';
import { provisioningAt, type Provisioning, type World } from './world.js';

export interface State {
  w: World;
  keys: Keys;
  clock: Clock;
  /** Emulator clock at start: provisioning plans count from here. */
  startedAt: number;
  jobs: Job[];
  nextJobPlans: JobPlan[];
  /** principal object id + repeatability id → job name (when the service dedupes). */
  repeatability: Map<string, string>;
  /** Writes a Completed job's outputs (once) before anyone is told it completed. */
  settle(job: Job): Promise<void>;
}

/** A resource's provisioning state now, on the emulator clock. */
export function stateNow(s: State, p: Provisioning): string {
  return provisioningAt(p, s.clock.now() - s.startedAt);
}
