// Whole steps, batch and online, against answers of every model reshaped at once (shapes '*'):
// what the in-process properties of this folder cannot see (the run's own orchestration, the entry
// bundle, @actions/core's read of GitHub's OIDC token answer) still ends in a value or in one line
// naming what it could not use, never in "unexpected error". A step costs about a second, so fewer
// runs here (FC_STEP_RUNS, default 16) than the in-process properties' 200 per answer kind.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { emulator, firstLine, QUICK, step, type Emulator } from '../e2e/helpers.js';
import { shapes } from './harness.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await emulator({
    batchEndpoints: [{ name: 'score-batch', deployments: ['dep-a'], jobPlan: QUICK }],
    onlineEndpoints: [{ name: 'score-key', authMode: 'key' }],
  });
});
afterAll(() => emu.close());

const RUNS = Number(process.env.FC_STEP_RUNS) || 16;
// A job whose status the shapes hide is waited on: a few seconds, then the timeout's own line.
const batch = { 'endpoint-type': 'batch', endpoint: 'score-batch', input: 'https://example.blob.core.windows.net/data/heart/', 'timeout-minutes': '0.05' };
const online = { 'endpoint-type': 'online', endpoint: 'score-key', request: '{"data": [[1, 2, 3]]}' };

it('a step against reshaped answers ends with its outcome or one line, never an unexpected error', { timeout: 600_000 }, () =>
  fc.assert(
    fc.asyncProperty(shapes, fc.constantFrom(batch, online), async (shape, inputs) => {
      emu.setShapes({ '*': shape });
      emu.shapeLog.length = 0;
      try {
        const r = await step(emu, inputs);
        const context = `${r.visibleLog}\nshapes: ${JSON.stringify(emu.shapeLog).slice(0, 4000)}`;
        expect(r.visibleLog, context).not.toMatch(/unexpected error|Cannot read properties of|is not a function|is not iterable/);
        expect([0, 1], context).toContain(r.code);
        if (r.code === 1) expect(firstLine(r), context).not.toMatch(/\bundefined\b|\[object Object\]/);
      } finally {
        emu.setShapes(undefined);
      }
    }),
    { numRuns: RUNS },
  ),
);
