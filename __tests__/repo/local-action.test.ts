// .env.example must keep pointing at what `npm run emulator -- --base-port 8440` serves.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoWorld, LOCAL_CLIENT_SECRET } from '../../emulator/src/demo.js';
import { startEmulator } from '../../emulator/src/index.js';
import { actionYml, ROOT } from '../../scripts/runner.js';

describe('.env.example', () => {
  it("matches the emulator's default world and declares only real inputs", async () => {
    const env = Object.fromEntries(
      readFileSync(join(ROOT, '.env.example'), 'utf8')
        .split('\n')
        .filter((l) => /^[A-Z_-]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const emu = await startEmulator(demoWorld(), { basePort: 18440 });
    try {
      const expected = { ...emu.actionInputs(), 'auth-type': 'client-secret', 'client-secret': LOCAL_CLIENT_SECRET };
      for (const [name, value] of Object.entries(expected)) {
        expect(env[`INPUT_${name.toUpperCase()}`], name).toBe(String(value).replace(':18441', ':8441').replace(':18442', ':8442'));
      }
    } finally {
      await emu.close();
    }
    for (const key of Object.keys(env).filter((k) => k.startsWith('INPUT_'))) {
      expect(Object.keys(actionYml.inputs).map((n) => `INPUT_${n.toUpperCase()}`)).toContain(key);
    }
  });
});
