// What a failed scoring request means, and what to do about it, with the deployment's own figures.
// One entry per row of the status-code tables of Microsoft Learn's "Troubleshoot online endpoint
// deployment and scoring" (section "HTTP status codes"); pure, so each row is tested directly.
//
//   status  row (table)                                             here
//   401     Unauthorized (managed)                                  the permission diagnosis (diagnose.ts)
//   403     — no row in either table                                authorization too: the scoring URI refused the
//                                                                   credential, diagnosed like a 401
//   404     Not found (managed): no deployment with positive weight set traffic or name the deployment
//   408     Request timeout (managed): longer than request_timeout_ms   the deployment's requestTimeout
//   409     Conflict error (Kubernetes): an operation in progress   wait for it (wait-for-ready)
//   424     Model error (managed): the container answered non-200   the model's own log (getLogs)
//   429     Too many pending requests (managed): more than
//           2 * max_concurrent_requests_per_instance * instance_count   that limit against `concurrency`
//   429     Rate-limited (managed): requests per second at the
//           endpoint limit (500 by default, "Manage and increase quotas")  ask for a higher limit
//   500     Internal server error (managed and Kubernetes)          re-run later; the model's log too
//   502     run() raised or crashed (Kubernetes)                    the model's own log
//   503     Large spikes in requests per second (Kubernetes)        instance count and scale settings
//   504     Request times out (Kubernetes)                          requestTimeout, instances
//
// The two 429 rows share a status; the limit tells them apart when this run alone could exceed it.

export interface DeploymentFigures {
  name: string;
  kubernetes: boolean;
  /** requestSettings.requestTimeout as Azure gives it (ISO 8601, e.g. PT5S). */
  requestTimeout?: string;
  requestTimeoutMs?: number;
  maxConcurrentRequestsPerInstance?: number;
  /** sku.capacity: the instance count of a managed deployment. */
  instanceCount?: number;
  scale?: { type: string; minInstances?: number; maxInstances?: number; targetUtilizationPercentage?: number };
}

export interface FailedRequest {
  status: number;
  latencyMs: number;
  body: string;
  /** ms-azureml-model-error-statuscode / -reason (424). */
  modelStatus?: string;
  modelReason?: string;
  /** x-request-id: the id Azure support asks for. */
  requestId?: string;
}

export interface StatusContext {
  endpoint: string;
  /** The deployment the request reached (the answer's azureml-model-deployment, or the one named). */
  deployment?: string;
  /** Its figures, when they could be read. */
  figures?: DeploymentFigures;
  /** Requests this run had in flight at most. */
  concurrency: number;
}

export interface Translation {
  /** The row, short: groups failures in the summary ("408 request timeout"). */
  cause: string;
  /** The first line: the next step, then the cause with its figures. */
  headline: string;
  details: string[];
  /** The model's own log explains it (424 and 5xx). */
  modelLogs: boolean;
  /** 401/403: the permission diagnosis answers instead. */
  authorization: boolean;
}

/** Managed online endpoints allow at most 180 s per request ("Manage and increase quotas", note 5). */
export const MAX_MANAGED_TIMEOUT_MS = 180_000;
/** Requests per second at endpoint level, by default ("Manage and increase quotas"). */
export const DEFAULT_ENDPOINT_RPS = 500;

