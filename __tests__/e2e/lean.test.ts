// The batch and online happy paths against lean shapes (WorldSpec.lean, the emulator's --lean):
// every answer carries only the fields its model requires (emulator/src/shapes.ts), as Azure may
// answer. Each step ends with one line a user can act on, never an unexpected error: the lean
// endpoint names no default deployment and routes no traffic; named, its deployment is read, and
// the endpoint's missing scoring URI (read-only, optional) is what stops the run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulator, firstLine, QUICK, requests, step, type Emulator } from './helpers.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await emulator({
    lean: true,
    batchEndpoints: [{ name: 'score-batch', deployments: ['dep-a'], jobPlan: QUICK }],
    onlineEndpoints: [{ name: 'score-key', authMode: 'key' }],
  });
});
afterAll(() => emu.close());

const batch = { 'endpoint-type': 'batch', endpoint: 'score-batch', input: 'https://example.blob.core.windows.net/data/heart/' };
const online = { 'endpoint-type': 'online', endpoint: 'score-key', request: '{"data": [[1, 2, 3]]}' };

describe('the happy paths against lean answers', () => {
  it('batch: the endpoint names no default deployment', async () => {
    const r = await step(emu, batch);
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe("Set 'deployment': batch endpoint 'score-batch' has no default deployment.");
    expect(emu.shapeLog.some((e) => e.model === 'BatchEndpoint' && e.changes.includes('left out properties.defaults'))).toBe(true);
  });

  it('online: the endpoint routes no traffic', async () => {
    const r = await step(emu, online);
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe("Set 'deployment' or give a deployment traffic: online endpoint 'score-key' routes no traffic to any deployment.");
  });

  it.each([
    ['batch', { ...batch, deployment: 'dep-a' }],
    ['online', { ...online, deployment: 'blue' }],
  ])('%s, deployment named and no pre-flight: an endpoint without a scoring URI is not invoked', async (kind, inputs) => {
    emu.clearLog();
    const r = await step(emu, { ...inputs, 'check-permissions': 'false' });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toBe(
      `Check ${kind} endpoint '${inputs.endpoint}': it reports no scoring URI (provisioning state not given), so it cannot be invoked yet.`,
    );
    expect(requests(emu, 'GET', /\/deployments\/(dep-a|blue)$/)).toHaveLength(1);
  });
});
