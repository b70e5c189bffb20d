// Failed scoring requests, explained: each translated into its cause (status-codes.ts for answers,
// network.ts for requests that got none), grouped by cause in the job summary, and the first one
// made the run's error: its next step and cause first, then the deployment's figures, the
// response, the request id and, for 424 and 5xx, the model's own log.
import { explainConnectionError, explainPrivateLinkDenial, isPrivateLinkDenial, type Privacy } from '../azure/network.js';
import { ActionError } from '../reporting/errors.js';
import { showModelLog, type LogSink, type ModelLog } from './model-logs.js';
import type { ScoredRequest } from './online.js';
import { translateStatus, type DeploymentFigures, type Translation } from './status-codes.js';

export interface FailureContext {
  endpoint: string;
  /** The host of the scoring URI. */
  host: string;
  /** The deployment named by the 'deployment' input. */
  deployment?: string;
  /** When only one deployment takes traffic, it answered every request routed by traffic. */
  onlyDeployment?: string;
  concurrency: number;
  privacy: Privacy;
  /** The deployment's figures, read when first needed; undefined when they cannot be. */
  figures(deployment: string): Promise<DeploymentFigures | undefined>;
}

/** The deployment that answered a request. */
export function answeredBy(r: ScoredRequest, c: Pick<FailureContext, 'deployment' | 'onlyDeployment'>): string | undefined {
  return r.deployment ?? c.deployment ?? c.onlyDeployment;
}

/** One failed request, translated (figures already looked up). */
export function translateFailure(r: ScoredRequest, c: Omit<FailureContext, 'figures'>, figures?: DeploymentFigures): Translation {
  const plain = { details: [], modelLogs: false, authorization: false };
  if (r.status === 0) {
    const e = explainConnectionError({ code: r.errorCode, what: 'the scoring URI', host: c.host, privacy: c.privacy });
    return { ...plain, cause: `no answer (${r.errorCode ?? 'unknown'})`, headline: e.headline, details: e.details };
  }
  if (isPrivateLinkDenial(r.body)) {
    const e = explainPrivateLinkDenial({ what: `the scoring URI ${c.host}`, resource: c.privacy.resource });
    return { ...plain, cause: `${r.status} private network`, headline: e.headline, details: e.details };
  }
  return translateStatus(r, { endpoint: c.endpoint, deployment: answeredBy(r, c), figures, concurrency: c.concurrency });
}

export interface Grouped {
  cause: string;
  count: number;
  /** 0-based index of its first request. */
  first: number;
}

/** Failures by cause, most frequent first (ties: the earlier first). */
export function groupByCause(failures: { index: number; translation: Translation }[]): Grouped[] {
  const groups = new Map<string, Grouped>();
  for (const f of failures) {
    const g = groups.get(f.translation.cause);
    if (g) g.count++;
    else groups.set(f.translation.cause, { cause: f.translation.cause, count: 1, first: f.index });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.first - b.first);
}

/** The job summary's table of failures by cause. */
export function causeTable(groups: Grouped[], jsonl: boolean): string {
  return [
    '### Failed requests by cause',
    '',
    `| Cause | Requests | First${jsonl ? ' (line)' : ''} |`,
    '| --- | --- | --- |',
    ...groups.map((g) => `| ${g.cause} | ${g.count} | ${jsonl ? g.first + 1 : 'the request'} |`),
  ].join('\n');
}

export interface ExplainDeps {
  sink: LogSink;
  /** The permission diagnosis for a 401/403. */
  authorization(r: ScoredRequest): ActionError;
  readModelLog(deployment: string): Promise<ModelLog>;
  /** The error explained by the roles of the endpoint's identity, for a deployment whose container never started. */
  endpointIdentity?(deployment: string, err: ActionError): Promise<ActionError>;
}

/**
 * A 502 or 503 with an empty model log: the container never started, the troubleshooting guide's
 * deployment that never became healthy (so its endpoint identity's roles are checked).
 */
export function neverStarted(status: number, log: ModelLog): boolean {
  return (status === 502 || status === 503) && 'lines' in log && log.lines.length === 0;
}

/** The run's error for the failed requests of `results`; the summary gets the table of causes. */
export async function scoringFailed(
  results: ScoredRequest[],
  c: FailureContext,
  request: { source: string; jsonl: boolean },
  deps: ExplainDeps,
): Promise<ActionError> {
  const failed = results.map((r, index) => ({ r, index })).filter(({ r }) => r.status < 200 || r.status >= 300);
  const figuresOf = new Map<string, DeploymentFigures | undefined>();
  const translated = [];
  for (const f of failed) {
    const deployment = answeredBy(f.r, c);
    if (deployment && f.r.status !== 0 && !figuresOf.has(deployment)) figuresOf.set(deployment, await c.figures(deployment));
    translated.push({ ...f, translation: translateFailure(f.r, c, deployment ? figuresOf.get(deployment) : undefined) });
  }
  const groups = groupByCause(translated);
  deps.sink.section(causeTable(groups, request.jsonl));
  const first = translated[0];
  const where = request.jsonl ? `; the first is line ${first.index + 1} of ${request.source}` : '';
  const byCause = groups.length > 1 ? ` (${groups.map((g) => `${g.count} × ${g.cause}`).join(', ')})` : '';
  const count = `${failed.length} of ${results.length} scoring request${results.length === 1 ? '' : 's'} failed${byCause}${where}.`;
  if (first.translation.authorization && !isPrivateLinkDenial(first.r.body)) {
    const e = deps.authorization(first.r);
    const more = results.length > 1 ? ['', count] : [];
    return new ActionError(e.kind, e.message, [...e.details, ...more], { summary: e.summary, missingActions: e.missingActions });
  }
  const details = [...(results.length > 1 ? [count] : []), ...first.translation.details];
  const body = first.r.body.trim().slice(0, 1000);
  if (body) details.push(`Response: ${body}`);
  if (first.r.requestId) details.push(`Request id (x-request-id, for Azure support): ${first.r.requestId}`);
  // The model's log once, for the deployment of the first failure the log explains.
  const modelFailure = translated.find((t) => t.translation.modelLogs);
  const deployment = modelFailure && answeredBy(modelFailure.r, c);
  const log = deployment ? await deps.readModelLog(deployment) : undefined;
  if (log) details.push('', ...(await showModelLog(deps.sink, log)));
  const error = new ActionError(first.r.status === 0 ? 'network' : 'scoring', first.translation.headline, details);
  if (deployment && log && modelFailure && neverStarted(modelFailure.r.status, log) && deps.endpointIdentity) return deps.endpointIdentity(deployment, error);
  return error;
}
