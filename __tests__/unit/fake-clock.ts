// A clock for the waiting code whose sleeps move time on at once: long waits tested without waiting.
import type { Clock } from '../../src/clock.js';

export function fakeClock(): Clock & { t: number } {
  const c = {
    t: 0,
    now: () => c.t,
    sleep: (ms: number) => {
      c.t += ms;
      return Promise.resolve();
    },
  };
  return c;
}
