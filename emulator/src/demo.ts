// The world `npm run emulator` serves (also what .env.example is written for).
import type { Emulator, WorldSpec } from './types.js';

export const LOCAL_CLIENT_SECRET = 'local-emulator-secret';

export function demoWorld(o: { seed?: number; latencyMs?: number; clientSecret?: string } = {}): WorldSpec {
  return {
    seed: o.seed ?? 1,
    latencyMs: o.latencyMs ?? 0,
    // A short job, so a client's poll sees it end in seconds.
    jobPlan: {
      steps: [
        { status: 'Preparing', durationMs: 1000 },
        { status: 'Running', durationMs: 2000 },
      ],
    },
    // The secret is for local runs (@github/local-action cannot get a GitHub OIDC token).
    identities: [{ secrets: [o.clientSecret ?? LOCAL_CLIENT_SECRET] }],
    // The world's default endpoints, one of them running as a user-assigned identity granted the two
    // roles its deployment needs to start (so clients read both identity shapes).
    onlineEndpoints: [
      { name: 'score-key', authMode: 'key' },
      {
        name: 'score-token',
        authMode: 'aml_token',
        identity: {
          type: 'UserAssigned',
          identities: [
            {
              name: 'score-token-identity',
              roles: [
                { role: 'AcrPull', scope: 'containerRegistry' },
                { role: 'Storage Blob Data Reader', scope: 'storageAccount' },
              ],
            },
          ],
        },
      },
      { name: 'score-aad', authMode: 'aad_token' },
      // A blue/green rollout for release gates: green, a new model version, answers some rows otherwise.
      {
        name: 'score-release',
        authMode: 'key',
        deployments: [
          { name: 'blue', model: { version: '1' } },
          { name: 'green', model: { version: '2', changes: 0.2, jitter: 1e-7, requestId: true } },
        ],
        traffic: { blue: 100 },
      },
    ],
  };
}

/** The JSON line `npm run emulator` prints: everything a client (check.py, .env) needs. */
export function clientConfig(emu: Emulator): Record<string, unknown> {
  return {
    url: emu.url,
    urls: emu.urls,
    caFile: emu.caFile,
    tenantId: emu.tenantId,
    clientId: emu.identities[0].clientId,
    subscriptionId: emu.subscriptionId,
    resourceGroup: emu.resourceGroup,
    workspace: emu.workspace,
    oidcRequestUrl: emu.oidcRequestUrl,
    oidcRequestToken: emu.oidcRequestToken,
    authorityHost: emu.urls.login,
    resourceManagerEndpoint: emu.urls.management,
    proxyUrl: emu.proxyUrl,
    batchEndpoints: ['score-batch'],
    onlineEndpoints: ['score-key', 'score-token', 'score-aad', 'score-release'],
  };
}
