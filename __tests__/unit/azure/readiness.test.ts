// Waiting for an endpoint and its deployments on a compressed clock: no real waiting.
import { describe, expect, it } from 'vitest';
import { readinessOf, waitUntilReady, type Watched } from '../../../src/azure/readiness.js';
import type { Clock } from '../../../src/clock.js';
import { fakeClock } from '../fake-clock.js';
import { ActionError } from '../../../src/reporting/errors.js';

/** A resource whose state at time t follows a timeline of [from ms, state]. */
function resource(kind: string, name: string, timeline: [number, string][], clock: Clock): Watched {
  const at = () => [...timeline].reverse().find(([from]) => clock.now() >= from)![1];
  return { kind, name, state: at(), read: () => Promise.resolve(at()) };
}

function wait(resources: Watched[], clock: Clock, waitMs: number, reason?: string) {
  const lines: string[] = [];
  const done = waitUntilReady({
    resources,
    waitMs,
    clock,
    signal: new AbortController().signal,
    log: { info: (m) => lines.push(m), warning: () => undefined, debug: () => undefined },
    whyFailed: () => Promise.resolve({ reason, details: ['detail line'] }),
  });
  return { done, lines };
}

describe('readinessOf', () => {
  it.each([
    [undefined, 'ready'],
    ['Succeeded', 'ready'],
    ['Creating', 'pending'],
    ['Updating', 'pending'],
    ['Scaling', 'pending'],
    ['Failed', 'failed'],
    ['Canceled', 'failed'],
    ['Deleting', 'failed'],
    ['Migrating', 'unknown'],
  ])('%s is %s', (state, r) => expect(readinessOf(state)).toBe(r));
});

