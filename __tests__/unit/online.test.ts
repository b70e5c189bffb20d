import { describe, expect, it } from 'vitest';
import { percentiles, responseFileContent } from '../../src/online.js';
import { buildJobBody } from '../../src/batch.js';

describe('percentile (nearest rank)', () => {
  it('handles the usual cases', () => {
    expect(percentiles([], 50)).toEqual([0]);
    expect(percentiles([5], 95)).toEqual([5]);
    expect(percentiles([1, 2, 3, 4], 50)).toEqual([2]);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentiles(hundred, 50, 95)).toEqual([50, 95]);
  });
});

describe('response file', () => {
  const r = (body: string) => ({ status: 200, latencyMs: 1, body });
  it('keeps a single body as is', () => {
    expect(responseFileContent([r('{"a": 1}')], false)).toBe('{"a": 1}');
  });
  it('writes one compact JSON line per request, in order', () => {
    expect(responseFileContent([r('{"a": [1,\n 2]}'), r('plain text'), r('')], true)).toBe('{"a":[1,2]}\n"plain text"\n""\n');
  });
});

describe('batch job body', () => {
  it('is camelCase with typed inputs, tags, output and experiment', () => {
    const body = buildJobBody(
      { input_data: { uri: 'https://x/y/', type: 'uri_folder' }, threshold: { literal: '0.5' } },
      { outputPath: { datastore: 'workspaceblobstore', path: 'out/predictions.csv' }, experimentName: 'nightly', tags: { k: 'v' } },
    );
    expect(body).toEqual({
      properties: {
        inputData: { input_data: { jobInputType: 'UriFolder', uri: 'https://x/y/' }, threshold: { jobInputType: 'Literal', value: '0.5' } },
        tags: { k: 'v' },
        outputData: { score: { jobOutputType: 'UriFile', uri: 'azureml://datastores/workspaceblobstore/paths/out/predictions.csv' } },
        properties: { experimentName: 'nightly' },
      },
    });
    const folder = buildJobBody({}, { outputPath: { datastore: 'blob', path: 'out/' }, tags: {} }) as { properties: { outputData: { score: { jobOutputType: string } } } };
    expect(folder.properties.outputData.score.jobOutputType).toBe('UriFolder');
  });
});