/** An ISO 8601 duration of hours, minutes and seconds (PT5S, PT0.5S, PT1M30S) in ms; undefined when it is not one. */
export function parseIsoDurationMs(duration: string | undefined): number | undefined {
  const m = /^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(duration ?? '');
  if (!m || (m[1] ?? m[2] ?? m[3]) === undefined) return undefined;
  return Math.round((Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000);
}

/** The 429 limit: requests a deployment processes in parallel, 2 × max concurrent × instances. */
export function pendingLimit(f: DeploymentFigures | undefined): number | undefined {
  if (!f?.maxConcurrentRequestsPerInstance || !f.instanceCount) return undefined;
  return 2 * f.maxConcurrentRequestsPerInstance * f.instanceCount;
}

function who(c: StatusContext): string {
  return c.deployment ? `deployment '${c.deployment}'` : `online endpoint '${c.endpoint}'`;
}

function timeoutFigure(f: DeploymentFigures | undefined): string {
  if (f?.requestTimeoutMs === undefined) return 'its request timeout could not be read (Azure defaults to 5000 ms)';
  return `its request timeout is ${f.requestTimeoutMs} ms (requestSettings.requestTimeout ${f.requestTimeout})`;
}

function instances(f: DeploymentFigures | undefined): string {
  if (!f?.instanceCount) return 'its instance count could not be read';
  const n = `${f.instanceCount} instance${f.instanceCount === 1 ? '' : 's'}`;
  const s = f.scale;
  if (s?.type === 'TargetUtilization')
    return `it runs ${n} and scales between ${s.minInstances ?? '?'} and ${s.maxInstances ?? '?'} at ${s.targetUtilizationPercentage ?? '?'} % utilization`;
  return `it runs ${n}${s?.type === 'Default' ? ' (scale type Default: a fixed count)' : ''}`;
}

const TIMEOUT_FIX = `Set request_settings.request_timeout_ms in the deployment's YAML (at most ${MAX_MANAGED_TIMEOUT_MS} ms on a managed online endpoint) and apply it with 'az ml online-deployment update', or make run() in score.py faster.`;

type Row = (r: FailedRequest, c: StatusContext) => Partial<Translation> & Pick<Translation, 'cause' | 'headline'>;

function authorization(r: FailedRequest, c: StatusContext): ReturnType<Row> {
  return {
    cause: r.status === 401 ? '401 unauthorized' : '403 refused',
    headline: `Check the identity's access to online endpoint '${c.endpoint}': it answered ${r.status}.`,
    authorization: true,
  };
}

function notFound(_r: FailedRequest, c: StatusContext): ReturnType<Row> {
  return {
    cause: '404 no deployment to route to',
    headline: c.deployment
      ? `Check 'deployment': online endpoint '${c.endpoint}' answered 404 to deployment '${c.deployment}', which it does not route to.`
      : `Set 'deployment' or give a deployment traffic: online endpoint '${c.endpoint}' answered 404, which it gives when no deployment has a positive traffic weight.`,
  };
}

function modelError(r: FailedRequest, c: StatusContext): ReturnType<Row> {
  const model = r.modelStatus || r.modelReason ? ` (the model answered ${[r.modelStatus, r.modelReason].filter(Boolean).join(' ')})` : '';
  return {
    cause: `424 model error${r.modelStatus ? ` ${r.modelStatus}` : ''}`,
    headline: `Fix the model of ${who(c)}: it answered 424, Azure's answer when the model's container returns an error${model}.`,
    details: ["If the liveness or readiness probe failed, give the container more time in the deployment's probe settings (liveness_probe / readiness_probe)."],
    modelLogs: true,
  };
}

/** 429: too many pending requests when this run alone could exceed the limit, else the rate limit. */
function tooMany(_r: FailedRequest, c: StatusContext): ReturnType<Row> {
  const f = c.figures;
  const limit = pendingLimit(f);
  const formula =
    limit !== undefined && f
      ? `${limit} (2 × max_concurrent_requests_per_instance ${f.maxConcurrentRequestsPerInstance} × ${f.instanceCount} instance${f.instanceCount === 1 ? '' : 's'})`
      : '';
  if (limit !== undefined && c.concurrency > limit) {
    return {
      cause: '429 too many pending requests',
      headline: `Lower 'concurrency' to ${limit} or give ${who(c)} more capacity: it answered 429 (too many pending requests); it takes at most ${formula} requests in parallel and this run sent up to ${c.concurrency}.`,
      details: [
        'To take more: raise request_settings.max_concurrent_requests_per_instance (with the WORKER_COUNT environment variable to match) or instance_count; under autoscaling, retry with exponential backoff.',
      ],
    };
  }
  return {
    cause: '429 too many requests',
    headline:
      limit !== undefined
        ? `Lower the request rate or ask for a higher limit on online endpoint '${c.endpoint}': it answered 429 although this run sent at most ${c.concurrency} at once, within the ${formula} ${who(c)} takes in parallel; other clients share it, or the endpoint reached its rate limit (${DEFAULT_ENDPOINT_RPS} requests per second by default).`
        : `Lower 'concurrency' or give ${who(c)} more instances: it answered 429, either too many pending requests (more than 2 × max_concurrent_requests_per_instance × instance count) or the endpoint's rate limit (${DEFAULT_ENDPOINT_RPS} requests per second by default).`,
    details: ["A higher rate limit is a quota request ('Machine Learning Service: Endpoint Limits'); re-create the deployments once it is granted."],
  };
}

/** One function per row of the guide's tables, by status. */
const ROWS: Record<number, Row> = {
  401: authorization,
  403: authorization,
  404: notFound,
  408: (r, c) => ({
    cause: '408 request timeout',
    headline: `Raise the request timeout of ${who(c)} or make the model faster: it answered 408 after ${Math.round(r.latencyMs)} ms; ${timeoutFigure(c.figures)}.`,
    details: [TIMEOUT_FIX],
  }),
  409: (_r, c) => ({
    cause: '409 operation in progress',
    headline: `Wait for the operation in progress on online endpoint '${c.endpoint}' to finish, then re-run (wait-for-ready waits for it): it answered 409 Conflict, its answer while a create, update or delete runs.`,
  }),
  424: modelError,
  429: tooMany,
  500: (_r, c) => ({
    cause: '500 internal server error',
    headline: `Re-run later, or open an Azure support request with the request id: online endpoint '${c.endpoint}' answered 500, Azure's answer when the infrastructure it provisioned for the deployment is failing.`,
    modelLogs: true,
  }),
  502: (_r, c) => ({
    cause: '502 run() crashed',
    headline: `Fix score.py of ${who(c)}: it answered 502, Azure's answer when run() raises or crashes (a package missing from the environment, a syntax error, or init() failing).`,
    modelLogs: true,
  }),
  503: (_r, c) => ({
    cause: '503 load above capacity',
    headline: `Scale out ${who(c)} or lower 'concurrency': it answered 503, Azure's answer when requests rise faster than it scales; ${instances(c.figures)}.`,
    details: [
      'Raise the instance count (or min_instances), lower the target utilization at which it adds instances, or raise max_instances when it already runs at its maximum.',
    ],
    modelLogs: true,
  }),
  504: (r, c) => ({
    cause: '504 request timed out',
    headline: `Raise the request timeout of ${who(c)} or make the model faster: it answered 504 after ${Math.round(r.latencyMs)} ms (the request timed out); ${timeoutFigure(c.figures)}, and ${instances(c.figures)}.`,
    details: [TIMEOUT_FIX, 'If the model is only overloaded, scale out or lower concurrency.'],
    modelLogs: true,
  }),
};

/** Any other status: named, with the model's log for a server error. */
function otherStatus(r: FailedRequest, c: StatusContext): ReturnType<Row> {
  return {
    cause: `${r.status} ${r.status >= 500 ? 'server error' : 'refused'}`,
    headline: `Fix the request or ${who(c)}: online endpoint '${c.endpoint}' answered HTTP ${r.status}.`,
    modelLogs: r.status >= 500,
  };
}

/** The translation of one failed scoring request (any status but 2xx; 0 is network.ts's). */
export function translateStatus(r: FailedRequest, c: StatusContext): Translation {
  const row = Object.hasOwn(ROWS, r.status) ? ROWS[r.status] : otherStatus;
  return { details: [], modelLogs: false, authorization: false, ...row(r, c) };
}
