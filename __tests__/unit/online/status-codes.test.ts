// Every row of the troubleshooting guide's status tables, translated with the deployment's figures.
import { describe, expect, it } from 'vitest';
import { parseIsoDurationMs, pendingLimit, translateStatus, type DeploymentFigures, type FailedRequest } from '../../../src/online/status-codes.js';

const figures: DeploymentFigures = {
  name: 'blue',
  kubernetes: false,
  requestTimeout: 'PT5S',
  requestTimeoutMs: 5000,
  maxConcurrentRequestsPerInstance: 2,
  instanceCount: 3,
  scale: { type: 'Default' },
};
const ctx = { endpoint: 'smoke', deployment: 'blue', figures, concurrency: 4 };
const failed = (status: number, extra: Partial<FailedRequest> = {}): FailedRequest => ({ status, latencyMs: 5012.4, body: '', ...extra });
/** The house form of a first line: an imperative next step, a colon, the cause. */
const NEXT_STEP_THEN_CAUSE = /^(Check|Set|Raise|Wait|Fix|Lower|Re-run|Scale)\b[^:]*: .+\.$/;

describe('parseIsoDurationMs', () => {
  it.each([
    ['PT5S', 5000],
    ['PT0.5S', 500],
    ['PT1M30S', 90_000],
    ['PT2H', 7_200_000],
    ['pt0.1s', 100],
  ])('%s is %i ms', (iso, ms) => expect(parseIsoDurationMs(iso)).toBe(ms));
  it.each(['', 'PT', '5S', 'P1D', 'PTxS', undefined])('%s is not a duration', (iso) => expect(parseIsoDurationMs(iso)).toBeUndefined());
});

describe('pendingLimit: 2 × max_concurrent_requests_per_instance × instance count', () => {
  it('multiplies the deployment figures', () => expect(pendingLimit(figures)).toBe(12));
  it('is unknown without them', () => {
    expect(pendingLimit(undefined)).toBeUndefined();
    expect(pendingLimit({ ...figures, instanceCount: undefined })).toBeUndefined();
  });
});

