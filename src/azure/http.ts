// The one HTTP stack every request of a run goes through: a shared keep-alive client, the proxy of
// HTTPS_PROXY / NO_PROXY (as the Azure SDKs' own pipelines take it), and the retry policy that logs
// each retry with its reason. Requests that must never be repeated blindly (creating a batch job,
// scoring) use a pipeline without it. The pipelines are the action's own, sign-in's included: the
// Azure SDKs' default ones hold a policy whose check for a FormData body makes Node load its whole
// fetch implementation (undici) before the first token request, about 40 ms, for requests that
// never carry one.
import {
  createDefaultHttpClient,
  createEmptyPipeline,
  createPipelineRequest,
  decompressResponsePolicy,
  proxyPolicy,
  retryPolicy,
  userAgentPolicy,
  type HttpClient,
  type Pipeline,
  type PipelinePolicy,
  type PipelineRequestOptions,
  type PipelineResponse,
  type RetryStrategy,
} from '@azure/core-rest-pipeline';
import type { Agent } from 'node:https';
import { describeTransient, isTransientErrorCode, isTransientStatus, parseRetryAfter, retryDelayMs } from './retry.js';

export const USER_AGENT = 'azureml-invoke/0.1';
export const MAX_RETRIES = 5;

export interface Log {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
}

/** Host and path of a URL, never its query (which could carry a signature). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return url.split('?')[0] ?? url;
  }
}

function retryStrategy(log: Log, random: () => number): RetryStrategy {
  return {
    name: 'azureml-invoke-retry',
    retry({ retryCount, response, responseError }) {
      const status = response?.status;
      const code = responseError?.code;
      const transient = response ? isTransientStatus(status) : isTransientErrorCode(code);
      if (!transient) return { skipStrategy: true };
      const retryAfter = parseRetryAfter(response?.headers.get('retry-after'), Date.now());
      const delay = retryDelayMs(retryCount, retryAfter, random);
      const request = response?.request ?? responseError?.request;
      const what = request ? `${request.method} ${describeUrl(request.url)}` : 'request';
      const after = retryAfter !== undefined ? ' (as Retry-After asks)' : '';
      log.info(`${what}: ${describeTransient(status, code)}; retry ${retryCount + 1} of ${MAX_RETRIES} in ${(delay / 1000).toFixed(1)} s${after}`);
      return { retryAfterInMs: delay };
    },
  };
}

/** The retry policy for reads, polls and other requests that are safe to repeat. */
export function loggingRetryPolicy(log: Log, random: () => number = Math.random): PipelinePolicy {
  const policy = retryPolicy([retryStrategy(log, random)], { maxRetries: MAX_RETRIES });
  // A name of its own: a pipeline refuses two policies of one name, and @azure/identity adds its
  // own 'retryPolicy' to a managed identity's pipeline.
  return { name: 'azureml-invoke-retry', sendRequest: (request, next) => policy.sendRequest(request, next) };
}

export interface Http {
  client: HttpClient;
  /** Pipeline for requests safe to repeat: retried on transient failures. */
  reads: Pipeline;
  /** Pipeline for requests never repeated by the transport (job creation, scoring). */
  once: Pipeline;
  /** A new pipeline like `reads`, for a client that may add policies of its own to it. */
  newReadPipeline(): Pipeline;
  retry: PipelinePolicy;
  /** The last request sent, as requestLine gives it (for the report of an unexpected error). */
  lastRequest(): string | undefined;
}

/** A request as a report may show it: method, origin and path, never the query (SAS tokens, codes) or fragment. */
export function requestLine(method: string, url: string): string {
  try {
    const u = new URL(url);
    return `${method} ${u.origin}${u.pathname}`;
  } catch {
    return `${method} ${url.replace(/[?#].*$/s, '')}`;
  }
}

/**
 * The HTTP stack of a run. `agent` (warm.ts), when given, carries every https request that no
 * proxy takes: one keep-alive pool for the whole run, holding the connections opened ahead.
 */
export function createHttp(log: Log, agent?: Agent): Http {
  const transport = createDefaultHttpClient();
  let last: string | undefined;
  const client: HttpClient = {
    sendRequest: (request) => {
      last = requestLine(request.method, request.url);
      // proxyPolicy has set an agent by now when a proxy applies; that one stays.
      if (agent && !request.agent && request.url.startsWith('https:')) request.agent = agent;
      return transport.sendRequest(request);
    },
  };
  const retry = loggingRetryPolicy(log);
  const base = (withRetry: boolean) => {
    const pipeline = createEmptyPipeline();
    pipeline.addPolicy(userAgentPolicy({ userAgentPrefix: USER_AGENT }));
    pipeline.addPolicy(decompressResponsePolicy());
    pipeline.addPolicy(proxyPolicy());
    if (withRetry) pipeline.addPolicy(retry, { phase: 'Retry' });
    return pipeline;
  };
  return { client, reads: base(true), once: base(false), newReadPipeline: () => base(true), retry, lastRequest: () => last };
}

export interface SendOptions extends Omit<PipelineRequestOptions, 'headers'> {
  headers?: Record<string, string>;
}

/** Sends one request and returns the response whatever its status; network failures throw. */
export async function send(http: Http, pipeline: Pipeline, options: SendOptions): Promise<PipelineResponse> {
  const { headers, timeout, ...rest } = options;
  // The transport's own timeout timer outlives a request that failed (and keeps the process
  // alive); AbortSignal.timeout's does not.
  const request = createPipelineRequest(timeout ? { ...rest, abortSignal: rest.abortSignal ?? AbortSignal.timeout(timeout) } : rest);
  for (const [name, value] of Object.entries(headers ?? {})) request.headers.set(name, value);
  return pipeline.sendRequest(http.client, request);
}
