// Every shape the models allow for what the action reads of a batch job: the batch invoke's reply
// (the data-plane BatchJob), the job and the job list through the resource manager, run history's
// details and child runs. Served by the emulator to the action's own modules in process; each ends
// with a value or one line naming what it could not use, never a crash (harness.ts judges).
// Run history's rundata and resolved URIs are not read by the action, so not here.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessToken } from '../../emulator/test/client.js';
import { readEndpoint, type Endpoint } from '../../src/azure/endpoints.js';
import { jobOwner, ownerMismatch } from '../../src/batch/attach.js';
import { createJob, findOwnJob, newInvocation, type CreateDeps, type CreateRequest } from '../../src/batch/batch.js';
import { getJob } from '../../src/batch/jobs.js';
import { openRunHistory } from '../../src/batch/run-history.js';
import type { Inputs } from '../../src/inputs.js';
import { ActionError } from '../../src/reporting/errors.js';
import { fakeClock } from '../unit/fake-clock.js';
import { property, world, type World } from './harness.js';

let w: World;
let where: Pick<Inputs, 'subscriptionId' | 'resourceGroup' | 'workspace'>;
let endpoint: Endpoint;
let deps: CreateDeps;
let armToken: string;
/** A job this file created, unshaped, and the request that created it. */
let job: { name: string; request: CreateRequest };

const request = (): CreateRequest => {
  const invocation = newInvocation({ repository: 'contoso/scoring', runId: 7, runAttempt: 1 });
  return {
    inputs: where as Inputs,
    endpoint,
    deployment: undefined,
    body: { properties: { inputData: { d: { jobInputType: 'UriFolder', uri: 'https://x.blob.core.windows.net/d/' } }, tags: invocation.tags } },
    invocation,
  };
};

beforeAll(async () => {
  w = await world({ batchEndpoints: [{ name: 'nightly', deployments: ['blue'], jobPlan: { steps: [{ status: 'Running', durationMs: 60_000 }] } }] });
  where = { subscriptionId: w.emu.subscriptionId, resourceGroup: w.emu.resourceGroup, workspace: w.emu.workspace };
  endpoint = await readEndpoint(w.arm, { ...where, endpointType: 'batch', endpoint: 'nightly' });
  const mlToken = await accessToken(w.emu, 'https://ml.azure.com/.default');
  armToken = await accessToken(w.emu, 'https://management.azure.com/.default');
  const me = w.emu.identities[0];
  deps = {
    arm: w.arm,
    http: w.http,
    log: w.log,
    clock: fakeClock(),
    mlToken: () => Promise.resolve(mlToken),
    principal: { clientId: me.clientId, objectId: me.objectId },
    refused: (status, body) => new ActionError('permission', `refused: HTTP ${status} ${body.slice(0, 80)}`),
  };
  const r = request();
  job = { name: (await createJob(deps, r)).name, request: r };
});
afterAll(() => w.close());

describe('a batch job', () => {
  it('the job list, searched for the job of this run', () =>
    property(w, ['JobBaseResourceArmPaginatedResult'], () => findOwnJob(deps, job.request, Date.now() - 60_000)));
  it('the job through the resource manager: its status, owner and studio link', () =>
    property(w, ['JobBase'], async () => {
      const state = await getJob(w.arm, where, job.name);
      const raw = await w.arm.ml.jobs.get(where.resourceGroup, where.workspace, job.name);
      const owner = jobOwner(raw.properties);
      return { state, owner, mismatch: ownerMismatch(job.name, owner, { endpoint: 'nightly' }) };
    }));
  // Last: each run creates a job, and the list the searches read grows with them.
  it("the batch invoke's reply: the job is followed, found again when the reply does not name it", () =>
    property(
      w,
      ['BatchJobResource', 'JobBaseResourceArmPaginatedResult'],
      () => createJob(deps, request()),
      (o) => {
        if ('value' in o) expect((o.value as { name: string }).name).toMatch(/^batchjob-/);
      },
    ));
});

describe('run history', () => {
  it("a job's details and its steps, and the step's details", () =>
    property(w, ['RunDetails', 'PaginatedRunList'], async () => {
      const history = await openRunHistory(w.arm, w.http, where, () => Promise.resolve(armToken));
      if (!history) return 'no run history';
      const details = await history.details(job.name);
      const steps = await history.children(job.name);
      return { details, steps, step: steps[0] ? await history.details(steps[0].runId) : undefined };
    }));
  it('the steps split into pages at any point, an empty first page included: the scoring step is found', () =>
    property(
      w,
      ['PaginatedRunList'],
      async () => {
        const history = await openRunHistory(w.arm, w.http, where, () => Promise.resolve(armToken));
        return history?.children(job.name);
      },
      (o) => expect('value' in o && (o.value as { moduleName?: string }[]).map((c) => c.moduleName)).toEqual(['batchscoring']),
      { shapes: fc.record({ pages: fc.constant(true), seed: fc.integer({ min: 1, max: 1e9 }) }) },
    ));
});
