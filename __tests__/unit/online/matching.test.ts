// The matching rules of the README's "Release gates" section, one example each, with the lines
// that name a mismatch, the paths ignore-fields takes and the tolerance input.
import { describe, expect, it } from 'vitest';
import { covers, formatPath, parsePath } from '../../../src/online/json-path.js';
import { DEFAULT_TOLERANCE, describeMismatch, isClose, mismatches, parseAnswer, parseTolerance, type MatchRules } from '../../../src/online/matching.js';

const rules = (ignore: string[] = [], tolerance = DEFAULT_TOLERANCE): MatchRules => ({ tolerance, ignore: ignore.map(parsePath) });
const lines = (expected: unknown, actual: unknown, r = rules()) => mismatches(expected, actual, r).map(describeMismatch);

describe('matching', () => {
  it('is partial for objects: every expected key must match, extra keys are ignored', () => {
    expect(lines({ a: 1 }, { a: 1, b: 2 })).toEqual([]);
    expect(lines({ a: 1, label: 'cat' }, { a: 1 })).toEqual(['$.label: expected "cat", got nothing']);
    expect(lines({}, { anything: [1] })).toEqual([]);
    expect(lines({}, [])).toEqual(['$: expected {}, got []']);
  });

  it('matches arrays element by element and in length', () => {
    expect(lines({ predictions: [1, 0, 1] }, { predictions: [1, 1, 1] })).toEqual(['$.predictions[1]: expected 0, got 1']);
    expect(lines({ predictions: [1, 0, 1] }, { predictions: [1, 0] })).toEqual(['$.predictions: expected 3 items, got 2 items']);
    expect(lines([1], [1, 2])).toEqual(['$: expected 1 item, got 2 items']);
    expect(lines([[1]], [{ 0: 1 }])).toEqual(['$[0]: expected [1], got {"0":1}']);
  });

  it('matches numbers within the tolerance (numpy isclose), other values exactly', () => {
    expect(lines({ p: 0.5 }, { p: 0.500004 })).toEqual([]);
    expect(lines({ p: 0.5 }, { p: 0.50001 })).toEqual(['$.p: expected 0.5, got 0.50001']);
    expect(lines({ p: 0.5 }, { p: 0.500004 }, rules([], { abs: 0, rel: 0 }))).toEqual(['$.p: expected 0.5, got 0.500004']);
    expect(lines({ n: 1 }, { n: '1' })).toEqual(['$.n: expected 1, got "1"']);
    expect(lines({ s: 'A' }, { s: 'a' })).toEqual(['$.s: expected "A", got "a"']);
    expect(lines({ b: true, z: null }, { b: 1, z: false })).toEqual(['$.b: expected true, got 1', '$.z: expected null, got false']);
    // isclose is not symmetric: the tolerance is relative to the expected value.
    expect(isClose(1, 2, { abs: 0, rel: 0.5 })).toBe(true);
    expect(isClose(2, 1, { abs: 0, rel: 0.5 })).toBe(false);
  });

  it('leaves out what ignore-fields names, at any depth with $..', () => {
    const expected = { request_id: 'a', meta: { request_id: 'b', v: 1 }, rows: [{ id: 1, score: 0.5 }] };
    const actual = { request_id: 'x', meta: { request_id: 'y', v: 1 }, rows: [{ id: 9, score: 0.5 }] };
    expect(lines(expected, actual)).toEqual([
      '$.request_id: expected "a", got "x"',
      '$.meta.request_id: expected "b", got "y"',
      '$.rows[0].id: expected 1, got 9',
    ]);
    expect(lines(expected, actual, rules(['$..request_id', '$.rows[*].id']))).toEqual([]);
    expect(lines(expected, actual, rules(['$.request_id', '$.rows[0]']))).toEqual(['$.meta.request_id: expected "b", got "y"']);
    // An array whose elements are left out still has its length compared.
    expect(lines({ a: [1, 2] }, { a: [3] }, rules(['$.a[*]']))).toEqual(['$.a: expected 2 items, got 1 item']);
  });

  it('an answer that is not JSON matches only the same text', () => {
    expect(lines({ a: 1 }, parseAnswer('Internal error'))).toEqual(['$: expected {"a":1}, got a non-JSON answer "Internal error"']);
    expect(lines(parseAnswer('1,0,1\n'), parseAnswer('1,0,1\n'))).toEqual([]);
    expect(lines(parseAnswer('1,0,1'), parseAnswer('1,1,1'))).toEqual(['$: expected a non-JSON answer "1,0,1", got a non-JSON answer "1,1,1"']);
  });

  it('cuts long values in the line', () => {
    const [line] = lines({ text: 'x'.repeat(200) }, { text: 'y' });
    expect(line).toBe(`$.text: expected "${'x'.repeat(58)}…, got "y"`);
  });
});

