// Whole steps, batch and online, against answers of every model reshaped at once (shapes '*'):
// what the in-process properties of this folder cannot see (the run's own orchestration, the entry
// bundle, @actions/core's read of GitHub's OIDC token answer) still ends in a value or in one line
// naming what it could not use, never in "unexpected error". A step costs about a second, so fewer
// runs here (FC_STEP_RUNS, default 10) than the in-process properties' 200 per answer kind.
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

const RUNS = Number(process.env.FC_STEP_RUNS) || 10;
// A job whose status the shapes hide is waited on: a few seconds, then the timeout's own line.
const batch = {
  'endpoint-type': 'batch',
  endpoint: 'score-batch',
  deployment: 'dep-a',
  input: 'https://example.blob.core.windows.net/data/heart/',
  'timeout-minutes': '0.05',
};
const online = { 'endpoint-type': 'online', endpoint: 'score-key', deployment: 'blue', request: '{"data": [[1, 2, 3]]}' };
/** The models of the answers a step reads (the routes that name them: emulator/README.md, "Answer shapes"). */
const MODELS = [
  'GithubIdToken',
  'EntraToken',
  'BatchEndpoint',
  'BatchDeployment',
  'OnlineEndpoint',
  'OnlineDeployment',
  'EndpointAuthKeys',
  'PermissionGetResult',
  'Workspace',
  'BatchJobResource',
  'JobBase',
  'JobBaseResourceArmPaginatedResult',
  'RunDetails',
  'PaginatedRunList',
  'OperationStatusResult',
];

it('a step against reshaped answers ends with its outcome or one line, never an unexpected error', { timeout: 600_000 }, () =>
  fc.assert(
    fc.asyncProperty(
      shapes,
      fc.subarray(MODELS, { minLength: 1, maxLength: 4 }),
      fc.constantFrom(batch, online),
      fc.constantFrom('true', 'false'),
      async (shape, models, inputs, check) => {
        emu.setShapes(Object.fromEntries(models.map((m) => [m, shape])));
        emu.shapeLog.length = 0;
        try {
          const r = await step(emu, { ...inputs, 'check-permissions': check });
          if (process.env.SHOW_LINES) console.log(`LINE ${inputs['endpoint-type']} ${r.code} ${firstLine(r)}`);
          const context = `${r.visibleLog}\nshapes: ${JSON.stringify(emu.shapeLog).slice(0, 4000)}`;
          expect(r.visibleLog, context).not.toMatch(/unexpected error|Cannot read properties of|is not a function|is not iterable/);
          expect([0, 1], context).toContain(r.code);
          if (r.code === 1) expect(firstLine(r), context).not.toMatch(/\bundefined\b|\[object Object\]/);
        } finally {
          emu.setShapes(undefined);
        }
      },
    ),
    { numRuns: RUNS },
  ),
);
