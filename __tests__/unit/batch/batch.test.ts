import { describe, expect, it } from 'vitest';
import { buildJobBody } from '../../../src/batch/batch.js';

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
    const folder = buildJobBody({}, { outputPath: { datastore: 'blob', path: 'out/' }, tags: {} }) as {
      properties: { outputData: { score: { jobOutputType: string } } };
    };
    expect(folder.properties.outputData.score.jobOutputType).toBe('UriFolder');
  });
});
