// The matcher against a reference written another way, on random JSON: the reference flattens the
// expected value into its places, looks each up in the answer by path, and decides what
// ignore-fields leaves out with a regular expression over the written path; the matcher walks both
// values together and matches path patterns step by step. Both must find the same mismatches.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPath, parsePath, covers, type Path } from '../../../src/online/json-path.js';
import { isClose, MISSING, mismatches, type Tolerance } from '../../../src/online/matching.js';

const KEYS = ['a', 'b', 'c', 'a b', 'x.y', '_1'] as const;
const key = fc.constantFrom(...KEYS);
const leaf = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('x', 'y', ''),
);
const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('json'), { maxLength: 3 }), fc.dictionary(key, tie('json'), { maxKeys: 3 })),
}));

/** Answers near the expected one: numbers nudged within or beyond a tolerance, keys dropped or added, arrays grown or cut. */
function near(v: unknown): fc.Arbitrary<unknown> {
  if (Array.isArray(v)) {
    const items = v as unknown[];
    return fc.oneof(fc.tuple(...items.map(near)), fc.constant([...items, 1]), fc.constant(items.slice(1)));
  }
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    return fc.oneof(
      fc.record(Object.fromEntries(keys.map((k) => [k, near(o[k])]))),
      fc.constant(Object.fromEntries(keys.slice(1).map((k) => [k, o[k]]))),
      fc.constant({ ...o, extra: 1 }),
    );
  }
  if (typeof v === 'number') return fc.constantFrom(v, v * (1 + 1e-7), v + 1e-9, v + 1e-4, v + 1, -v, String(v));
  return fc.oneof(fc.constant(v), leaf);
}

const pair = json.chain((e) => fc.tuple(fc.constant(e), fc.oneof(near(e), json)));
const tolerance: fc.Arbitrary<Tolerance> = fc.record({ abs: fc.constantFrom(0, 1e-8, 1e-3, 1), rel: fc.constantFrom(0, 1e-5, 0.1) });

/** A step of a pattern: a name, an index or '*' (any child). */
type Token = { deep: boolean; select: string | number };
const token: fc.Arbitrary<Token> = fc.record({
  deep: fc.boolean(),
  select: fc.oneof(key, fc.integer({ min: 0, max: 2 }), fc.constant('*' as const)),
});

const DOT = /^[A-Za-z_$][\w$-]*$/;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The pattern as a user writes it. */
function patternText(tokens: Token[], bracketsForAny: boolean): string {
  return `$${tokens
    .map(({ deep, select }) => {
      const lead = deep ? '..' : '.';
      if (select === '*') return bracketsForAny ? `${deep ? '..' : ''}[*]` : `${lead}*`;
      if (typeof select === 'number') return `${deep ? '..' : ''}[${select}]`;
      return DOT.test(select) ? `${lead}${select}` : `${deep ? '..' : ''}['${select}']`;
    })
    .join('')}`;
}

/** The reference's reading of the same tokens: a regular expression over written paths, matching a written prefix. */
function patternRegex(tokens: Token[]): RegExp {
  const anyStep = String.raw`(?:\.[A-Za-z_$][\w$-]*|\['[^']*'\]|\[\d+\])`;
  const body = tokens
    .map(({ deep, select }) => {
      const one = select === '*' ? anyStep : typeof select === 'number' ? escape(`[${select}]`) : escape(DOT.test(select) ? `.${select}` : `['${select}']`);
      return deep ? `${anyStep}*?${one}` : one;
    })
    .join('');
  return new RegExp(`^\\$${body}(?=[.[]|$)`);
}

const written = (path: Path) => `$${path.map((k) => (typeof k === 'number' ? `[${k}]` : DOT.test(k) ? `.${k}` : `['${k}']`)).join('')}`;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function flatten(v: unknown, path: Path = []): { path: Path; value: unknown }[] {
  const here = { path, value: v };
  if (Array.isArray(v)) return [here, ...v.flatMap((x, i) => flatten(x, [...path, i]))];
  if (isObj(v)) return [here, ...Object.keys(v).flatMap((k) => flatten(v[k], [...path, k]))];
  return [here];
}

