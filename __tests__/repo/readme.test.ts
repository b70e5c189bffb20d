// The README's tables are action.yml's, and its setup guide grants exactly the catalog's actions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import catalog from '../../src/permissions/catalog/required-actions.json' with { type: 'json' };
import { ROOT } from '../../scripts/runner.js';
import { withTables } from '../../scripts/readme-tables.js';

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

  it('shows the two commands', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm test ');
  });
});
