// Every shape the models allow for what decides access: the caller's permissions (at the workspace
// and at a storage account), role assignments and definitions (an endpoint's identity, a compute
// cluster's), Entra's token answer, and GitHub's pull-request comments. Served by the emulator to
// the action's own modules in process; each ends with a value or one line naming what it could not
// use, never a crash (harness.ts judges). GitHub's OIDC token answer is read by @actions/core, in
// the step only: the lean e2e runs (__tests__/e2e/lean.test.ts) serve it lean.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ctx } from '../../src/phases.js';
import { readWithPermissions } from '../../src/phases.js';
import { commentOnPullRequest } from '../../src/github/comment.js';
import type { RunContext } from '../../src/github/context.js';
import { getInputs, type Inputs } from '../../src/inputs.js';
import type { Requirement } from '../../src/permissions/catalog.js';
import { checkEndpointIdentity } from '../../src/permissions/endpoint-identity.js';
import { findMissing } from '../../src/permissions/permissions.js';
import { checkComputeAccess, storagePreflight } from '../../src/permissions/storage.js';
import { createSession } from '../../src/signin/signin.js';
import { property, world, type World } from './harness.js';

let w: World;
let inputs: Inputs;
let account: string;
const ML = 'Microsoft.MachineLearningServices/workspaces';
const workspaceId = () =>
  `/subscriptions/${inputs.subscriptionId}/resourceGroups/${inputs.resourceGroup}/providers/${ML.replace('/workspaces', '')}/workspaces/${inputs.workspace}`;

beforeAll(async () => {
  w = await world({
    batchEndpoints: [{ name: 'nightly', deployments: [{ name: 'blue', compute: 'cpu-cluster' }] }],
    onlineEndpoints: [
      {
        name: 'smoke',
        authMode: 'key',
        identity: { type: 'UserAssigned', identities: [{ name: 'uai-a', roles: [{ role: 'AcrPull', scope: 'resourceGroup' }] }] },
        deployments: [{ name: 'blue', provisioningState: 'Failed', environmentVariables: { KEY: '${{azureml://connections/openai/credentials/key}}' } }],
      },
    ],
    computes: [{ name: 'cpu-cluster' }],
    datastores: [{ name: 'byid', credentials: 'None' }],
    identities: [
      {
        roles: [
          { role: 'Contributor', scope: 'resourceGroup' },
          { role: 'Storage Blob Data Reader', scope: 'storageAccount' },
        ],
      },
    ],
    github: { pullRequests: [{ number: 2, comments: 3 }] },
  });
  const values: Record<string, string> = {
    ...w.emu.actionInputs(),
    'endpoint-type': 'batch',
    endpoint: 'nightly',
    input: 'https://x.blob.core.windows.net/d/',
  };
  inputs = getInputs({ get: (name) => values[name] ?? '', env: {}, readFile: () => '', setSecret: () => undefined }, JSON.parse);
  account = w.emu.storage.accountId(w.emu.storage.datastore('workspaceblobstore').account);
});
afterAll(() => w.close());

const required = (): Requirement[] => [
  { action: `${ML}/read`, scope: workspaceId() },
  { action: `${ML}/batchEndpoints/read`, scope: workspaceId() },
];

describe('permissions', () => {
  it("the caller's permissions at the workspace: read, or one warning that they could not be", () =>
    property(
      w,
      ['PermissionGetResult'],
      async () => {
        const ctx = { inputs: { ...inputs, checkPermissions: 'true' }, arm: w.arm, log: w.log } as unknown as Ctx;
        const { entries } = await readWithPermissions(ctx, () => Promise.resolve('read'), required());
        return entries ? findMissing(entries, required()) : 'not checked';
      },
      () => {
        // An entry that lists no actions says nothing: it is not read as "no permissions".
        const silent = w.emu.shapeLog.some(
          (e) =>
            e.changes.some((c) => /^(left out|null) value\[\]\.actions$/.test(c)) && e.changes.some((c) => /^(left out|null) value\[\]\.dataActions$/.test(c)),
        );
        if (silent) expect(w.lines.join('\n')).toMatch(/Could not read this identity's permissions/);
      },
    ));
  it("the caller's permissions at a storage account, for an identity-based input", () =>
    property(w, ['PermissionGetResult'], async () => {
      const datastore = {
        name: 'byid',
        account: 'st',
        container: 'c',
        accountUrl: 'https://st.blob.core.windows.net',
        accountId: account,
        credentialsType: 'None',
      };
      return storagePreflight({
        arm: w.arm,
        inputs: { ...inputs, checkPermissions: 'true' },
        uses: [{ datastore, what: 'upload' }],
        mountAccounts: [],
        log: w.log,
        notice: (m) => w.lines.push(m),
      });
    }));
});

describe('role assignments and definitions', () => {
  it("an online endpoint's identity: the roles its deployment needs", () =>
    property(w, ['RoleAssignmentListResult', 'RoleDefinition'], () =>
      checkEndpointIdentity(w.arm, { resourceGroup: inputs.resourceGroup, workspace: inputs.workspace, endpoint: 'smoke' }, workspaceId(), 'blue'),
    ));
  it("a compute cluster's identity: blob read on the input's account", () =>
    property(w, ['RoleAssignmentListResult', 'RoleDefinition'], () => checkComputeAccess(w.arm, inputs, `${workspaceId()}/computes/cpu-cluster`, [account])));
});

describe('tokens and comments', () => {
  it("Entra's token answer: a token, or one line saying why not", () =>
    property(w, ['EntraToken'], async () => {
      const session = createSession(inputs, {
        http: w.http,
        log: w.log,
        setSecret: () => undefined,
        getIdToken: () => Promise.resolve(w.emu.mintGithubToken()),
        env: { ACTIONS_ID_TOKEN_REQUEST_URL: w.emu.oidcRequestUrl },
      });
      const token = await session.token(inputs.cloud.armScope);
      expect(token.split('.')).toHaveLength(3);
      return session.principal;
    }));
  it("a pull request's comments: listed, created or updated, or one warning", () =>
    property(w, ['issue-comment[]', 'issue-comment'], () => {
      const run: RunContext = {
        repository: 'contoso/scoring',
        eventName: 'pull_request',
        workflow: 'score',
        job: 'invoke',
        serverUrl: 'https://github.com',
        apiUrl: w.emu.githubApiUrl,
        pullRequest: { number: 2 },
      } as RunContext;
      const token = w.emu.githubToken({ permissions: { 'pull-requests': 'write' } });
      return commentOnPullRequest({
        mode: 'true',
        token,
        summary: 'scored',
        failed: false,
        run,
        inputs,
        http: w.http,
        log: { ...w.log, notice: (m) => w.lines.push(m) },
      });
    }));
});
