// The answer reshaper (shapes.ts) on answers the emulator sends: what it may change and what it
// must keep, whatever the shape — required fields stay, a list keeps its items across its pages,
// lean leaves only what the model requires, and the default answers are untouched.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type AnswerShape, type Emulator } from '../src/index.js';
import { reshape } from '../src/shapes.js';
import { call, mlClient } from './client.js';

const batchEndpoint = {
  id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/batchEndpoints/nightly',
  name: 'nightly',
  location: 'eastus',
  tags: {},
  properties: { authMode: 'AADToken', scoringUri: 'https://x/nightly/jobs', defaults: { deploymentName: 'blue' }, provisioningState: 'Succeeded' },
};
const compute = {
  name: 'cpu',
  properties: { computeType: 'AmlCompute', properties: { scaleSettings: { minNodeCount: 0, maxNodeCount: 4 }, allocationState: 'Steady' } },
  identity: { type: 'SystemAssigned', principalId: 'p' },
};

const shape: fc.Arbitrary<AnswerShape> = fc.record(
  {
    lean: fc.boolean(),
    missing: fc.double({ min: 0, max: 1, noNaN: true }),
    nulls: fc.double({ min: 0, max: 1, noNaN: true }),
    unknownEnums: fc.double({ min: 0, max: 1, noNaN: true }),
    empty: fc.double({ min: 0, max: 1, noNaN: true }),
    extra: fc.double({ min: 0, max: 1, noNaN: true }),
    pages: fc.boolean(),
  },
  { requiredKeys: [] },
);

describe('reshape', () => {
  it('keeps the fields the model requires (location, properties, authMode; computeType as a value)', () =>
    fc.assert(
      fc.property(shape, fc.nat(), (s, seed) => {
        const e = reshape('BatchEndpoint', batchEndpoint, s, seed).body as typeof batchEndpoint;
        expect(e.location).toBe('eastus');
        expect(typeof e.properties.authMode).toBe('string');
        const c = reshape('ComputeResource', compute, { ...s, lean: false, missing: 0, nulls: 0 }, seed).body as typeof compute;
        expect(typeof c.properties.computeType).toBe('string');
      }),
    ));

  it('lean: only what the model requires, and every change is logged', () => {
    const r = reshape('BatchEndpoint', batchEndpoint, { lean: true }, 1);
    expect(r.body).toEqual({ location: 'eastus', properties: { authMode: 'AADToken' } });
    expect(r.changes).toEqual(expect.arrayContaining(['left out properties.scoringUri', 'left out properties.defaults', 'left out name']));
  });

  it("an unknown enum value names the field and the values known, a discriminator its base type's", () => {
    const r = reshape('ComputeResource', compute, { unknownEnums: 1 }, 1);
    expect((r.body as typeof compute).properties.computeType).toBe('FutureComputeType');
    expect(r.changes).toContain(
      "properties.computeType 'FutureComputeType' (known: AKS, Kubernetes, AmlCompute, ComputeInstance, VirtualMachine, HDInsight, DataFactory, Databricks, DataLakeAnalytics, SynapseSpark)",
    );
  });

  it('a list split into pages keeps its items, in order, across them', () =>
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 }), fc.nat(), (n, seed) => {
        const items = Array.from({ length: n }, (_, i) => ({ ...batchEndpoint, name: `e${i}` }));
        const r = reshape('BatchEndpointTrackedResourceArmPaginatedResult', { value: items, nextLink: null }, { pages: true }, seed);
        const pages = [(r.body as { value: unknown[] }).value, ...(r.pages?.rest ?? [])];
        expect(pages.flat().map((e) => (e as { name: string }).name)).toEqual(items.map((e) => e.name));
      }),
    ));
});

describe('through the emulator', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ batchEndpoints: [{ name: 'nightly', deployments: ['a', 'b', 'c', 'd', 'e'] }] });
  });
  afterAll(() => emu.close());

  it('the default answers are not reshaped', async () => {
    const d = await mlClient(emu).batchDeployments.get(emu.resourceGroup, emu.workspace, 'nightly', 'a');
    expect(d.properties.compute).toMatch(/\/computes\/cpu-cluster$/);
    expect(emu.shapeLog).toEqual([]);
  });

  it("a split list's pages are followed by the SDK to every item", async () => {
    emu.setShapes({ BatchDeploymentTrackedResourceArmPaginatedResult: { pages: true, seed: 3 } });
    const names: string[] = [];
    for await (const d of mlClient(emu).batchDeployments.list(emu.resourceGroup, emu.workspace, 'nightly')) names.push(d.name ?? '');
    emu.setShapes(undefined);
    expect(names).toEqual(['a', 'b', 'c', 'd', 'e']);
    const pages = emu.log.filter((e) => e.url.startsWith('/shapes/pages/'));
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.every((e) => e.status === 200)).toBe(true);
    const gone = await call(emu, 'GET', `${emu.urls.management}/shapes/pages/999`);
    expect(gone.status).toBe(404);
  });
});
