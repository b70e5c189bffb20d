// Permission diagnostics end to end: the pre-flight check names exactly what is missing, where, and
// how to fix it, before anything is invoked; refusals met on the way are reported the same way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import catalog from '../../src/permissions/catalog/required-actions.json' with { type: 'json' };
import { emulator, firstLine, JOB_POST, QUICK, requests, step, type Emulator } from './helpers.js';

const ML = 'Microsoft.MachineLearningServices/workspaces';
const BATCH = catalog.batchInvoke.actions;
const FOLLOW = [...catalog.batchFollowJob.poll, ...catalog.batchFollowJob.cancel];
const ONLINE = catalog.onlineInvokeByAuthMode;

let emu: Emulator;
const workspaceScope = () =>
  `/subscriptions/${emu.subscriptionId}/resourceGroups/${emu.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${emu.workspace}`;

beforeAll(async () => {
  const without = (all: string[], one: string) => all.filter((a) => a !== one);
  emu = await emulator({
    batchEndpoints: [{ name: 'score-batch', deployments: ['default'], jobPlan: QUICK }],
    onlineEndpoints: [
      { name: 'score-key', authMode: 'key' },
      { name: 'score-token', authMode: 'aml_token' },
      { name: 'score-aad', authMode: 'aad_token' },
    ],
    roles: [
      ...BATCH.map((a, i) => ({ name: `batch-minus-${i}`, actions: [...without(BATCH, a), ...FOLLOW] })),
      { name: 'ml-all', actions: ['Microsoft.MachineLearningServices/*'] },
      { name: 'ml-but-secrets', actions: ['Microsoft.MachineLearningServices/*'], notActions: [`${ML}/datastores/listsecrets/action`] },
      { name: 'online-read', actions: [`${ML}/onlineEndpoints/read`] },
    ],
    identities: [
      {},
      ...BATCH.map((_, i) => ({ name: `batch-${i}`, roles: [{ role: `batch-minus-${i}`, scope: 'workspace' as const }] })),
      { name: 'owner', roles: [{ role: 'Owner', scope: 'subscription' }] },
      { name: 'auditor', roles: [{ role: 'Owner', scope: 'subscription' }] },
      { name: 'ml-all', roles: [{ role: 'ml-all', scope: 'workspace' }] },
      { name: 'ml-but-secrets', roles: [{ role: 'ml-but-secrets', scope: 'workspace' }] },
      { name: 'scientist', roles: [{ role: 'AzureML Data Scientist', scope: 'workspace' }] },
      { name: 'online-read', roles: [{ role: 'online-read', scope: 'workspace' }] },
      { name: 'nothing', roles: [] },
    ],
  });
});
afterAll(() => emu.close());

const batch = { 'endpoint-type': 'batch', endpoint: 'score-batch', input: 'https://example.blob.core.windows.net/data/' };
const online = (endpoint: string) => ({ 'endpoint-type': 'online', endpoint, request: '{"data": [[1]]}' });
const posted = (clientId: string) => requests(emu, 'POST', JOB_POST).filter((e) => e.token?.appid === clientId);
const id = (name: string) => emu.identities.find((i) => i.name === name)!;

describe.concurrent('pre-flight: a role lacking one batch action fails before any invoke, naming it', () => {
  it.each(BATCH.map((action, i) => [i, action] as const))('#%i %s', async (i, action) => {
    const who = id(`batch-${i}`);
    const r = await step(emu, batch, { identity: who.name });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.outputs['missing-actions'])).toEqual([action]);
    expect(firstLine(r)).toBe(
      `Grant service principal ${who.clientId} (object id ${who.objectId}) '${action}' on workspace '${emu.workspace}' (the az commands below do it), then re-run.`,
    );
    const text = r.annotations[0].message;
    expect(text).toContain(`  ${action}\n      at ${workspaceScope()}`);
    expect(text).toContain(
      `--assignee-object-id ${who.objectId} --assignee-principal-type ServicePrincipal --role "azureml-invoke batch score-batch" --scope ${workspaceScope()}`,
    );
    expect(text).toContain(`"Actions":["${action}"]`);
    expect(text).toContain(`"AssignableScopes":["/subscriptions/${emu.subscriptionId}/resourceGroups/${emu.resourceGroup}"]`);
    expect(r.summary).toContain(`| \`${action}\` | \`${workspaceScope()}\` |`);
    expect(posted(who.clientId)).toHaveLength(0);
  });
});

describe.concurrent('pre-flight: online endpoints need read plus the auth mode action, at endpoint scope', () => {
  it.each([
    ['score-key', ONLINE.key[1]],
    ['score-token', ONLINE.aml_token[1]],
    ['score-aad', ONLINE.aad_token[1]],
  ])('%s without %s', async (endpoint, action) => {
    const who = id('online-read');
    const r = await step(emu, online(endpoint), { identity: who.name });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.outputs['missing-actions'])).toEqual([action]);
    expect(firstLine(r)).toContain(`'${action}' on online endpoint '${endpoint}'`);
    expect(r.annotations[0].message).toContain(`--scope ${workspaceScope()}/onlineEndpoints/${endpoint}`);
    expect(requests(emu, 'POST', /\/score$/).filter((e) => e.url.startsWith(`/${endpoint}/`) && e.token?.appid === who.clientId)).toHaveLength(0);
  });
});

