// Shared by the end-to-end tests: an emulator per test file and the action run against it as the
// runner would run it. `npm test` runs the action from source, so a change to src/ is tested without
// a rebuild and counts towards coverage; E2E_NODE=<node binary> runs the committed bundle with that
// Node instead (.ci/run does, with Node 24, the runtime action.yml declares).
import { startEmulator, type Emulator, type RequestLogEntry, type WorldSpec } from '../../emulator/src/index.js';
import { runStep, runMainAndPost, type StepOptions, type StepResult } from '../../scripts/runner.js';

export type { Emulator, StepResult };
export { firstLine } from '../../scripts/runner.js';

export const LAUNCH: Pick<StepOptions, 'node' | 'fromSource'> = process.env.E2E_NODE ? { node: process.env.E2E_NODE } : { fromSource: true };

export async function emulator(spec?: WorldSpec): Promise<Emulator> {
  return startEmulator(spec);
}

/** An emulator of its own for one test, closed however the test ends. */
export async function withEmulator<T>(spec: WorldSpec, fn: (emu: Emulator) => Promise<T>): Promise<T> {
  const emu = await emulator(spec);
  try {
    return await fn(emu);
  } finally {
    await emu.close();
  }
}

type Extra = Omit<StepOptions, 'inputs'> & { identity?: string };

function options(emu: Emulator, inputs: Record<string, string>, extra: Extra = {}): StepOptions {
  const { identity, env, ...rest } = extra;
  return { ...LAUNCH, ...rest, inputs: { ...emu.actionInputs(identity), ...inputs }, env: { ...emu.env(), ...env } };
}

/** Runs the action's main step against the emulator. */
export function step(emu: Emulator, inputs: Record<string, string>, extra?: Extra): Promise<StepResult> {
  return runStep(options(emu, inputs, extra));
}

/** Runs the main step and then the post step, as the runner does. */
export function stepWithPost(emu: Emulator, inputs: Record<string, string>, extra?: Extra) {
  return runMainAndPost(options(emu, inputs, extra));
}

/** Requests in the emulator log matching a method and a path pattern. */
export function requests(emu: Emulator, method: string, path: RegExp): RequestLogEntry[] {
  return emu.log.filter((e) => e.method === method && path.test(e.url.split('?')[0]));
}

export const JOB_POST = /\/jobs$/;

/** A job plan short enough for tests: done before the second poll. */
export const QUICK = { steps: [{ status: 'Running' as const, durationMs: 200 }] };
