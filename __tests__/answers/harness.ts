// What the answer-shape properties share: one long-lived emulator per file, the action's modules
// run in process against it (the SDK clients the action uses, trusting the emulator's CA), a shape
// drawn per run for the answer kind under test (emulator/src/shapes.ts), and the judgement of an
// outcome: a value, or a failure the action meant (an ActionError, one line), never a crash; no
// read reported as not read when the emulator answered it, and no JavaScript error's text anywhere.
import { Agent } from 'node:https';
import fc from 'fast-check';
import { expect } from 'vitest';
import { startEmulator, type AnswerShape, type Emulator, type WorldSpec } from '../../emulator/src/index.js';
import { authzClient, mlClient } from '../../emulator/test/client.js';
import type { Arm } from '../../src/azure/arm.js';
import { createHttp, type Http, type Log } from '../../src/azure/http.js';
import { isActionError } from '../../src/reporting/errors.js';

/** Generated shapes per answer kind: at least 200, more under FC_RUNS. */
export const RUNS = Math.max(200, Number(process.env.FC_RUNS) || 0);

const rate = fc.constantFrom(0, 0.1, 0.3, 0.6, 1);

/** Any shape the model allows: lean, or each kind of change at a rate, lists split or not. */
export const shapes: fc.Arbitrary<AnswerShape> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ lean: fc.constant(true), seed: fc.integer({ min: 1, max: 1e9 }) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      seed: fc.integer({ min: 1, max: 1e9 }),
      missing: rate,
      nulls: rate,
      unknownEnums: rate,
      empty: rate,
      extra: rate,
      pages: fc.boolean(),
    }),
  },
);

export interface World {
  emu: Emulator;
  arm: Arm;
  http: Http;
  lines: string[];
  log: Log;
  close(): Promise<void>;
}

/** The emulator of a file, the clients the action reads it with, and a log that keeps its lines. */
export async function world(spec: WorldSpec): Promise<World> {
  const emu = await startEmulator(spec);
  const lines: string[] = [];
  const log: Log = { info: (m) => lines.push(m), warning: (m) => lines.push(m), debug: () => undefined };
  const agent = new Agent({ ca: emu.caPem, keepAlive: true });
  return {
    emu,
    arm: { ml: mlClient(emu), authz: authzClient(emu) },
    http: createHttp(log, agent),
    lines,
    log,
    close: async () => {
      agent.destroy();
      await emu.close();
    },
  };
}

/** Text that only a JavaScript error writes: a swallowed TypeError shows as one of these. */
const JS_ERROR = /Cannot read properties of|is not a function|is not iterable|Cannot convert undefined or null|undefined is not|null is not|\(reading '/;
/** How the action says a read did not happen. */
const NOT_READ = /\bnot read\b|could not read|cannot read|was not read|could not be read/i;

/** What a run of a module came to. */
export type Outcome = { value: unknown } | { error: unknown };

function describe(o: Outcome, lines: string[]): string {
  const what = 'error' in o ? `threw ${o.error instanceof Error ? `${o.error.name}: ${o.error.message}` : String(o.error)}` : `gave ${JSON.stringify(o.value)}`;
  return [what, ...lines.map((l) => `  log: ${l}`)].join('\n');
}

/**
 * Runs `fn` once per generated shape of the answers named (by model), and judges every outcome
 * (judge: anything else the kind must hold to). A failure names the shape and what it changed.
 */
export async function property(
  w: World,
  models: string[],
  fn: () => Promise<unknown>,
  judge: (o: Outcome, text: string) => void = () => undefined,
  options: { shapes?: fc.Arbitrary<AnswerShape>; runs?: number } = {},
): Promise<void> {
  const runs = options.runs ?? RUNS;
  let reshaped = 0;
  await fc.assert(
    fc.asyncProperty(options.shapes ?? shapes, async (shape) => {
      w.emu.setShapes(Object.fromEntries(models.map((m) => [m, shape])));
      w.emu.clearLog();
      w.lines.length = 0;
      w.emu.shapeLog.length = 0;
      let o: Outcome;
      try {
        o = { value: await fn() };
      } catch (error) {
        o = { error };
      } finally {
        w.emu.setShapes(undefined);
      }
      if (w.emu.shapeLog.length) reshaped++;
      const text = describe(o, w.lines);
      const context = `${text}\nshapes: ${JSON.stringify(w.emu.shapeLog)}`;
      if ('error' in o) {
        expect(isActionError(o.error), `not a failure the action meant:\n${context}`).toBe(true);
        expect((o.error as Error).message, `more than one line:\n${context}`).not.toContain('\n');
      }
      expect(text, `a JavaScript error's text:\n${context}`).not.toMatch(JS_ERROR);
      // What a user reads names values, never a missing one rendered as text.
      const said = ['error' in o && o.error instanceof Error ? o.error.message : '', ...w.lines].join('\n');
      expect(said, `a missing value rendered as text:\n${context}`).not.toMatch(/\bundefined\b|'null'|\bNaN\b|\[object Object\]/);
      // Every request answered (no faults, roles enough): nothing may be reported as not read,
      // unless the line says what of the answer could not be used ('its answer').
      const answered = w.emu.log.every((e) => e.status >= 200 && e.status < 400);
      if (answered)
        for (const l of text.split('\n')) if (NOT_READ.test(l) && !/its answer/.test(l)) expect.fail(`reported as not read though answered:\n${context}`);
      judge(o, text);
    }),
    { numRuns: runs },
  );
  // The answers were reshaped (their routes name these models), in many runs.
  expect(reshaped).toBeGreaterThan(runs / 5);
}
