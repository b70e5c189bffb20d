import { describe, expect, it } from 'vitest';
import { buildJobBody, settingsOnTheWire } from '../../../src/batch/batch.js';

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

describe('job settings and named outputs on the wire', () => {
  it('uses the BatchJob model names, and leaves out what was not set', () => {
    const body = buildJobBody(
      {},
      {
        settings: {
          instanceCount: 3,
          miniBatchSize: 5,
          outputFileName: 'scores.csv',
          errorThreshold: -1,
          maxRetries: 2,
          retryTimeout: 'PT5M',
          loggingLevel: 'Debug',
          maxConcurrencyPerInstance: 4,
        },
        outputPath: { datastore: 'workspaceblobstore', path: 'nightly/' },
        tags: {},
      },
    );
    expect(body.properties).toEqual({
      inputData: {},
      tags: {},
      compute: { instanceCount: 3 },
      miniBatchSize: 5,
      outputFileName: 'scores.csv',
      errorThreshold: -1,
      retrySettings: { maxRetries: 2, timeout: 'PT5M' },
      loggingLevel: 'Debug',
      maxConcurrencyPerInstance: 4,
      outputData: { score: { jobOutputType: 'UriFile', uri: 'azureml://datastores/workspaceblobstore/paths/nightly/scores.csv' } },
    });
    expect(settingsOnTheWire({})).toEqual({});
    expect(settingsOnTheWire({ retryTimeout: 'PT30S' })).toEqual({ retrySettings: { timeout: 'PT30S' } });
  });

  it('sends each named output of a pipeline component under its name', () => {
    const body = buildJobBody(
      {},
      {
        outputs: {
          scores: { type: 'uri_folder', datastore: 'blob', path: 'out/scores/' },
          summary: { type: 'uri_file', datastore: 'blob', path: 'out/s.json' },
        },
        tags: {},
      },
    );
    expect(body.properties).toMatchObject({
      outputData: {
        scores: { jobOutputType: 'UriFolder', uri: 'azureml://datastores/blob/paths/out/scores/' },
        summary: { jobOutputType: 'UriFile', uri: 'azureml://datastores/blob/paths/out/s.json' },
      },
    });
  });
});
