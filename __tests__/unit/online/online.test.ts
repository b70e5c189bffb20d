import { describe, expect, it } from 'vitest';
import { percentiles, responseFileContent } from '../../../src/online/online.js';

describe('percentile (nearest rank)', () => {
  it('handles the usual cases', () => {
    expect(percentiles([], 50)).toEqual([0]);
    expect(percentiles([5], 95)).toEqual([5]);
    expect(percentiles([1, 2, 3, 4], 50)).toEqual([2]);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentiles(hundred, 50, 95)).toEqual([50, 95]);
  });
});

describe('response file', () => {
  const r = (body: string) => ({ status: 200, latencyMs: 1, body });
  it('keeps a single body as is', () => {
    expect(responseFileContent([r('{"a": 1}')], false)).toBe('{"a": 1}');
  });
  it('writes one compact JSON line per request, in order', () => {
    expect(responseFileContent([r('{"a": [1,\n 2]}'), r('plain text'), r('')], true)).toBe('{"a":[1,2]}\n"plain text"\n""\n');
  });
});
