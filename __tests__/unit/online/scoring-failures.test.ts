// Failed scoring requests: translated (no answer included), grouped by cause, tabled.
import { describe, expect, it } from 'vitest';
import { answeredBy, causeTable, groupByCause, neverStarted, scoringFailed, translateFailure } from '../../../src/online/scoring-failures.js';
import { ActionError } from '../../../src/reporting/errors.js';
import { logLines, errorLines } from '../../../src/online/model-logs.js';
import type { Translation } from '../../../src/online/status-codes.js';

const c = {
  endpoint: 'smoke',
  host: 'smoke.eastus.inference.ml.azure.com',
  concurrency: 4,
  privacy: { resource: "online endpoint 'smoke'", isPrivate: false, reason: 'its publicNetworkAccess is Disabled' },
};

describe('translateFailure', () => {
  it('a request without an answer is a network cause', () => {
    const t = translateFailure({ status: 0, latencyMs: 10, body: '', errorCode: 'ECONNRESET' }, c);
    expect(t.cause).toBe('no answer (ECONNRESET)');
    expect(t.headline).toMatch(/^Check the network path from this runner to smoke\.eastus\.inference\.ml\.azure\.com/);
    const p = translateFailure({ status: 0, latencyMs: 10, body: '', errorCode: 'ENOTFOUND' }, { ...c, privacy: { ...c.privacy, isPrivate: true } });
    expect(p.headline).toMatch(/^Run this job on a runner inside the virtual network of online endpoint 'smoke'/);
  });

  it('the private link denial is a network cause, not a permission one', () => {
    const body = '{"error":{"code":"UserError","message":"Access to workspace was denied based on workspace private link configuration."}}';
    const t = translateFailure({ status: 403, latencyMs: 10, body }, c);
    expect(t.authorization).toBe(false);
    expect(t.cause).toBe('403 private network');
  });

  it('an answer goes to its row, for the deployment that answered', () => {
    const t = translateFailure({ status: 424, latencyMs: 10, body: '', deployment: 'green' }, { ...c, onlyDeployment: 'blue' });
    expect(t.headline).toMatch(/^Fix the model of deployment 'green'/);
  });
});

describe('answeredBy', () => {
  it("the answer's header first, then the deployment named, then the only one with traffic", () => {
    expect(answeredBy({ status: 500, latencyMs: 1, body: '', deployment: 'a' }, { deployment: 'b', onlyDeployment: 'c' })).toBe('a');
    expect(answeredBy({ status: 500, latencyMs: 1, body: '' }, { deployment: 'b', onlyDeployment: 'c' })).toBe('b');
    expect(answeredBy({ status: 500, latencyMs: 1, body: '' }, { onlyDeployment: 'c' })).toBe('c');
    expect(answeredBy({ status: 500, latencyMs: 1, body: '' }, {})).toBeUndefined();
  });
});

describe('groupByCause and causeTable', () => {
  const t = (cause: string) => ({ cause }) as Translation;
  it('counts each cause, most frequent first, with its first request', () => {
    const groups = groupByCause([
      { index: 1, translation: t('408 request timeout') },
      { index: 3, translation: t('424 model error') },
      { index: 4, translation: t('424 model error') },
    ]);
    expect(groups).toEqual([
      { cause: '424 model error', count: 2, first: 3 },
      { cause: '408 request timeout', count: 1, first: 1 },
    ]);
    expect(causeTable(groups, true).split('\n').slice(2)).toEqual([
      '| Cause | Requests | First (line) |',
      '| --- | --- | --- |',
      '| 424 model error | 2 | 4 |',
      '| 408 request timeout | 1 | 2 |',
    ]);
  });
});

describe('model log lines', () => {
  it('splits as the CLI prints (escaped line breaks too), drops trailing blanks, keeps the last lines', () => {
    expect(logLines('a\\nb\nc\n\n')).toEqual(['a', 'b', 'c']);
    expect(logLines(Array.from({ length: 150 }, (_, i) => `l${i}`).join('\n'))).toHaveLength(100);
    expect(logLines('x\ny\nz', 2)).toEqual(['y', 'z']);
  });
  it('finds the error lines of an inference server log', () => {
    const lines = [
      '2024-01-01 10:00:00,000 I [21] azmlinfsrv.app - ready',
      '2024-01-01 10:00:01,000 E [21] azmlinfsrv - Encountered Exception: Traceback (most recent call last):',
      '  File "score.py", line 3, in run',
      'ValueError: bad input',
    ];
    expect(errorLines(lines)).toEqual([lines[1], lines[3]]);
  });
});

describe('a deployment that never became healthy', () => {
  const empty = { deployment: 'blue', lines: [] };
  it('is a 502 or 503 whose model log is empty', () => {
    expect(neverStarted(502, empty)).toBe(true);
    expect(neverStarted(503, empty)).toBe(true);
    expect(neverStarted(503, { deployment: 'blue', lines: ['Azure ML Inferencing HTTP server v1.2.2'] })).toBe(false);
    expect(neverStarted(503, { deployment: 'blue', unavailable: 'not read' })).toBe(false);
    expect(neverStarted(424, empty)).toBe(false);
    expect(neverStarted(500, empty)).toBe(false);
  });

  it("is explained by its endpoint identity's roles; a log with lines is not", async () => {
    const asked: string[] = [];
    const deps = (lines: string[]) => ({
      sink: { group: <T>(_n: string, fn: () => Promise<T>) => fn(), info: () => undefined, warning: () => undefined, section: () => undefined },
      authorization: () => new ActionError('permission', 'no'),
      readModelLog: (deployment: string) => Promise.resolve({ deployment, lines }),
      endpointIdentity: (deployment: string, err: ActionError) => {
        asked.push(deployment);
        return Promise.resolve(new ActionError('permission', `identity of ${deployment}: ${err.message.split(':')[0]}`));
      },
    });
    const failed = [{ status: 503, latencyMs: 5, body: 'no healthy upstream', deployment: 'blue' }];
    const context = { ...c, figures: () => Promise.resolve(undefined) };
    const e = await scoringFailed(failed, context, { source: 'request', jsonl: false }, deps([]));
    expect(e.message).toBe("identity of blue: Scale out deployment 'blue' or lower 'concurrency'");
    const started = await scoringFailed(failed, context, { source: 'request', jsonl: false }, deps(['server up']));
    expect(started.kind).toBe('scoring');
    expect(asked).toEqual(['blue']);
  });
});