describe('translateStatus: one translation per row', () => {
  it('401 (managed table) and 403 (no row: authorization here too) go to the permission diagnosis', () => {
    for (const status of [401, 403]) {
      const t = translateStatus(failed(status), ctx);
      expect(t.authorization).toBe(true);
      expect(t.cause).toMatch(new RegExp(`^${status} `));
    }
  });

  it('404 (managed): no deployment with positive weight, or the one named is not routed to', () => {
    expect(translateStatus(failed(404), { ...ctx, deployment: undefined }).headline).toBe(
      "Set 'deployment' or give a deployment traffic: online endpoint 'smoke' answered 404, which it gives when no deployment has a positive traffic weight.",
    );
    expect(translateStatus(failed(404), ctx).headline).toMatch(/^Check 'deployment': online endpoint 'smoke' answered 404 to deployment 'blue'/);
  });

  it("408 (managed): the deployment's request timeout, the time the request took, and how to raise it", () => {
    const t = translateStatus(failed(408), ctx);
    expect(t.headline).toBe(
      "Raise the request timeout of deployment 'blue' or make the model faster: it answered 408 after 5012 ms; its request timeout is 5000 ms (requestSettings.requestTimeout PT5S).",
    );
    expect(t.details[0]).toContain('request_settings.request_timeout_ms');
    expect(t.details[0]).toContain('180000 ms');
    expect(translateStatus(failed(408), { ...ctx, figures: undefined }).headline).toContain(
      'its request timeout could not be read (Azure defaults to 5000 ms)',
    );
  });

  it('409 (Kubernetes): an operation in progress; wait-for-ready waits for it', () => {
    expect(translateStatus(failed(409), ctx).headline).toMatch(
      /^Wait for the operation in progress on online endpoint 'smoke' to finish, then re-run \(wait-for-ready waits for it\)/,
    );
  });

  it("424 (managed): the model's own status and reason, and its log", () => {
    const t = translateStatus(failed(424, { modelStatus: '500', modelReason: 'model_error' }), ctx);
    expect(t.headline).toBe(
      "Fix the model of deployment 'blue': it answered 424, Azure's answer when the model's container returns an error (the model answered 500 model_error).",
    );
    expect(t.modelLogs).toBe(true);
    expect(t.cause).toBe('424 model error 500');
    expect(t.details.join(' ')).toContain('probe');
  });

  it('429 (managed, too many pending requests): the limit against the concurrency this run sent', () => {
    const t = translateStatus(failed(429), { ...ctx, concurrency: 16 });
    expect(t.headline).toBe(
      "Lower 'concurrency' to 12 or give deployment 'blue' more capacity: it answered 429 (too many pending requests); it takes at most 12 (2 × max_concurrent_requests_per_instance 2 × 3 instances) requests in parallel and this run sent up to 16.",
    );
    expect(t.details[0]).toContain('WORKER_COUNT');
  });

  it('429 (managed, rate-limited): within the limit, the endpoint rate limit or other clients', () => {
    const t = translateStatus(failed(429), ctx);
    expect(t.headline).toMatch(
      /^Lower the request rate or ask for a higher limit on online endpoint 'smoke': it answered 429 although this run sent at most 4 at once, within the 12 /,
    );
    expect(t.headline).toContain('500 requests per second by default');
    expect(translateStatus(failed(429), { ...ctx, figures: undefined }).headline).toMatch(/^Lower 'concurrency' or give deployment 'blue' more instances: /);
  });

  it('500 (both tables): the infrastructure; the model log is read too', () => {
    const t = translateStatus(failed(500), ctx);
    expect(t.headline).toMatch(/^Re-run later, or open an Azure support request with the request id: online endpoint 'smoke' answered 500/);
    expect(t.modelLogs).toBe(true);
  });

  it('502 (Kubernetes): run() raised or crashed', () => {
    expect(translateStatus(failed(502), ctx).headline).toMatch(
      /^Fix score\.py of deployment 'blue': it answered 502, Azure's answer when run\(\) raises or crashes/,
    );
  });

  it('503 (Kubernetes): instance count and scale settings, "scale out or lower concurrency"', () => {
    expect(translateStatus(failed(503), ctx).headline).toBe(
      "Scale out deployment 'blue' or lower 'concurrency': it answered 503, Azure's answer when requests rise faster than it scales; it runs 3 instances (scale type Default: a fixed count).",
    );
    const k8s = {
      ...figures,
      kubernetes: true,
      instanceCount: 1,
      scale: { type: 'TargetUtilization', minInstances: 1, maxInstances: 5, targetUtilizationPercentage: 70 },
    };
    expect(translateStatus(failed(503), { ...ctx, figures: k8s }).headline).toContain('it runs 1 instance and scales between 1 and 5 at 70 % utilization');
  });

  it('504 (Kubernetes): a timeout, with the request timeout and the instances', () => {
    const t = translateStatus(failed(504), ctx);
    expect(t.headline).toContain('it answered 504 after 5012 ms (the request timed out); its request timeout is 5000 ms');
    expect(t.headline).toContain('it runs 3 instances');
  });

  it('any other status still names the step and the status', () => {
    expect(translateStatus(failed(400), ctx).headline).toBe("Fix the request or deployment 'blue': online endpoint 'smoke' answered HTTP 400.");
    expect(translateStatus(failed(507), ctx).modelLogs).toBe(true);
  });

  it.each([404, 408, 409, 424, 429, 500, 502, 503, 504, 400, 418, 599])('%i: the first line is a next step, then its cause', (status) => {
    expect(translateStatus(failed(status), ctx).headline).toMatch(NEXT_STEP_THEN_CAUSE);
    expect(translateStatus(failed(status), { endpoint: 'smoke', concurrency: 1 }).headline).toMatch(NEXT_STEP_THEN_CAUSE);
  });
});