describe.concurrent('roles that cover everything pass; carve-outs are caught', () => {
  it.each(['owner', 'ml-all'])('%s: invokes', async (name) => {
    const r = await step(emu, batch, { identity: name });
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs['missing-actions']).toBe('[]');
    expect(posted(id(name).clientId)).toHaveLength(1);
  });

  it('a NotActions carve-out of one required action', async () => {
    const r = await step(emu, batch, { identity: 'ml-but-secrets' });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.outputs['missing-actions'])).toEqual([`${ML}/datastores/listsecrets/action`]);
  });

  it('AzureML Data Scientist: names what it lacks and why, and the role that covers it', async () => {
    const r = await step(emu, batch, { identity: 'scientist' });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.outputs['missing-actions'])).toEqual([`${ML}/read`, `${ML}/computes/listKeys/action`]);
    const text = r.annotations[0].message;
    expect(text).toContain("Or the built-in role 'Contributor', which covers them:");
    expect(text).toContain(
      `AzureML Data Scientist is not enough: it lacks ${ML}/read (not matched by its Actions); ${ML}/computes/listKeys/action (removed by its NotActions '${ML}/computes/listKeys/action')`,
    );
    expect(text).toContain('up to 10 minutes');
  });
});

describe.concurrent('check-permissions modes', () => {
  it('warn: reports and goes on (Azure then refuses, and that is reported too)', async () => {
    const who = id('scientist');
    const r = await step(emu, { ...batch, 'check-permissions': 'warn' }, { identity: 'scientist' });
    expect(r.annotations.filter((a) => a.level === 'warning')[0].message).toContain(`${ML}/computes/listKeys/action`);
    expect(r.code).toBe(1);
    expect(posted(who.clientId).length).toBeGreaterThan(0);
    expect(firstLine(r)).toContain(`'${ML}/read' on batch endpoint 'score-batch'`);
  });

  it('only: checks and invokes nothing, succeeding when all is allowed', async () => {
    const r = await step(emu, { 'endpoint-type': 'batch', endpoint: 'score-batch', 'check-permissions': 'only' }, { identity: 'auditor' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.visibleLog).toContain('check-permissions: only: nothing was invoked.');
    expect(r.summary).toContain('permissions verified');
    expect(emu.log.filter((e) => e.service === 'inference' && e.token?.appid === id('auditor').clientId)).toHaveLength(0);
  });

  it('only: fails listing what is missing', async () => {
    const r = await step(emu, { ...online('score-key'), 'check-permissions': 'only' }, { identity: 'online-read' });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.outputs['missing-actions'])).toEqual([ONLINE.key[1]]);
  });

  it('false: no permissions request; the resource manager refusal is diagnosed', async () => {
    const who = id('nothing');
    const r = await step(emu, { ...online('score-key'), 'check-permissions': 'false' }, { identity: 'nothing' });
    expect(r.code).toBe(1);
    expect(emu.log.filter((e) => e.url.includes('Microsoft.Authorization/permissions') && e.token?.appid === who.clientId)).toHaveLength(0);
    expect(JSON.parse(r.outputs['missing-actions'])).toEqual([ONLINE.key[0]]);
    expect(firstLine(r)).toBe(
      `Grant service principal ${who.clientId} (object id ${who.objectId}) '${ONLINE.key[0]}' on online endpoint 'score-key' (the az commands below do it), then re-run.`,
    );
  });
});

describe('reactive diagnosis', () => {
  it('aad_token scoring answered 401 is read as the missing score/action', async () => {
    const r = await step(emu, { ...online('score-aad'), 'check-permissions': 'false' }, { identity: 'online-read' });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.outputs['missing-actions'])).toEqual([ONLINE.aad_token[1]]);
    expect(r.annotations[0].message).toContain('answered 401 to a valid Microsoft Entra token');
  });

  it('a batch data-plane 403 is parsed like a resource manager denial', async () => {
    emu.setRoles('ml-but-secrets', [{ role: 'ml-but-secrets', scope: 'workspace' }]);
    const r = await step(emu, { ...batch, 'check-permissions': 'false' }, { identity: 'ml-but-secrets' });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.outputs['missing-actions'])).toEqual([`${ML}/datastores/listsecrets/action`]);
    expect(firstLine(r)).toContain("on batch endpoint 'score-batch'");
  });

  it('a permissions API that refuses is one warning; Azure then names what is missing', async () => {
    emu.world.permissionsApi = 'denied';
    try {
      const r = await step(emu, online('score-key'), { identity: 'online-read' });
      const warnings = r.annotations.filter((a) => a.level === 'warning');
      expect(warnings).toHaveLength(1);
      expect(warnings[0].message).toMatch(/^Could not read this identity's permissions \(Microsoft.Authorization\/permissions: HTTP 403 AuthorizationFailed\)/);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.outputs['missing-actions'])).toEqual([ONLINE.key[1]]);
    } finally {
      emu.world.permissionsApi = 'ok';
    }
  });
});