describe('waitUntilReady', () => {
  it('goes on at once when everything is ready, saying nothing', async () => {
    const clock = fakeClock();
    const { done, lines } = wait([resource('online endpoint', 'e', [[0, 'Succeeded']], clock)], clock, 0);
    expect(await done).toBe(false);
    expect(lines).toEqual([]);
  });

  it('without wait-for-ready, a resource still provisioning fails at once, naming its state and the input', async () => {
    const clock = fakeClock();
    const { done } = wait([resource('deployment', 'blue', [[0, 'Updating']], clock)], clock, 0);
    await expect(done).rejects.toThrow("Wait for deployment 'blue' to finish provisioning, or set wait-for-ready to wait for it: its state is 'Updating'.");
  });

  it('without wait-for-ready, a state it does not know fails at once, naming it and the states it knows', async () => {
    const clock = fakeClock();
    const { done } = wait([resource('deployment', 'blue', [[0, 'Migrating']], clock)], clock, 0);
    await expect(done).rejects.toThrow(
      "Check deployment 'blue' in the studio, or set wait-for-ready to wait for it: its provisioning state 'Migrating' is one this action does not know (it knows Succeeded, Creating, Updating, Scaling, Failed, Canceled, Deleting).",
    );
  });

  it('with wait-for-ready, a state it does not know is waited for and named once', async () => {
    const clock = fakeClock();
    const { done, lines } = wait(
      [
        resource(
          'deployment',
          'blue',
          [
            [0, 'Migrating'],
            [30_000, 'Succeeded'],
          ],
          clock,
        ),
      ],
      clock,
      5 * 60_000,
    );
    expect(await done).toBe(true);
    expect(lines.filter((l) => l.includes('does not know'))).toEqual([
      "Deployment 'blue' reports provisioning state 'Migrating', which this action does not know (it knows Succeeded, Creating, Updating, Scaling, Failed, Canceled, Deleting): it is waited for as one in progress.",
    ]);
    expect(lines.at(-1)).toMatch(/^Ready after \d+ s\.$/);
    expect(clock.t).toBeGreaterThanOrEqual(30_000);
  });

  it('waits, saying so, until the deployment is ready', async () => {
    const clock = fakeClock();
    const { done, lines } = wait(
      [
        resource('online endpoint', 'e', [[0, 'Succeeded']], clock),
        resource(
          'deployment',
          'blue',
          [
            [0, 'Updating'],
            [20_000, 'Scaling'],
            [45_000, 'Succeeded'],
          ],
          clock,
        ),
      ],
      clock,
      5 * 60_000,
    );
    expect(await done).toBe(true);
    expect(lines[0]).toBe("Waiting for deployment 'blue' (Updating) to be ready (wait-for-ready: 5 min, waited 0 s)...");
    expect(lines[1]).toMatch(/^Waiting for deployment 'blue' \(Scaling\) to be ready \(wait-for-ready: 5 min, waited 2\d s\)\.\.\.$/);
    expect(lines.at(-1)).toMatch(/^Ready after \d+ s\.$/);
    expect(clock.t).toBeGreaterThanOrEqual(45_000);
    expect(clock.t).toBeLessThan(45_000 + 30_000);
  });

  it('fails past wait-for-ready, naming the state', async () => {
    const clock = fakeClock();
    const { done } = wait([resource('deployment', 'blue', [[0, 'Creating']], clock)], clock, 60_000);
    await expect(done).rejects.toThrow(
      "Raise wait-for-ready or check deployment 'blue' in the studio: it is still 'Creating' after 1 min 0 s (wait-for-ready: 1 min).",
    );
    expect(clock.t).toBe(60_000);
  });

  it('a failed resource stops the run with its own error, even while another is pending', async () => {
    const clock = fakeClock();
    const { done } = wait(
      [resource('online endpoint', 'e', [[0, 'Updating']], clock), resource('deployment', 'blue', [[0, 'Failed']], clock)],
      clock,
      60_000,
      'ResourceNotReady: User container has crashed or terminated.',
    );
    const err = (await done.then(
      () => undefined,
      (e: unknown) => e,
    )) as { message: string; details: string[] };
    expect(err.message).toBe(
      "Fix or redeploy deployment 'blue': its provisioning state is 'Failed' (ResourceNotReady: User container has crashed or terminated.), so it cannot be invoked.",
    );
    expect(err.details).toEqual(['detail line']);
  });

  it('a deployment that fails while waited for stops the wait', async () => {
    const clock = fakeClock();
    const { done } = wait(
      [
        resource(
          'deployment',
          'blue',
          [
            [0, 'Updating'],
            [10_000, 'Failed'],
          ],
          clock,
        ),
      ],
      clock,
      60_000,
    );
    await expect(done).rejects.toThrow("Fix or redeploy deployment 'blue': its provisioning state is 'Failed', so it cannot be invoked.");
    expect(clock.t).toBeLessThan(20_000);
  });

  it('the error a resource stops the wait with is amended for that resource: the failed one first, else the one still provisioning', async () => {
    const clock = fakeClock();
    const seen: string[] = [];
    const amend = (r: Watched, err: ActionError) => {
      seen.push(`${r.name} ${r.state}: ${err.message.split(':')[0]}`);
      return Promise.resolve(new ActionError('permission', `amended ${r.name}`));
    };
    const options = (resources: Watched[], waitMs: number) => ({
      resources,
      waitMs,
      clock,
      signal: new AbortController().signal,
      log: { info: () => undefined, warning: () => undefined, debug: () => undefined },
      whyFailed: () => Promise.resolve({ details: [] }),
      amend,
    });
    const pending = resource('deployment', 'green', [[0, 'Creating']], clock);
    await expect(waitUntilReady(options([pending, resource('deployment', 'blue', [[0, 'Failed']], clock)], 60_000))).rejects.toThrow('amended blue');
    await expect(waitUntilReady(options([pending], 0))).rejects.toThrow('amended green');
    await expect(waitUntilReady(options([pending], 30_000))).rejects.toThrow('amended green');
    expect(seen).toEqual([
      "blue Failed: Fix or redeploy deployment 'blue'",
      "green Creating: Wait for deployment 'green' to finish provisioning, or set wait-for-ready to wait for it",
      "green Creating: Raise wait-for-ready or check deployment 'green' in the studio",
    ]);
  });
});
