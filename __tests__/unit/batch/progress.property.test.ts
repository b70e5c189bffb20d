// The progress overview: every wording protocol.md quotes from real jobs, any other line skipped,
// no line ever an error; rotation to the newest file; the line the log shows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyProgress,
  describeProgress,
  isStale,
  NO_PROGRESS,
  overviewFile,
  parseProgressLine,
  progressKey,
  STALE_AFTER_MS,
  summarizeProgress,
  type Progress,
} from '../../../src/batch/progress.js';

/** The real lines of protocol.md ("Batch job logs while the job runs"), in a job's order. */
const REAL = [
  '2021-04-15T22:03:32.226929 Start the simulator.',
  '2021-04-15T22:03:34.285780 The overviewer on 10.0.0.4 started.',
  '2021-04-15T22:03:54.767763 Scheduling finished. Scheduled 276 mini batches in 22 seconds. There are 276 tasks with 551 items.',
  '2021-04-15T22:03:54.899666 No task has been processed yet.',
  '2023-05-16T22:20:53.233813 Processed 4117 of 20000 mini batches in 5:02:14. Estimated remaining time 19:25:59.',
  '2023-05-16T22:22:08.962071 The overviewer on 7 stopped.',
];

function replay(lines: string[]): Progress {
  return lines.reduce((p, l) => {
    const parsed = parseProgressLine(l);
    return parsed ? applyProgress(p, parsed) : p;
  }, NO_PROGRESS);
}

