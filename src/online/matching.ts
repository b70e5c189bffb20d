// Whether an answer matches the one expected, by the README's "Release gates" rules: every key of an
// expected object must match (extra keys in the answer are ignored), arrays match element by
// element and in length, numbers within a tolerance (numpy's isclose), strings, booleans and null
// exactly; the places `ignore-fields` names are left out. Each difference is one Mismatch.
import { covers, formatPath, type Path, type PathPattern } from './json-path.js';

/** numpy.isclose's atol and rtol: |actual − expected| ≤ abs + rel·|expected|. */
export interface Tolerance {
  abs: number;
  rel: number;
}

/** numpy.isclose's defaults. */
export const DEFAULT_TOLERANCE: Tolerance = { abs: 1e-8, rel: 1e-5 };

export interface MatchRules {
  tolerance: Tolerance;
  ignore: PathPattern[];
}

/** What an answer holds where the expected value has a key it lacks. */
export const MISSING = Symbol('missing');

/** An answer that is not JSON: it matches only the same text (a baseline's text answer). */
export class TextAnswer {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

export interface Mismatch {
  path: Path;
  expected: unknown;
  actual: unknown;
}

export function isClose(actual: number, expected: number, t: Tolerance): boolean {
  return Math.abs(actual - expected) <= t.abs + t.rel * Math.abs(expected);
}

/** The answer's JSON, or a TextAnswer when it is not JSON. */
export function parseAnswer(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return new TextAnswer(body);
  }
}

/** Every place where `actual` does not match `expected`, in the expected value's order; [] when it matches. */
export function mismatches(expected: unknown, actual: unknown, rules: MatchRules): Mismatch[] {
  const found: Mismatch[] = [];
  walk(expected, actual, [], rules, found);
  return found;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof TextAnswer);

function walk(expected: unknown, actual: unknown, path: Path, rules: MatchRules, found: Mismatch[]): void {
  if (path.length > 0 && rules.ignore.some((p) => covers(p, path))) return;
  const differ = () => void found.push({ path, expected, actual });
  if (expected instanceof TextAnswer) {
    if (!(actual instanceof TextAnswer) || actual.text !== expected.text) differ();
  } else if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return differ();
    expected.forEach((e, i) => walk(e, actual[i], [...path, i], rules, found));
  } else if (isObject(expected)) {
    if (!isObject(actual)) return differ();
    for (const key of Object.keys(expected)) walk(expected[key], Object.hasOwn(actual, key) ? actual[key] : MISSING, [...path, key], rules, found);
  } else if (typeof expected === 'number') {
    if (typeof actual !== 'number' || !isClose(actual, expected, rules.tolerance)) differ();
  } else if (expected !== actual) differ();
}

/** `$.predictions[0]: expected 1, got 0`: the path and both values, each cut to a readable length. */
export function describeMismatch(m: Mismatch): string {
  const where = formatPath(m.path);
  if (Array.isArray(m.expected) && Array.isArray(m.actual)) {
    return `${where}: expected ${items(m.expected.length)}, got ${items(m.actual.length)}`;
  }
  return `${where}: expected ${shown(m.expected)}, got ${shown(m.actual)}`;
}

const items = (n: number) => `${n} item${n === 1 ? '' : 's'}`;

const SHOWN_CHARS = 60;

function shown(v: unknown): string {
  if (v === MISSING) return 'nothing';
  const text = v instanceof TextAnswer ? `a non-JSON answer ${JSON.stringify(v.text)}` : (JSON.stringify(v) ?? String(v));
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS - 1)}…` : text;
}

/** `abs=<a>,rel=<r>` (either may be left out: numpy's default stays); throws an Error saying what is wrong. */
export function parseTolerance(text: string): Tolerance {
  const t = { ...DEFAULT_TOLERANCE };
  const seen = new Set<string>();
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const m = /^(abs|rel)=(.+)$/.exec(part);
    if (!m) throw new Error(`'${part}' is not abs=<number> or rel=<number>`);
    const [, key, raw] = m as unknown as [string, 'abs' | 'rel', string];
    const n = Number(raw);
    if (!/^[\d.eE+-]+$/.test(raw) || !Number.isFinite(n) || n < 0) throw new Error(`${key} is '${raw}', not a number of 0 or more`);
    if (seen.has(key)) throw new Error(`${key} is given twice`);
    seen.add(key);
    t[key] = n;
  }
  if (seen.size === 0) throw new Error('it gives neither abs nor rel');
  return t;
}