function lookup(v: unknown, path: Path): unknown {
  let at: unknown = v;
  for (const k of path) {
    if (typeof k === 'number') at = (at as unknown[])[k];
    else at = Object.prototype.hasOwnProperty.call(at, k) ? (at as Record<string, unknown>)[k] : MISSING;
  }
  return at;
}

function reference(expected: unknown, actual: unknown, tol: Tolerance, ignore: RegExp[]) {
  const found: { path: Path; expected: unknown; actual: unknown }[] = [];
  const differing: string[] = [];
  for (const { path, value } of flatten(expected)) {
    const p = written(path);
    if (path.length > 0 && ignore.some((r) => r.test(p))) continue;
    if (differing.some((d) => p.startsWith(d) && p.length > d.length && '.['.includes(p[d.length]))) continue;
    const a = lookup(actual, path);
    const same = Array.isArray(value)
      ? Array.isArray(a) && a.length === value.length
      : isObj(value)
        ? isObj(a)
        : typeof value === 'number'
          ? typeof a === 'number' && Math.abs(a - value) <= tol.abs + tol.rel * Math.abs(value)
          : a === value;
    if (!same) {
      found.push({ path, expected: value, actual: a });
      differing.push(p);
    }
  }
  return found;
}

describe('matching (fast-check)', () => {
  it('finds the mismatches a reference implementation finds, on random JSON', () => {
    fc.assert(
      fc.property(
        pair,
        tolerance,
        fc.array(fc.tuple(fc.array(token, { minLength: 1, maxLength: 3 }), fc.boolean()), { maxLength: 2 }),
        ([e, a], tol, ignores) => {
          const rules = { tolerance: tol, ignore: ignores.map(([t, brackets]) => parsePath(patternText(t, brackets))) };
          expect(mismatches(e, a, rules)).toEqual(
            reference(
              e,
              a,
              tol,
              ignores.map(([t]) => patternRegex(t)),
            ),
          );
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('an answer always matches itself, and a copy of itself, whatever the tolerance and ignore-fields', () => {
    fc.assert(
      fc.property(json, tolerance, fc.array(fc.array(token, { minLength: 1, maxLength: 3 }), { maxLength: 2 }), (v, tol, ignores) => {
        const rules = { tolerance: tol, ignore: ignores.map((t) => parsePath(patternText(t, false))) };
        expect(mismatches(v, v, rules)).toEqual([]);
        expect(mismatches(v, JSON.parse(JSON.stringify(v)) as unknown, rules)).toEqual([]);
      }),
      { numRuns: 3000 },
    );
  });

  it('a written path, read back as a pattern, names that place and what is inside it, not its siblings', () => {
    const path = fc.array(fc.oneof(key, fc.nat({ max: 20 })), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(path, fc.oneof(key, fc.nat({ max: 20 })), (p, extra) => {
        const pattern = parsePath(formatPath(p));
        expect(covers(pattern, p)).toBe(true);
        expect(covers(pattern, [...p, extra])).toBe(true);
        const sibling = [...p.slice(0, -1), typeof p.at(-1) === 'number' ? (p.at(-1) as number) + 1 : `${p.at(-1) as string}z`];
        expect(covers(pattern, sibling)).toBe(false);
        expect(covers(pattern, p.slice(0, -1))).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('without a relative tolerance, closeness does not depend on which number is expected', () => {
    const n = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
    fc.assert(
      fc.property(n, n, fc.constantFrom(0, 1e-8, 1e-3, 1), (x, y, abs) => {
        const t = { abs, rel: 0 };
        expect(isClose(x, y, t)).toBe(isClose(y, x, t));
        expect(mismatches({ v: x }, { v: y }, { tolerance: t, ignore: [] }).length === 0).toBe(isClose(y, x, t));
      }),
      { numRuns: 3000 },
    );
  });

  it('numbers within abs of each other match both ways, whatever rel', () => {
    const n = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
    fc.assert(
      fc.property(n, fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1e-5, 0.1), (x, d, rel) => {
        const t = { abs: 1, rel };
        const y = x + d;
        fc.pre(Math.abs(y - x) <= 1);
        expect(isClose(x, y, t)).toBe(true);
        expect(isClose(y, x, t)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
