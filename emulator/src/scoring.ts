// What a managed online endpoint answers once a request is routed to a deployment: the model's
// answer, or one of the rows of Microsoft Learn's online-endpoint troubleshooting status table that
// the deployment is set to meet (ScoringCondition), or that its own limits produce when enforced.
// Statuses and the 424 headers are the guide's; the bodies are guesses unless noted.
import type { ScoringCondition, ScoringResponse } from './types.js';
import type { OnlineDeploymentRec, OnlineEndpointRec } from './world.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An ISO 8601 duration of hours, minutes and seconds (PT5S, PT0.5S, PT1M30S) in ms. */
export function isoMs(duration: string): number {
  const m = /^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(duration);
  if (!m) throw new Error(`not an ISO 8601 duration: '${duration}'`);
  return Math.round((Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000);
}

/** The inference server's log format (Microsoft Learn: "<UTC Time> | <level> [<pid>] <logger name> - <message>"). */
function logLine(level: 'I' | 'E', logger: string, message: string): string {
  const t = new Date().toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
  return `${t} ${level} [21] ${logger} - ${message}`;
}

/** Keeps a deployment's log bounded however many requests a bench sends. */
const MAX_LOG_LINES = 2000;

function log(d: OnlineDeploymentRec, ...lines: string[]): void {
  d.logs.push(...lines);
  if (d.logs.length > MAX_LOG_LINES) d.logs.splice(0, d.logs.length - MAX_LOG_LINES);
}

/** A run() exception as the server logs it: logger.error("Encountered Exception: " + traceback). */
function logException(d: OnlineDeploymentRec): void {
  log(
    d,
    logLine('E', 'azmlinfsrv', 'Encountered Exception: Traceback (most recent call last):'),
    '  File "/var/azureml-app/onlinescoring/score.py", line 24, in run',
    '    result = model.predict(data)',
    'ValueError: X has 3 features, but LogisticRegression is expecting 2 features as input.',
  );
}

/** The inference server's body for a run() exception (its tests; seen through a 424 in Azure/azureml-examples#4031). */
const MODEL_ERROR_BODY = { message: 'An unexpected error occurred in scoring script. Check the logs for more info.' };

const CONDITIONS: Record<ScoringCondition, (d: OnlineDeploymentRec) => ScoringResponse> = {
  'model-error': (d) => {
    logException(d);
    log(d, logLine('I', 'azmlinfsrv.access', 'POST /score 500 12ms'));
    return { status: 424, body: MODEL_ERROR_BODY, headers: { 'ms-azureml-model-error-statuscode': '500', 'ms-azureml-model-error-reason': 'model_error' } };
  },
  // Envoy's phrase for its route timeout, reported for managed endpoints (MicrosoftDocs/azure-docs#94105).
  timeout: () => ({ status: 408, body: 'upstream request timeout' }),
  'too-many-pending': () => ({ status: 429, body: { message: 'Too many pending requests for this deployment.' } }),
  'rate-limited': () => ({ status: 429, body: { message: 'Rate limit exceeded for this endpoint.' } }),
  infrastructure: () => ({ status: 500, body: { message: 'Internal server error.' } }),
  conflict: () => ({ status: 409, body: { message: 'An operation is already in progress on this endpoint.' } }),
  crash: (d) => {
    logException(d);
    return { status: 502, body: 'Bad Gateway' };
  },
  spike: () => ({ status: 503, body: 'no healthy upstream' }),
  'gateway-timeout': () => ({ status: 504, body: 'upstream request timeout' }),
};

/** The answer to one request routed to deployment d; `model` is the model's own answer. */
export async function answer(e: OnlineEndpointRec, d: OnlineDeploymentRec, model: () => Promise<ScoringResponse>): Promise<ScoringResponse> {
  const limit = 2 * d.requestSettings.maxConcurrentRequestsPerInstance * d.instanceCount;
  if (d.enforceRequestLimits && d.inFlight >= limit) return CONDITIONS['too-many-pending'](d);
  d.inFlight++;
  try {
    const timeoutMs = isoMs(d.requestSettings.requestTimeout);
    if (d.condition === 'timeout' || (d.enforceRequestLimits && e.latencyMs > timeoutMs)) {
      await sleep(timeoutMs);
      return CONDITIONS.timeout(d);
    }
    if (e.latencyMs > 0) await sleep(e.latencyMs);
    if (d.condition) return CONDITIONS[d.condition](d);
    const a = await model();
    log(d, logLine('I', 'azmlinfsrv.access', `POST /score ${a.status} ${e.latencyMs}ms`));
    return a;
  } finally {
    d.inFlight--;
  }
}
