// The RBAC matcher against a plain reference: a wildcard match written out character by character,
// and Azure's rule as the documentation states it, for random patterns, actions and role entries.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actionMatches, isAllowed, missingActions, type PermissionEntry } from '../../../src/permissions/rbac.js';

/** Case-insensitive; '*' matches any run of characters, '/' included; everything else itself. */
function referenceMatch(pattern: string, action: string): boolean {
  const p = pattern.trim().toLowerCase();
  const a = action.trim().toLowerCase();
  // can[i][j]: does p[i..] match a[j..]?
  const can: boolean[][] = Array.from({ length: p.length + 1 }, () => new Array<boolean>(a.length + 1).fill(false));
  can[p.length][a.length] = true;
  for (let i = p.length - 1; i >= 0; i--) {
    for (let j = a.length; j >= 0; j--) {
      can[i][j] = p[i] === '*' ? can[i + 1][j] || (j < a.length && can[i][j + 1]) : j < a.length && p[i] === a[j] && can[i + 1][j + 1];
    }
  }
  return can[0][0];
}

/** Allowed when some entry's Actions match and none of that same entry's NotActions do. */
const referenceAllowed = (entries: PermissionEntry[], action: string) =>
  entries.some((e) => (e.actions ?? []).some((p) => referenceMatch(p, action)) && !(e.notActions ?? []).some((p) => referenceMatch(p, action)));

// Azure action strings never hold control characters, but '*' must match any run of characters all
// the same: a RegExp's '.' stops at line terminators (\n, \r, U+2028, U+2029).
const CONTROL = ['\n', '\r', '\t', '\0', '\v', '\u001f', '\u007f', '\u0085', '\u2028', '\u2029'];
// Segments of real actions, and characters a regular expression would read as syntax.
const segment = fc.oneof(
  fc.constantFrom(
    'Microsoft.MachineLearningServices',
    'workspaces',
    'batchEndpoints',
    'onlineEndpoints',
    'jobs',
    'read',
    'write',
    'action',
    'listKeys',
    'score',
  ),
  fc.string({ unit: fc.constantFrom('a', 'B', '.', '(', ')', '+', '?', '$', '^', '[', ']', '{', '|', '\\', 'é', ...CONTROL), maxLength: 4 }),
);
const caseOf = (s: string, flips: boolean[]) => [...s].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c.toLowerCase())).join('');
const action = fc
  .tuple(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }))
  .map(([s, f]) => caseOf(s.join('/'), f));
/** A pattern: an action with some segments, or parts of them, replaced by '*'. */
const pattern = fc.oneof(
  action,
  fc
    .tuple(fc.array(fc.oneof(segment, fc.constant('*')), { minLength: 1, maxLength: 5 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }))
    .map(([s, f]) => caseOf(s.join('/'), f)),
  fc.tuple(action, fc.nat(), fc.nat()).map(([a, i, n]) => `${a.slice(0, i % (a.length + 1))}*${a.slice((i % (a.length + 1)) + (n % 4))}`),
  fc.constant('*'),
);
const entry = fc.record({ actions: fc.array(pattern, { maxLength: 4 }), notActions: fc.array(pattern, { maxLength: 3 }) });

describe('RBAC matcher = the reference (fast-check)', () => {
  it('actionMatches, for patterns made from the action itself', () => {
    fc.assert(
      fc.property(action, fc.nat(), fc.nat(), (a, i, n) => {
        const at = i % (a.length + 1);
        const p = `${a.slice(0, at)}*${a.slice(at + (n % 5))}`;
        expect(actionMatches(p, a)).toBe(referenceMatch(p, a));
        expect(actionMatches(a.toUpperCase(), a)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('actionMatches, for unrelated patterns and actions', () => {
    fc.assert(
      fc.property(pattern, action, (p, a) => {
        expect(actionMatches(p, a)).toBe(referenceMatch(p, a));
      }),
      { numRuns: 5000 },
    );
  });

  it('isAllowed and missingActions, for random role entries', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 4 }), fc.array(action, { minLength: 1, maxLength: 6 }), (entries, required) => {
        for (const a of required) expect(isAllowed(entries, a)).toBe(referenceAllowed(entries, a));
        expect(missingActions(entries, required)).toEqual(required.filter((a) => !referenceAllowed(entries, a)));
      }),
      { numRuns: 3000 },
    );
  });

  it("a NotActions entry is no deny: another entry's Actions still grant", () => {
    fc.assert(
      fc.property(action, entry, (a, other) => {
        expect(
          isAllowed(
            [
              { actions: ['*'], notActions: [a] },
              { ...other, actions: [...other.actions, a] },
            ],
            a,
          ),
        ).toBe(referenceAllowed([{ ...other, actions: [...other.actions, a] }], a));
      }),
      { numRuns: 2000 },
    );
  });
});
