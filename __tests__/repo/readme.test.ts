// The README's tables are action.yml's, and its setup guide grants exactly the catalog's actions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import catalog from '../../src/permissions/catalog/required-actions.json' with { type: 'json' };
import { ROOT } from '../../scripts/runner.js';
import { withTables } from '../../scripts/readme-tables.js';
import { ENDPOINT_IDENTITY_NEEDS } from '../../src/permissions/catalog.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('README', () => {
  it('has the inputs and outputs tables of action.yml (npm run docs)', () => {
    expect(readme).toBe(withTables(readme));
    expect(readme).toContain('| `endpoint-type` | **required** |');
  });

  it('grants exactly the required actions in its least-privilege roles', () => {
    const roles = [...readme.matchAll(/--role-definition '(\{[\s\S]*?\})'/g)].map((m) => JSON.parse(m[1]) as { Actions: string[] });
    expect(roles).toHaveLength(2);
    expect(roles[0].Actions).toEqual([...catalog.batchInvoke.actions, ...catalog.batchFollowJob.poll, ...catalog.batchFollowJob.cancel]);
    expect(roles[1].Actions).toEqual([...new Set(Object.values(catalog.onlineInvokeByAuthMode).flat())]);
  });

  it("grants the online endpoint's own identity each role the catalog says it needs", () => {
    const section = readme.slice(readme.indexOf("#### The online endpoint's own identity"), readme.indexOf('### 3. Data access'));
    const granted = [...section.matchAll(/--role "([^"]+)" --scope/g)].map((m) => m[1]);
    expect(granted).toEqual(ENDPOINT_IDENTITY_NEEDS.map((n) => n.role));
  });

  it('shows the two commands', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm test ');
  });
});
