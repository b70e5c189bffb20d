// Which endpoint a job belongs to, as the service records it on the job, and when an attach must stop.
import { describe, expect, it } from 'vitest';
import { jobOwner, ownerMismatch } from '../../../src/batch/attach.js';

describe('jobOwner', () => {
  it("reads today's properties (azureml.endpointname, azureml.deploymentname)", () => {
    // The batch job quoted in the azure.azcollection Ansible module's documentation (trimmed).
    expect(
      jobOwner({
        properties: { 'azureml.endpointname': 'endpoint-ansible', 'azureml.deploymentname': 'deployment-ansible', runSource: 'BatchDeployment' },
        tags: { 'azureml.batchrun': 'true', 'azureml.deploymentname': 'deployment-ansible', 'azureml.jobtype': 'azureml.pipelinejob' },
      }),
    ).toEqual({ endpoint: 'endpoint-ansible', deployment: 'deployment-ansible', batch: true });
  });

  it('reads the description and tag of the job azure-ai-ml recorded (test_batch_job_download)', () => {
    expect(
      jobOwner({
        description: 'Pipeline submission for endpoint: batch-ept-ea54abfc6f49482, deployment: batch-dpm-112135cea80c4e6.',
        tags: { 'azureml.batchrun': 'true', 'azureml.deploymentname': 'batch-dpm-112135cea80c4e6' },
        properties: { 'azureml.runsource': 'azureml.PipelineRun' },
      }),
    ).toEqual({ endpoint: 'batch-ept-ea54abfc6f49482', deployment: 'batch-dpm-112135cea80c4e6', batch: true });
  });

  it('knows nothing from a job that says nothing, and tells a job that is not a batch run', () => {
    expect(jobOwner({})).toEqual({ endpoint: undefined, deployment: undefined, batch: undefined });
    expect(jobOwner({ tags: { team: 'x' }, description: null, properties: null })).toEqual({ endpoint: undefined, deployment: undefined, batch: false });
  });
});

describe('ownerMismatch', () => {
  const owner = { endpoint: 'nightly', deployment: 'blue', batch: true };
  it('lets through a job of the endpoint and deployment named, in any case, or when none is named', () => {
    expect(ownerMismatch('j', owner, { endpoint: 'NIGHTLY', deployment: 'Blue' })).toBeUndefined();
    expect(ownerMismatch('j', owner, { endpoint: '', deployment: undefined })).toBeUndefined();
    expect(ownerMismatch('j', { batch: undefined }, { endpoint: 'nightly' })).toBeUndefined();
  });

  it('names what differs in one line', () => {
    expect(ownerMismatch('j', owner, { endpoint: 'weekly' })).toBe("Check 'endpoint' or 'job-name': job j belongs to batch endpoint 'nightly', not 'weekly'.");
    expect(ownerMismatch('j', owner, { deployment: 'green' })).toBe("Check 'deployment' or 'job-name': job j ran on deployment 'blue', not 'green'.");
    expect(ownerMismatch('j', { batch: false }, {})).toBe("Check 'job-name': job j is not a batch endpoint's job (it has no azureml.batchrun tag).");
  });
});
