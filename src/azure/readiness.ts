// Whether the endpoint and its deployment can take a request: Succeeded goes on; Creating, Updating
// and Scaling are waited for (wait-for-ready, minutes), saying so; Failed, Canceled and Deleting
// stop the run before anything is invoked, with the resource's own error where Azure keeps one. A
// state the spec does not list (the service may add some) is named, and waited for only under
// wait-for-ready.
// The resources carry no error field (2022-10-01 spec): the error of a failed create or update is
// the status of its async operation (properties.AzureAsyncOperationUri).
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import type { Arm } from './arm.js';
import { parseErrorBody } from './azure-errors.js';
import { pollIntervalMs } from './retry.js';
import type { Log } from './http.js';
import type { Clock } from '../clock.js';
import { ActionError, describeThrown } from '../reporting/errors.js';
import { duration } from '../reporting/format.js';

export type Readiness = 'ready' | 'pending' | 'failed' | 'unknown';

export function readinessOf(state: string | undefined): Readiness {
  if (!state || /^succeeded$/i.test(state)) return 'ready';
  if (/^(creating|updating|scaling)$/i.test(state)) return 'pending';
  if (/^(failed|canceled|deleting)$/i.test(state)) return 'failed';
  return 'unknown';
}

const KNOWN_STATES = 'Succeeded, Creating, Updating, Scaling, Failed, Canceled, Deleting';

export interface Watched {
  /** "online endpoint", "batch endpoint", "deployment". */
  kind: string;
  name: string;
  state?: string;
  /** properties.AzureAsyncOperationUri: the status of its last create or update. */
  operationUri?: string;
  /** Reads it again; returns its provisioning state. */
  read(): Promise<string | undefined>;
}

export interface WaitOptions {
  resources: Watched[];
  /** wait-for-ready in ms (0: do not wait). */
  waitMs: number;
  clock: Clock;
  signal: AbortSignal;
  log: Log;
  /** What is known about why a resource failed: a reason for the first line, lines for the rest. */
  whyFailed(r: Watched): Promise<{ reason?: string; details: string[] }>;
  /** A last word on the error a resource stops the wait with (an online deployment: its endpoint's identity); returns the error to throw. */
  amend?(r: Watched, err: ActionError): Promise<ActionError>;
}

function describe(r: Watched): string {
  return `${r.kind} '${r.name}'`;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function amended(o: WaitOptions, r: Watched, err: ActionError): Promise<ActionError> {
  return o.amend ? o.amend(r, err) : Promise.resolve(err);
}

/** Waits until every resource is ready; returns whether it had to wait. Throws when one failed or the wait ran out. */
export async function waitUntilReady(o: WaitOptions): Promise<boolean> {
  const start = o.clock.now();
  const minutes = `wait-for-ready: ${+(o.waitMs / 60_000).toFixed(2)} min`;
  let shown = '';
  const named = new Set<string>();
  for (;;) {
    const failed = o.resources.find((r) => readinessOf(r.state) === 'failed');
    if (failed) {
      const why = await o.whyFailed(failed);
      const stopped = new ActionError(
        'not-ready',
        `Fix or redeploy ${describe(failed)}: its provisioning state is '${failed.state}'${why.reason ? ` (${why.reason})` : ''}, so it cannot be invoked.`,
        why.details,
      );
      throw await amended(o, failed, stopped);
    }
    const pending = o.resources.filter((r) => ['pending', 'unknown'].includes(readinessOf(r.state)));
    const elapsed = o.clock.now() - start;
    if (pending.length === 0) {
      if (shown) o.log.info(`Ready after ${duration(elapsed)}.`);
      return shown !== '';
    }
    const first = pending[0];
    if (o.waitMs <= 0) throw await amended(o, first, notWaitedFor(first));
    for (const r of pending.filter((x) => readinessOf(x.state) === 'unknown' && !named.has(`${describe(x)} ${x.state}`))) {
      named.add(`${describe(r)} ${r.state}`);
      o.log.info(
        `${capitalized(describe(r))} reports provisioning state '${r.state}', which this action does not know (it knows ${KNOWN_STATES}): it is waited for as one in progress.`,
      );
    }
    if (elapsed >= o.waitMs) {
      const stopped = new ActionError(
        'not-ready',
        `Raise wait-for-ready or check ${describe(first)} in the studio: it is still '${first.state}' after ${duration(elapsed)} (${minutes}).`,
      );
      throw await amended(o, first, stopped);
    }
    const what = pending.map((r) => `${describe(r)} (${r.state})`).join(', ');
    if (what !== shown) o.log.info(`Waiting for ${what} to be ready (${minutes}, waited ${duration(elapsed)})...`);
    shown = what;
    await o.clock.sleep(Math.min(pollIntervalMs(elapsed), o.waitMs - elapsed), o.signal);
    if (o.signal.aborted) throw new ActionError('cancelled', `The workflow was cancelled while waiting for ${what}; nothing was invoked.`);
    for (const r of pending) r.state = await r.read();
  }
}

/** Why a resource not ready is not waited for without wait-for-ready; a state the action does not know is named as such. */
function notWaitedFor(r: Watched): ActionError {
  if (readinessOf(r.state) === 'unknown') {
    return new ActionError(
      'not-ready',
      `Check ${describe(r)} in the studio, or set wait-for-ready to wait for it: its provisioning state '${r.state}' is one this action does not know (it knows ${KNOWN_STATES}).`,
    );
  }
  return new ActionError('not-ready', `Wait for ${describe(r)} to finish provisioning, or set wait-for-ready to wait for it: its state is '${r.state}'.`);
}

/**
 * The error of the last create or update, from its async operation status: {status, error: {code,
 * message}} (ARM's async operation contract; no failed recording was found, so the error's shape
 * is believed, not confirmed). The URL is followed only on the resource manager's own origin, so
 * the token never goes elsewhere. Reading it needs locations/mfeOperationsStatus/read.
 */
export async function operationError(arm: Arm, uri: string | undefined, resourceManager: string): Promise<{ reason?: string; unread?: string }> {
  if (!uri) return {};
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return {};
  }
  if (url.origin !== new URL(resourceManager).origin) return {};
  try {
    const res = await arm.ml.sendRequest(createPipelineRequest({ url: url.toString(), method: 'GET' }));
    if (res.status !== 200) {
      const said = parseErrorBody(res.bodyAsText);
      return { unread: `HTTP ${res.status}${said.code ? ` ${said.code}` : ''}` };
    }
    const body = JSON.parse(res.bodyAsText ?? '{}') as { status?: string; error?: { code?: string | null; message?: string } };
    const message = body.error?.message;
    if (!message) return {};
    return { reason: body.error?.code ? `${body.error.code}: ${message}` : message };
  } catch (err) {
    return { unread: describeThrown(err) };
  }
}
