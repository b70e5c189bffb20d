// The backoff schedules' invariants, for random attempts, options, random draws and Retry-After
// answers: waits stay within their window, windows never shrink, a Retry-After is honoured.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffMs, DEFAULT_BACKOFF, parseRetryAfter, pollIntervalMs, retryDelayMs, type BackoffOptions } from '../../../src/azure/retry.js';

const draw = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const options: fc.Arbitrary<BackoffOptions> = fc
  .record({ baseMs: fc.integer({ min: 1, max: 10_000 }), maxMs: fc.integer({ min: 1, max: 120_000 }), maxRetryAfterMs: fc.integer({ min: 0, max: 600_000 }) })
  .filter((o) => o.baseMs <= o.maxMs);
const attempt = fc.integer({ min: 0, max: 100 });

describe('backoff (fast-check)', () => {
  it('waits between half the window and the window, which doubles from baseMs up to maxMs', () => {
    fc.assert(
      fc.property(attempt, draw, options, (n, r, o) => {
        const window = Math.min(o.maxMs, o.baseMs * 2 ** n);
        const wait = backoffMs(n, () => r, o);
        expect(wait).toBeGreaterThanOrEqual(Math.floor(window / 2));
        expect(wait).toBeLessThanOrEqual(window);
        expect(wait).toBeLessThanOrEqual(o.maxMs);
      }),
      { numRuns: 5000 },
    );
  });

  it('never waits less on a later attempt, for the same draw', () => {
    fc.assert(
      fc.property(attempt, draw, options, (n, r, o) => {
        expect(backoffMs(n + 1, () => r, o)).toBeGreaterThanOrEqual(backoffMs(n, () => r, o));
      }),
      { numRuns: 3000 },
    );
  });

  it('honours a Retry-After as given, clamped to maxRetryAfterMs, whatever the attempt', () => {
    fc.assert(
      fc.property(attempt, draw, options, fc.integer({ min: 0, max: 10_000_000 }), (n, r, o, retryAfter) => {
        expect(retryDelayMs(n, retryAfter, () => r, o)).toBe(Math.min(retryAfter, o.maxRetryAfterMs));
        expect(retryDelayMs(n, undefined, () => r, o)).toBe(backoffMs(n, () => r, o));
      }),
      { numRuns: 3000 },
    );
  });

  it('reads Retry-After in seconds and as an HTTP date; anything else is no answer', () => {
    const now = Date.UTC(2026, 10, 29, 12, 0, 0);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 86_400 }), fc.integer({ min: -86_400, max: 86_400 }), fc.string({ maxLength: 12 }), (seconds, offset, junk) => {
        expect(parseRetryAfter(` ${seconds} `, now)).toBe(seconds * 1000);
        const date = new Date(now + offset * 1000).toUTCString();
        expect(parseRetryAfter(date, now)).toBe(Math.max(0, offset * 1000));
        const parsed = parseRetryAfter(junk, now);
        if (parsed !== undefined) {
          expect(parsed).toBeGreaterThanOrEqual(0);
          expect(Number.isFinite(parsed)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('the default schedule: 0.5-1 s first, never above 30 s', () => {
    fc.assert(
      fc.property(attempt, draw, (n, r) => {
        const wait = retryDelayMs(n, undefined, () => r);
        expect(wait).toBeGreaterThanOrEqual(n === 0 ? 500 : 1_000);
        expect(wait).toBeLessThanOrEqual(DEFAULT_BACKOFF.maxMs);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('job polling interval (fast-check)', () => {
  it('2 s to 30 s, a tenth of the time waited in between, never shorter later', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 24 * 3_600_000 }), fc.integer({ min: 0, max: 3_600_000 }), (elapsed, more) => {
        const wait = pollIntervalMs(elapsed);
        expect(wait).toBeGreaterThanOrEqual(2_000);
        expect(wait).toBeLessThanOrEqual(30_000);
        expect(Math.abs(wait - Math.min(30_000, Math.max(2_000, elapsed / 10)))).toBeLessThanOrEqual(0.5);
        expect(pollIntervalMs(elapsed + more)).toBeGreaterThanOrEqual(wait);
      }),
      { numRuns: 3000 },
    );
  });
});