describe('JSON paths', () => {
  it('reads the forms ignore-fields takes', () => {
    expect(parsePath('$.a.b')).toEqual([
      { select: { name: 'a' }, deep: false },
      { select: { name: 'b' }, deep: false },
    ]);
    expect(parsePath(' $.a[0] ')).toEqual([
      { select: { name: 'a' }, deep: false },
      { select: { index: 0 }, deep: false },
    ]);
    expect(parsePath('$.a[*].b')).toEqual([
      { select: { name: 'a' }, deep: false },
      { select: 'any', deep: false },
      { select: { name: 'b' }, deep: false },
    ]);
    expect(parsePath('$..b')).toEqual([{ select: { name: 'b' }, deep: true }]);
    expect(parsePath(`$['a b']["c'd"].*`)).toEqual([
      { select: { name: 'a b' }, deep: false },
      { select: { name: "c'd" }, deep: false },
      { select: 'any', deep: false },
    ]);
    expect(parsePath('$..[1]')).toEqual([{ select: { index: 1 }, deep: true }]);
  });

  it('says what is wrong with a path', () => {
    expect(() => parsePath('a.b')).toThrow("it does not start with '$'");
    expect(() => parsePath('$')).toThrow('it names the whole answer');
    expect(() => parsePath('$.')).toThrow("it has no name after '.' (at 3)");
    expect(() => parsePath('$a')).toThrow("it has 'a' where '.' or '[' belongs (at 2)");
    expect(() => parsePath('$.a[x]')).toThrow("it has a bracket that is not [<index>], [*] or ['<name>'] (at 4)");
    expect(() => parsePath('$.a[-1]')).toThrow('has a bracket');
  });

  it('$.. names a field at any depth, the top included', () => {
    const deep = parsePath('$..id');
    expect(covers(deep, ['id'])).toBe(true);
    expect(covers(deep, ['rows', 3, 'id'])).toBe(true);
    expect(covers(deep, ['rows', 3, 'id', 'x'])).toBe(true);
    expect(covers(deep, ['rows', 3, 'ids'])).toBe(false);
    expect(covers(parsePath('$.a..b.c'), ['a', 'x', 'b', 'c'])).toBe(true);
    expect(covers(parsePath('$.a..b.c'), ['a', 'b', 'x', 'c'])).toBe(false);
    // A name is not an index, and the other way round.
    expect(covers(parsePath("$['0']"), [0])).toBe(false);
    expect(covers(parsePath('$[0]'), ['0'])).toBe(false);
  });

  it('writes paths the way it reads them', () => {
    expect(formatPath([])).toBe('$');
    expect(formatPath(['predictions', 0])).toBe('$.predictions[0]');
    expect(formatPath(['a b', "it's", 'model-version', '$x'])).toBe(`$['a b']['it\\'s'].model-version.$x`);
  });
});

describe('tolerance input', () => {
  it('reads abs and rel, either left at numpy’s default', () => {
    expect(parseTolerance('abs=1e-6,rel=0.001')).toEqual({ abs: 1e-6, rel: 0.001 });
    expect(parseTolerance('rel=0')).toEqual({ abs: 1e-8, rel: 0 });
    expect(parseTolerance(' abs=0 rel=0 ')).toEqual({ abs: 0, rel: 0 });
  });

  it('says what is wrong', () => {
    expect(() => parseTolerance('0.1')).toThrow("'0.1' is not abs=<number> or rel=<number>");
    expect(() => parseTolerance('abs=-1')).toThrow("abs is '-1', not a number of 0 or more");
    expect(() => parseTolerance('rel=x')).toThrow("rel is 'x'");
    expect(() => parseTolerance('rel=Infinity')).toThrow("rel is 'Infinity'");
    expect(() => parseTolerance('abs=1,abs=2')).toThrow('abs is given twice');
    expect(() => parseTolerance(',')).toThrow('it gives neither abs nor rel');
  });
});
