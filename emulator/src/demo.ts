// The world `npm run emulator` serves (also what .env.example is written for).
import type { WorldSpec } from './types.js';

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
  };
}
