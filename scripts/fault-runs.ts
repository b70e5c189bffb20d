// Seeded runs of the bundled action against an emulator that faults a share of all responses
// (every service: GitHub, Entra, the resource manager, the data planes). Each run is judged:
// it ended correctly when it either succeeded with exactly the one job it reports, or failed
// with a deliberate message (not "unexpected error"), created at most one job, and left no job
// running once its post step had run. Used by the test suite (a few seeds) and `npm run faults`.
import { startEmulator, type FaultKind } from '../emulator/src/index.js';
import { firstLine, runMainAndPost, type StepOptions } from './runner.js';

interface RunVerdict {
  seed: number;
  code: number | null;
  jobs: number;
  correct: boolean;
  why: string;
  faults: number;
  /** Faults that hit the job-creating POST itself (lost-response: the job was created regardless). */
  postFaults: string[];
  wallMs: number;
}

const FINAL = new Set(['Completed', 'Failed', 'Canceled']);
const KINDS: FaultKind[] = ['429', '429-no-retry-after', '500', '502', '503', '504', 'reset', 'lost-response'];

type Launch = Pick<StepOptions, 'node' | 'fromSource' | 'timeoutMs'>;

async function faultedBatchRun(seed: number, rate: number, launch: Launch): Promise<RunVerdict> {
  const emu = await startEmulator({
    seed,
    batchEndpoints: [{ name: 'score-batch', jobPlan: { steps: [{ status: 'Running', durationMs: 1500 }] } }],
    // Half the runs against a service that neither dedupes nor keeps client tags.
    service: seed % 2 ? { dedupeRepeatability: false, keepClientTags: false } : {},
  });
  try {
    emu.setFaults({ seed, rate, kinds: KINDS });
    const { main, post } = await runMainAndPost({
      ...launch,
      inputs: { ...emu.actionInputs(), 'endpoint-type': 'batch', endpoint: 'score-batch', input: 'https://x.blob.core.windows.net/d/' },
      env: emu.env(),
      timeoutMs: launch.timeoutMs ?? 180_000,
    });
    emu.setFaults(undefined);
    const jobs = emu.jobs();
    const error = firstLine(main);
    const running = jobs.filter((j) => !FINAL.has(j.status) && j.status !== 'CancelRequested');
    let why = '';
    if (jobs.length > 1) why = `${jobs.length} jobs created`;
    else if (main.code === 0 && !(jobs.length === 1 && main.outputs['job-name'] === jobs[0].name && main.outputs['job-status'] === 'Completed'))
      why = 'succeeded without reporting its one completed job';
    else if (main.code !== 0 && (!error || /unexpected error/.test(error))) why = `failed without a deliberate message: ${error || main.stderr.slice(0, 200)}`;
    else if (main.code !== 0 && running.length && post.code !== 0) why = 'left its job running';
    else if (main.code !== 0 && running.length) why = `job still ${running[0].status} after the post step`;
    const postFaults = emu.log.filter((e) => e.fault && e.method === 'POST' && e.service === 'inference').map((e) => e.fault!);
    return {
      seed,
      code: main.code,
      jobs: jobs.length,
      correct: why === '',
      why: why || (main.code === 0 ? 'ok' : error),
      faults: emu.log.filter((e) => e.fault).length,
      postFaults,
      wallMs: main.wallMs,
    };
  } finally {
    await emu.close();
  }
}

/** Runs seeds first..first+count-1, `concurrency` at a time (the committed bundle unless `launch` says otherwise). */
export async function faultedBatchRuns(first: number, count: number, rate: number, concurrency: number, launch: Launch = {}): Promise<RunVerdict[]> {
  const verdicts: RunVerdict[] = [];
  let next = first;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < first + count) verdicts.push(await faultedBatchRun(next++, rate, launch));
    }),
  );
  return verdicts.sort((a, b) => a.seed - b.seed);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = Number(process.argv[2] ?? 100);
  const rate = Number(process.argv[3] ?? 0.2);
  const started = Date.now();
  const verdicts = await faultedBatchRuns(1, count, rate, 4);
  for (const v of verdicts)
    console.log(
      `seed ${String(v.seed).padStart(3)}  exit ${v.code}  jobs ${v.jobs}  faults ${String(v.faults).padStart(2)}${v.postFaults.length ? ` (job POST: ${v.postFaults.join(', ')})` : ''}  ${v.correct ? 'correct' : 'WRONG'}  ${v.why}`,
    );
  const ok = verdicts.filter((v) => v.code === 0).length;
  const correct = verdicts.filter((v) => v.correct).length;
  const jobs = verdicts.reduce((t, v) => t + v.jobs, 0);
  console.log(
    `\n${count} runs at ${rate * 100} % faulted responses: ${correct} ended correctly (${ok} succeeded, ${count - ok} failed with a deliberate message), ${jobs} jobs created, max ${Math.max(...verdicts.map((v) => v.jobs))} per run, ${verdicts.reduce((t, v) => t + v.faults, 0)} faults injected, ${verdicts.filter((v) => v.postFaults.length).length} runs with the job POST itself faulted (${verdicts.filter((v) => v.postFaults.includes('lost-response')).length} of them a lost answer after the job was created); ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  process.exitCode = correct === count ? 0 : 1;
}
