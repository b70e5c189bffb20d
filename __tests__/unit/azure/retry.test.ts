import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  describeTransient,
  isRetryableStatus,
  isTransientErrorCode,
  isTransientStatus,
  parseRetryAfter,
  pollIntervalMs,
  retryDelayMs,
} from '../../../src/azure/retry.js';

describe('transient classification', () => {
  it.each([408, 429, 500, 502, 503, 504])('%i is retried', (s) => expect(isTransientStatus(s)).toBe(true));
  it.each([200, 400, 401, 403, 404, 409, 412, 424])('%i is not', (s) => expect(isTransientStatus(s)).toBe(false));
  it('network resets and timeouts are retried, unknown codes are not', () => {
    expect(isTransientErrorCode('ECONNRESET')).toBe(true);
    expect(isTransientErrorCode('ETIMEDOUT')).toBe(true);
    expect(isTransientErrorCode('CERT_HAS_EXPIRED')).toBe(false);
    expect(isTransientErrorCode(undefined)).toBe(false);
  });
  it('says why in words', () => {
    expect(describeTransient(503, undefined)).toBe('503 Service Unavailable');
    expect(describeTransient(undefined, 'ECONNRESET')).toBe('connection reset (ECONNRESET)');
  });
});

describe('worth retrying after the transport gave up', () => {
  it.each([undefined, 429, 500, 501, 503, 599])('%s is', (s) => expect(isRetryableStatus(s)).toBe(true));
  it.each([200, 400, 401, 403, 404, 408, 409, 499])('%i is not', (s) => expect(isRetryableStatus(s)).toBe(false));
});

describe('Retry-After', () => {
  const now = Date.parse('2026-11-25T10:00:00Z');
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('0.5', now)).toBe(500);
    expect(parseRetryAfter('Wed, 25 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 09:00:30 GMT', now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
  it('wins over backoff, clamped to two minutes', () => {
    expect(retryDelayMs(0, 4000, () => 0.5)).toBe(4000);
    expect(retryDelayMs(0, 3_600_000, () => 0.5)).toBe(120_000);
  });
});

describe('backoff', () => {
  it('doubles its window from 1 s up to 30 s, jittered within the upper half', () => {
    expect(backoffMs(0, () => 0)).toBe(500);
    expect(backoffMs(0, () => 1)).toBe(1000);
    expect(backoffMs(3, () => 0)).toBe(4000);
    expect(backoffMs(3, () => 1)).toBe(8000);
    expect(backoffMs(10, () => 1)).toBe(30_000);
    expect(backoffMs(10, () => 0)).toBe(15_000);
  });
});

describe('poll interval', () => {
  it('starts at 2 s, grows with a tenth of the time waited, and stops at 30 s', () => {
    expect(pollIntervalMs(0)).toBe(2000);
    expect(pollIntervalMs(15_000)).toBe(2000);
    expect(pollIntervalMs(100_000)).toBe(10_000);
    expect(pollIntervalMs(300_000)).toBe(30_000);
    expect(pollIntervalMs(6 * 3600_000)).toBe(30_000);
  });
  it('so an end is noticed within max(2 s, 10 % of the time waited)', () => {
    for (let t = 0; t < 6 * 3600_000; t += 7_919) {
      expect(pollIntervalMs(t)).toBeLessThanOrEqual(Math.max(2000, t / 10 + 1));
    }
  });
});
