// Online scoring: the credential the endpoint's auth mode needs, then each request body POSTed to
// the scoring URI (a .jsonl file: one per line, `concurrency` in flight), timed and recorded.
import { performance } from 'node:perf_hooks';
import type { Arm } from '../azure/arm.js';
import { armCall } from '../azure/arm.js';
import type { Endpoint } from '../azure/endpoints.js';
import { ActionError } from '../reporting/errors.js';
import { send, type Http, type Log } from '../azure/http.js';
import type { Inputs } from '../inputs.js';

/** Scoring requests get this long before they count as failed (the service's own maximum is 180 s). */
const REQUEST_TIMEOUT_MS = 180_000;

export interface ScoredRequest {
  /** 0: no answer (errorCode says why). */
  status: number;
  latencyMs: number;
  body: string;
  /** The deployment that answered (the answer's azureml-model-deployment header). */
  deployment?: string;
  /** x-request-id: the id Azure support asks for. */
  requestId?: string;
  /** The model's own status and reason on a 424 (ms-azureml-model-error-statuscode / -reason). */
  modelStatus?: string;
  modelReason?: string;
  /** Why there was no answer: the transport's code (ECONNRESET, ENOTFOUND, TimeoutError…). */
  errorCode?: string;
}

export interface OnlineResult {
  results: ScoredRequest[];
  failed: number;
  p50: number;
  p95: number;
  max: number;
}

/** The bearer credential for the endpoint's auth mode, masked before anything could print it. */
export async function scoringCredential(
  arm: Arm,
  inputs: Pick<Inputs, 'resourceGroup' | 'workspace' | 'cloud'>,
  endpoint: Endpoint,
  mlToken: () => Promise<string>,
  setSecret: (value: string) => void,
): Promise<string> {
  const { resourceGroup: rg, workspace: ws } = inputs;
  switch (endpoint.authMode) {
    case 'key': {
      const keys = await armCall(`list keys of online endpoint '${endpoint.name}'`, () => arm.ml.onlineEndpoints.listKeys(rg, ws, endpoint.name));
      if (keys.primaryKey) setSecret(keys.primaryKey);
      if (keys.secondaryKey) setSecret(keys.secondaryKey);
      if (!keys.primaryKey) throw new ActionError('azure', `Online endpoint '${endpoint.name}' returned no key; regenerate its keys.`);
      return keys.primaryKey;
    }
    case 'aml_token': {
      const token = await armCall(`get a token for online endpoint '${endpoint.name}'`, () => arm.ml.onlineEndpoints.getToken(rg, ws, endpoint.name));
      if (token.accessToken) setSecret(token.accessToken);
      if (!token.accessToken) throw new ActionError('azure', `Online endpoint '${endpoint.name}' returned no token.`);
      return token.accessToken;
    }
    case 'aad_token':
      if (endpoint.kubernetes) {
        throw new ActionError(
          'azure',
          `Switch online endpoint '${endpoint.name}' to auth mode key or aml_token: Kubernetes online endpoints do not support aad_token.`,
        );
      }
      return mlToken();
    default:
      throw new ActionError('azure', `Online endpoint '${endpoint.name}' has no auth mode this action knows.`);
  }
}

/**
 * Nearest-rank percentiles of the values, one per p, from a single sort (0 when there are none): the
 * smallest value with at least p % of the values at or below it. p outside 0-100 counts as its bound.
 */
export function percentiles(values: number[], ...ps: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  return ps.map((p) => (sorted.length === 0 ? 0 : sorted[nearestRank(p, sorted.length) - 1]));
}

/**
 * ceil(p % of n), between 1 and n, in integers: p is read as the decimal it prints as, since
 * (p / 100) * n in floating point lands one rank high on exact ties (p 7 of 100 values gave the 8th,
 * p 99.9 of 1000 the 1000th).
 */
function nearestRank(p: number, n: number): number {
  const decimal = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(p));
  if (!decimal) return p > 0 ? n : 1; // negative, infinite or NaN
  const [, whole, fraction = '', exponent = '0'] = decimal;
  // p = digits * 10^shift, so p % of n = digits * n * 10^(shift - 2).
  const digits = BigInt(whole + fraction) * BigInt(n);
  const shift = Number(exponent) - fraction.length - 2;
  const ten = 10n ** BigInt(Math.abs(shift));
  const rank = shift >= 0 ? digits * ten : (digits + ten - 1n) / ten;
  return rank < 1n ? 1 : rank > BigInt(n) ? n : Number(rank);
}

export interface ScoreOptions {
  http: Http;
  log: Log;
  endpoint: Endpoint;
  deployment?: string;
  credential: string;
  contentType: string;
  bodies: string[];
  concurrency: number;
  /** Names the deployment in the progress lines when two are scored at once. */
  label?: string;
}

/** POSTs every body, at most `concurrency` at once, and keeps the answers in input order. */
export async function score(o: ScoreOptions): Promise<OnlineResult> {
  const headers: Record<string, string> = { authorization: `Bearer ${o.credential}`, 'content-type': o.contentType, accept: 'application/json, */*' };
  if (o.deployment) headers['azureml-model-deployment'] = o.deployment;
  const results = new Array<ScoredRequest>(o.bodies.length);
  const step = Math.max(1, Math.ceil(o.bodies.length / 10));
  let next = 0;
  let done = 0;
  let failed = 0;

  const one = async (body: string): Promise<ScoredRequest> => {
    const start = performance.now();
    try {
      const res = await send(o.http, o.http.once, { url: o.endpoint.scoringUri, method: 'POST', body, headers, timeout: REQUEST_TIMEOUT_MS });
      const header = (name: string) => res.headers.get(name) ?? undefined;
      return {
        status: res.status,
        latencyMs: performance.now() - start,
        body: res.bodyAsText ?? '',
        deployment: header('azureml-model-deployment'),
        requestId: header('x-request-id'),
        modelStatus: header('ms-azureml-model-error-statuscode'),
        modelReason: header('ms-azureml-model-error-reason'),
      };
    } catch (err) {
      const e = err as { code?: string; name?: string; message?: string };
      return { status: 0, latencyMs: performance.now() - start, body: '', errorCode: e.code ?? e.name ?? e.message };
    }
  };

  const worker = async () => {
    while (next < o.bodies.length) {
      const i = next++;
      const r = await one(o.bodies[i]);
      results[i] = r;
      if (r.status < 200 || r.status >= 300) failed++;
      if (++done % step === 0 && o.bodies.length > 1) o.log.info(`${o.label ? `${o.label}: ` : ''}Sent ${done}/${o.bodies.length} requests (${failed} failed)`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, o.bodies.length) }, worker));

  const [p50, p95, max] = percentiles(
    results.map((r) => r.latencyMs),
    50,
    95,
    100,
  ) as [number, number, number];
  return { results, failed, p50, p95, max };
}

/** The response-file content: the body itself, or for .jsonl one compact JSON line per request. */
export function responseFileContent(results: ScoredRequest[], jsonl: boolean): string {
  if (!jsonl) return results[0]?.body ?? '';
  return results
    .map((r) => {
      try {
        return JSON.stringify(JSON.parse(r.body));
      } catch {
        return JSON.stringify(r.body);
      }
    })
    .join('\n')
    .concat('\n');
}
