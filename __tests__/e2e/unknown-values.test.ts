// Values the service may add that the spec does not list yet (issue 22): a job status, a
// provisioning state, an auth mode, a datastore type, a credential type. None makes the step crash:
// each is taken as not final (a status), waited for only under wait-for-ready (a state), or fails in
// one line naming the value and what the action supports.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulator, firstLine, JOB_POST, QUICK, requests, step, withEmulator, type Emulator, type StepResult } from './helpers.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await emulator({
    batchEndpoints: [
      { name: 'score-batch', jobPlan: { steps: [{ status: 'Hibernating', durationMs: 2500 }] } },
      { name: 'migrating-batch', provisioningState: 'Migrating' },
      { name: 'quick-batch', jobPlan: QUICK },
    ],
    onlineEndpoints: [{ name: 'score-new-auth', authMode: 'key', reportedAuthMode: 'CertificateToken' }],
    datastores: [
      { name: 'lake', datastoreType: 'AzureDataLakeGen3' },
      { name: 'odd_creds', credentials: 'ServicePrincipal' },
    ],
  });
});
afterAll(() => emu.close());

const batch = { 'endpoint-type': 'batch', input: 'https://example.blob.core.windows.net/data/heart/' };
const unexpected = (r: StepResult) => expect(r.stdout).not.toContain('unexpected error');

describe('a job status the action does not know', () => {
  it('is not final: the job is followed to its end, and the status named once', async () => {
    const r = await step(emu, { ...batch, endpoint: 'score-batch' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs['job-status']).toBe('Completed');
    const named = r.visibleLog.split('\n').filter((l) => l.includes("status 'Hibernating'"));
    expect(named).toHaveLength(1);
    expect(named[0]).toMatch(/^Job batchjob-\S+ reports status 'Hibernating', which this action does not know: it is taken as not yet final/);
  });
});

describe('a provisioning state the action does not know', () => {
  it('without wait-for-ready: one line naming it and the states it knows, nothing invoked', async () => {
    emu.clearLog();
    const r = await step(emu, { ...batch, endpoint: 'migrating-batch' });
    expect(r.code).toBe(1);
    unexpected(r);
    expect(firstLine(r)).toBe(
      "Check batch endpoint 'migrating-batch' in the studio, or set wait-for-ready to wait for it: its provisioning state 'Migrating' is one this action does not know (it knows Succeeded, Creating, Updating, Scaling, Failed, Canceled, Deleting).",
    );
    expect(requests(emu, 'POST', JOB_POST)).toEqual([]);
  });

  it('with wait-for-ready: named, waited for, then the job runs', () =>
    // A world of its own: the state lasts 3 s from the emulator's start.
    withEmulator({ batchEndpoints: [{ name: 'migrated-batch', provisioning: [{ state: 'Migrating', durationMs: 3000 }], jobPlan: QUICK }] }, async (own) => {
      const r = await step(own, { ...batch, endpoint: 'migrated-batch', 'wait-for-ready': '1' });
      expect(r.code, r.stdout).toBe(0);
      const named = r.visibleLog.split('\n').filter((l) => l.includes("provisioning state 'Migrating'"));
      expect(named).toEqual([
        "Batch endpoint 'migrated-batch' reports provisioning state 'Migrating', which this action does not know (it knows Succeeded, Creating, Updating, Scaling, Failed, Canceled, Deleting): it is waited for as one in progress.",
      ]);
      expect(r.outputs['job-status']).toBe('Completed');
    }));
});

describe('an auth mode the action does not know', () => {
  it('fails in one line naming it and the modes it supports, before any scoring', async () => {
    emu.clearLog();
    const r = await step(emu, { 'endpoint-type': 'online', endpoint: 'score-new-auth', request: '{"data": [[1]]}' });
    expect(r.code).toBe(1);
    unexpected(r);
    expect(firstLine(r)).toBe(
      "Online endpoint 'score-new-auth' reports auth mode 'CertificateToken', which this action does not support: it supports Key, AMLToken and AADToken.",
    );
    expect(emu.log.filter((e) => e.service === 'inference')).toEqual([]);
  });
});

describe('a datastore type or credential type the action does not know', () => {
  const upload = (datastore: string) => {
    const cwd = mkdtempSync(join(tmpdir(), 'unknown-'));
    mkdirSync(join(cwd, 'data'));
    writeFileSync(join(cwd, 'data', 'a.csv'), 'x\n');
    return step(emu, { ...batch, endpoint: 'quick-batch', input: 'data', datastore }, { cwd });
  };

  it('a datastore type: one line naming it and the one supported', async () => {
    const r = await upload('lake');
    expect(r.code).toBe(1);
    unexpected(r);
    expect(firstLine(r)).toBe(
      "Set 'datastore' to a Blob datastore: 'lake' is of type 'AzureDataLakeGen3', and this action moves batch data through Azure Blob Storage only (datastore type AzureBlob).",
    );
  });

  it('a credential type: one line naming it and those supported', async () => {
    const r = await upload('odd_creds');
    expect(r.code).toBe(1);
    unexpected(r);
    expect(firstLine(r)).toBe(
      "Use a datastore with an account key, a SAS or no credentials (identity-based): 'odd_creds' holds credentials of type 'ServicePrincipal', which this action cannot use for Blob storage (it supports AccountKey, Sas and None).",
    );
  });
});
