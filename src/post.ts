// The post step: a job the main step left running (it was killed, or the runner stopped it) is
// cancelled here, when cancel-on-timeout allows. Jobs started with wait: false are never touched.
import { describeThrown } from './reporting/errors.js';
import { createHttp, type Log } from './azure/http.js';
import type { Inputs } from './inputs.js';
import { cancelJob, FINAL_STATUSES, getJob } from './batch/jobs.js';
import { createSession } from './signin/signin.js';

export interface PostDeps {
  log: Log;
  setSecret: (value: string) => void;
  getIdToken: (audience: string) => Promise<string>;
  env: Record<string, string | undefined>;
}

export async function post(inputs: Inputs, pending: { name: string }, deps: PostDeps): Promise<void> {
  const { log } = deps;
  try {
    const http = createHttp(log);
    const session = createSession(inputs, { http, log, setSecret: deps.setSecret, getIdToken: deps.getIdToken, env: deps.env });
    const { createArm } = await import('./azure/arm-clients.js');
    const arm = createArm(inputs, session, http);
    const job = await getJob(arm, inputs, pending.name);
    if (FINAL_STATUSES.has(job.status)) {
      log.info(`Job ${job.name} ended ${job.status}; nothing to clean up.`);
      return;
    }
    log.info(`Job ${job.name} is still ${job.status} after the main step ended; cancelling it (cancel-on-timeout: true).`);
    await cancelJob(arm, inputs, job.name, log, 5_000);
  } catch (err) {
    // The post step reports, it does not fail the job a second time.
    log.warning(`Could not cancel job ${pending.name}: ${describeThrown(err)}. Cancel it in the studio.`);
  }
}