const hms = (s: number) => `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;

describe('parseProgressLine', () => {
  it('reads the lines of real jobs', () => {
    expect(REAL.map(parseProgressLine)).toEqual([
      undefined,
      undefined,
      { at: Date.parse('2021-04-15T22:03:54.767Z'), event: { kind: 'scheduled', total: 276 } },
      { at: Date.parse('2021-04-15T22:03:54.899Z'), event: { kind: 'none-yet' } },
      {
        at: Date.parse('2023-05-16T22:20:53.233Z'),
        event: { kind: 'processed', done: 4117, total: 20000, elapsedMs: (5 * 3600 + 2 * 60 + 14) * 1000, remainingMs: (19 * 3600 + 25 * 60 + 59) * 1000 },
      },
      undefined,
    ]);
  });

  it('reads the older templates of the runtime', () => {
    expect(parseProgressLine('2020-01-01T00:00:00.000001 Processed 3 of 9 mini batches in 0:01:00. Estimate remaining 0:02:00.')?.event).toEqual({
      kind: 'processed',
      done: 3,
      total: 9,
      elapsedMs: 60_000,
      remainingMs: 120_000,
    });
    expect(parseProgressLine('2020-01-01T00:00:00 Processed 7 mini batches.')?.event).toEqual({ kind: 'processed', done: 7, elapsedMs: undefined });
    expect(parseProgressLine('2020-01-01T00:00:00 All 9 mini batches have been processed.')?.event).toEqual({ kind: 'all-done', total: 9 });
    expect(parseProgressLine("2020-01-01T00:00:00 Progress update stopped for reasons: ['no progress in 10 minutes']")?.event).toEqual({
      kind: 'stopped',
      reason: "['no progress in 10 minutes']",
    });
    expect(parseProgressLine('Processed 1 of 2 mini-batches in 1 day, 2:03:04.5')?.event).toMatchObject({ elapsedMs: ((26 * 60 + 3) * 60 + 4) * 1000 });
  });

  it('never throws, and says nothing about a line that is not about progress', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (line) => {
        const parsed = parseProgressLine(line);
        if (!/mini[- ]?batch|No task has been processed|Progress update stopped/i.test(line)) expect(parsed).toBeUndefined();
      }),
    );
  });

  it('reads back any progress the runtime writes, in either template, with any timestamp', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.nat(),
        fc.nat({ max: 400_000 }),
        fc.nat({ max: 400_000 }),
        fc.constantFrom('Estimated remaining time', 'Estimate remaining'),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        (total, d, elapsed, left, wording, when) => {
          const done = d % (total + 1);
          const stamp = when.toISOString().replace('Z', '123');
          const parsed = parseProgressLine(`${stamp} Processed ${done} of ${total} mini batches in ${hms(elapsed)}. ${wording} ${hms(left)}.`);
          expect(parsed).toEqual({ at: when.getTime(), event: { kind: 'processed', done, total, elapsedMs: elapsed * 1000, remainingMs: left * 1000 } });
        },
      ),
    );
  });
});

describe('the progress the log shows', () => {
  it('follows a real job from scheduling to its end', () => {
    const p = replay(REAL.slice(0, 4));
    expect(describeProgress(p)).toBe('0 of 276 mini-batches (0 %)');
    const later = replay([...REAL.slice(0, 5)]);
    expect(describeProgress(later)).toBe('4117 of 20000 mini-batches (20 %), about 19 h 26 min left');
    expect(summarizeProgress(later, 1000)).toBe('4117 of 20000 mini-batches (20 %), about 19 h 26 min left · 5 h 2 min elapsed · as of 22:20:53 UTC');
    const done = replay([...REAL.slice(0, 5), '2023-05-16T23:00:00 All 20000 mini batches have been processed.']);
    expect(describeProgress(done)).toBe('20000 of 20000 mini-batches (100 %)');
    expect(done.finished).toBe(true);
  });

  it('says minutes left as a person would', () => {
    const at = (remainingMs: number) => describeProgress({ done: 40, total: 100, remainingMs, finished: false });
    expect(at(30_000)).toBe('40 of 100 mini-batches (40 %), less than a minute left');
    expect(at(12 * 60_000)).toBe('40 of 100 mini-batches (40 %), about 12 min left');
    expect(describeProgress({ done: 7, finished: false })).toBe('7 mini-batches processed');
    expect(describeProgress(NO_PROGRESS)).toBeUndefined();
    expect(summarizeProgress(NO_PROGRESS, 0)).toBeUndefined();
  });

  it('shows 100 % only when every mini-batch is done, and a new line only when the counts change', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.nat(), (total, d) => {
        const done = d % total; // fewer than all
        expect(describeProgress({ done, total, finished: false })).not.toContain('(100 %)');
        const p: Progress = { done, total, finished: false, remainingMs: 1 };
        expect(progressKey(p)).toBe(progressKey({ ...p, remainingMs: 99_999 }));
        expect(progressKey(p)).not.toBe(progressKey({ ...p, done: done + 1 }));
      }),
    );
  });

  it('counts a stopped update, and no line changes what it does not know', () => {
    const p = replay([REAL[2], "2020-01-01T00:00:00 Progress update stopped for reasons: ['x']", 'some other line']);
    expect(p).toMatchObject({ total: 276, done: 0, stopped: "['x']" });
    expect(summarizeProgress(p, 90_000)).toContain("1 min 30 s elapsed · as of 00:00:00 UTC · the runtime stopped updating it (['x'])");
  });
});

describe('overviewFile', () => {
  it('reads the newest rotated overview, else the older runtime’s', () => {
    expect(
      overviewFile(['logs/job_progress_overview.2024010123.txt', 'logs/job_progress_overview.2024010200.txt', 'logs/job_progress_overview.2024010122.txt']),
    ).toBe('logs/job_progress_overview.2024010200.txt');
    expect(overviewFile(['logs/job_progress_overview.txt', 'logs/job_progress_overview.2024010200.txt'])).toBe('logs/job_progress_overview.2024010200.txt');
    expect(overviewFile(['logs/overview.txt', 'user_logs/std_log.txt'])).toBe('logs/overview.txt');
    expect(overviewFile(['user_logs/std_log.txt', 'logs/sys/master_role.txt'])).toBeUndefined();
  });

  it('picks the latest hour whatever the order the files are listed in', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 2000010100, max: 2099123123 }), { minLength: 1, maxLength: 30 }), (hours) => {
        const newest = Math.max(...hours);
        expect(overviewFile(hours.map((h) => `logs/job_progress_overview.${h}.txt`))).toBe(`logs/job_progress_overview.${newest}.txt`);
      }),
    );
  });
});

describe('isStale', () => {
  it('is stale only after STALE_AFTER_MS without a change, and never once all is processed', () => {
    const running: Progress = { done: 1, total: 10, finished: false };
    expect(isStale(running, 0, STALE_AFTER_MS - 1)).toBe(false);
    expect(isStale(running, 0, STALE_AFTER_MS)).toBe(true);
    expect(isStale({ ...running, finished: true }, 0, 10 * STALE_AFTER_MS)).toBe(false);
    expect(isStale(running, undefined, 10 * STALE_AFTER_MS)).toBe(false);
  });
});
