// Model versions behind online deployments: two versions answer alike on most rows and differently
// on the share one changes, with jitter and request ids as noise, all repeatable from the seed.
import { describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type WorldSpec } from '../src/index.js';
import { call, mlClient } from './client.js';

const world = (seed: number): WorldSpec => ({
  seed,
  onlineEndpoints: [
    {
      name: 'churn',
      authMode: 'key',
      deployments: [
        { name: 'blue', model: { version: '1' } },
        { name: 'green', model: { version: '2', changes: 0.3, jitter: 1e-6, requestId: true } },
      ],
      traffic: { blue: 100 },
    },
  ],
});

type Answer = { predictions: number[]; probabilities: number[]; request_id?: string };
const ROWS = Array.from({ length: 400 }, (_, i) => [i, i % 7]);

async function score(emu: Emulator, deployment: string, rows: unknown[] = ROWS): Promise<Answer> {
  const { primaryKey } = await mlClient(emu).onlineEndpoints.listKeys(emu.resourceGroup, emu.workspace, 'churn');
  const r = await call(emu, 'POST', `${emu.urls.inference}/churn/score`, {
    headers: { authorization: `Bearer ${primaryKey}`, 'content-type': 'application/json', 'azureml-model-deployment': deployment },
    body: JSON.stringify({ input_data: { columns: ['tenure', 'plan'], data: rows } }),
  });
  expect(r.status).toBe(200);
  return r.json<Answer>();
}

async function withWorld<T>(seed: number, fn: (emu: Emulator) => Promise<T>): Promise<T> {
  const emu = await startEmulator(world(seed));
  try {
    return await fn(emu);
  } finally {
    await emu.close();
  }
}

describe('model versions', () => {
  it('answer alike on most rows, the other class on the share a version changes, with jitter and request ids', () =>
    withWorld(1, async (emu) => {
      const [blue, green, again] = [await score(emu, 'blue'), await score(emu, 'green'), await score(emu, 'green')];
      expect(blue.predictions).toHaveLength(ROWS.length);
      expect(blue.predictions).toEqual(blue.probabilities.map((p) => (p >= 0.5 ? 1 : 0)));
      const changed = ROWS.map((_, i) => blue.predictions[i] !== green.predictions[i]).filter(Boolean).length / ROWS.length;
      expect(changed).toBeGreaterThan(0.2);
      expect(changed).toBeLessThan(0.4);
      ROWS.forEach((_, i) => {
        const [b, g] = [blue.probabilities[i], green.probabilities[i]];
        const target = blue.predictions[i] === green.predictions[i] ? b : 1 - b;
        expect(Math.abs(g - target)).toBeLessThanOrEqual(1e-6 * Math.abs(target) + 1e-12);
      });
      // Jitter: the same rows on two hosts differ in the last digits.
      expect(green.probabilities.filter((g, i) => blue.predictions[i] === green.predictions[i] && g !== blue.probabilities[i]).length).toBeGreaterThan(0);
      expect(blue.request_id).toBeUndefined();
      expect(green.request_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(again.request_id).not.toBe(green.request_id);
      expect(again.probabilities).toEqual(green.probabilities);
      const d = await mlClient(emu).onlineDeployments.get(emu.resourceGroup, emu.workspace, 'churn', 'green');
      expect(d.properties.model).toMatch(/\/models\/churn-model\/versions\/2$/);
    }));

  it('answer a row the same whatever else the request holds, and repeat from the seed', async () => {
    const rows = [
      [3, 1],
      [9, 2],
    ];
    const first = await withWorld(7, (emu) => score(emu, 'blue', rows));
    const alone = await withWorld(7, (emu) => score(emu, 'blue', [rows[1]]));
    const otherSeed = await withWorld(8, (emu) => score(emu, 'blue', rows));
    expect(alone.probabilities).toEqual([first.probabilities[1]]);
    expect(otherSeed.probabilities).not.toEqual(first.probabilities);
    expect(await withWorld(7, (emu) => score(emu, 'blue', rows))).toEqual(first);
  });
});
