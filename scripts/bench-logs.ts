// The bench's half-hour batch job followed live (npm run bench -- --only logs): the action's own
// poller and log follower (stream-logs: true) against the emulator's growing log files, on its
// manual clock, so 30 simulated minutes pass in seconds. What following costs: requests per poll
// (run history, log files) and bytes read against the bytes of log shown; and the check that a file
// is read again only when it grew: every read that brought bytes brought new ones, whether the
// service honours Range (206 from the last offset, each byte once) or ignores it (200 with the whole
// blob, which If-None-Match keeps to once per change).
import { Agent } from 'node:https';
import { startEmulator } from '../emulator/src/index.js';
import { accessToken, createBatchJob } from '../emulator/test/client.js';
import type { Arm } from '../src/azure/arm.js';
import { createHttp } from '../src/azure/http.js';
import { FINAL_STATUSES, pollJob } from '../src/batch/jobs.js';
import { LogFollower } from '../src/batch/log-follower.js';
import { openRunHistory } from '../src/batch/run-history.js';
import type { Bench } from './bench-kit.js';

const MIN = 60_000;
const quiet = { info: () => undefined, warning: () => undefined, debug: () => undefined };

interface Followed {
  polls: number;
  historyReads: number;
  fileReads: number;
  whole: number;
  bytes: number;
  fresh: number;
  fruitless: number;
  lines: number;
}

/** A 30-minute job of 100 mini-batches followed to its end; what it cost. */
async function follow(rangeReads: boolean): Promise<Followed> {
  const emu = await startEmulator({
    clock: 'manual',
    service: { logRangeReads: rangeReads },
    jobPlan: { steps: [{ status: 'Running', durationMs: 30 * MIN }], progress: { miniBatches: 100 } },
  });
  try {
    const name = await createBatchJob(emu);
    const http = createHttp(quiet, new Agent({ keepAlive: true, ca: emu.caPem }));
    // Run history is found through the workspace's discovery URL; nothing else of the resource manager is needed here.
    const arm = { ml: { workspaces: { get: () => Promise.resolve({ discoveryUrl: `${emu.urls.mlapi}/discovery` }) } } } as unknown as Arm;
    const token = await accessToken(emu, 'https://management.azure.com/.default');
    const where = { subscriptionId: emu.subscriptionId, resourceGroup: emu.resourceGroup, workspace: emu.workspace };
    const history = await openRunHistory(arm, http, where, () => Promise.resolve(token));
    let lines = 0;
    // Time moves on only once the poll's reads are done, as it would for a real job.
    const clock = {
      now: () => emu.clock.now(),
      sleep: async (ms: number) => {
        await follower.idle();
        emu.clock.advance(ms);
      },
    };
    const follower: LogFollower = new LogFollower({
      job: name,
      history: () => Promise.resolve(history),
      http,
      clock,
      lines: true,
      out: { info: () => void lines++, notice: () => undefined, debug: () => undefined, progress: () => undefined },
    });
    emu.clearLog();
    const outcome = await pollJob({
      read: () => Promise.resolve({ name, status: emu.jobs().find((j) => j.name === name)!.status }),
      initial: { name, status: 'Running' },
      clock,
      signal: new AbortController().signal,
      timeoutMs: 2 * 3600_000,
      log: quiet,
      onChange: () => undefined,
      onRead: (j) => {
        if (!FINAL_STATUSES.has(j.status)) follower.poll(j.status);
      },
    });
    await follower.finish(outcome.job.status);
    const files = emu.log.filter((e) => /\/azureml\/ExperimentRun\/dcid\./.test(e.url));
    return {
      polls: follower.stats.polls,
      historyReads: emu.log.filter((e) => e.url.startsWith('/history/')).length,
      fileReads: files.length,
      whole: files.filter((e) => e.status === 200).length,
      bytes: follower.stats.bytes,
      fresh: follower.stats.fresh,
      fruitless: follower.stats.fruitless,
      lines,
    };
  } finally {
    await emu.close();
  }
}

function describe(f: Followed): string {
  const perPoll = (n: number) => (n / f.polls).toFixed(1);
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  return (
    `${f.polls} polls, ${perPoll(f.historyReads)} run-history + ${perPoll(f.fileReads)} log-file reads per poll; ` +
    `${kb(f.bytes)} read for ${kb(f.fresh)} of log (${(f.bytes / f.fresh).toFixed(2)}×, ${f.lines} lines shown), ` +
    `${f.whole} whole-file answers, ${f.fruitless} reads with nothing new`
  );
}

export async function followLogs(b: Bench): Promise<void> {
  const ranged = await follow(true);
  b.table.add({
    latency: '',
    figure: 'A 30-min batch job followed live, stream-logs: true (simulated clock)',
    value: describe(ranged),
    target: 'only what grew is read: each byte once, no read without news',
    met: ranged.bytes === ranged.fresh && ranged.whole === 0 && ranged.fruitless === 0,
  });
  const whole = await follow(false);
  b.table.add({
    latency: '',
    figure: 'The same job on a service that ignores Range (200 with the whole blob)',
    value: describe(whole),
    target: 'a file fetched whole at most once per change',
    met: whole.fruitless === 0 && whole.fresh === ranged.fresh,
  });
}
