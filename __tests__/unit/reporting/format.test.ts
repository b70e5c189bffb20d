import { describe, expect, it } from 'vitest';
import { truncateUtf8 } from '../../../src/reporting/format.js';

describe('truncateUtf8', () => {
  it('truncates UTF-8 without splitting a character', () => {
    expect(truncateUtf8('héllo', 2)).toBe('h');
    expect(truncateUtf8('héllo', 3)).toBe('hé');
    expect(truncateUtf8('abc', 10)).toBe('abc');
  });
});
