// Run history, as azure-ai-ml reads it: the workspace's discovery URL names the history host, where
// a run's details (status, error, logFiles) and its child runs are (runhistory client:
// …/runs/{id}/details, …/runs/{id}/children). Read with a resource manager token; needs
// workspaces/experiments/runs/read. The resource manager's Job carries neither error nor logs.
import type { Arm } from '../azure/arm.js';
import { armCall } from '../azure/arm.js';
import { parseErrorBody } from '../azure/azure-errors.js';
import { send, type Http } from '../azure/http.js';
import type { Inputs } from '../inputs.js';

export interface RunError {
  code?: string;
  message: string;
}

export interface RunDetails {
  runId: string;
  status?: string;
  error?: RunError;
  /** Log path → URL (a SAS URL into the workspace's storage, read without a token). */
  logFiles: Record<string, string>;
}

export interface ChildRun {
  runId: string;
  /** properties['azureml.moduleName']: 'batchscoring' for the scoring step of a batch job. */
  moduleName?: string;
}

/** What a read that did not succeed answered: run history's (or its discovery document's) refusal, as text. */
export class RunHistoryRefusal extends Error {
  readonly status: number;
  readonly said: string | undefined;

  constructor(status: number, said: string | undefined) {
    super(`run history answered ${status}${said ? `: ${said}` : ''}`);
    this.name = 'RunHistoryRefusal';
    this.status = status;
    this.said = said;
  }
}

export interface RunHistory {
  details(runId: string): Promise<RunDetails>;
  children(runId: string): Promise<ChildRun[]>;
}

interface RawDetails {
  runId?: string;
  status?: string;
  error?: { error?: { code?: string; message?: string; details?: { message?: string }[] } };
  logFiles?: Record<string, string> | null;
}

/** A page of a run's child runs (PaginatedRunList). */
interface ChildPage {
  value?: { runId?: string; properties?: Record<string, string> }[];
  nextLink?: string | null;
}

/** Pages of child runs read at most (a batch job has one step). */
const MAX_PAGES = 20;

/** A next page's link when it is on run history's own origin: the token goes nowhere else. */
function sameOrigin(link: string | null | undefined, history: string): string | undefined {
  if (!link) return undefined;
  try {
    return new URL(link).origin === new URL(history).origin ? link : undefined;
  } catch {
    return undefined;
  }
}

/** Opens run history for the workspace; undefined when the workspace names no discovery URL or history host. */
export async function openRunHistory(
  arm: Arm,
  http: Http,
  inputs: Pick<Inputs, 'subscriptionId' | 'resourceGroup' | 'workspace'>,
  armToken: () => Promise<string>,
): Promise<RunHistory | undefined> {
  const ws = await armCall(`read workspace '${inputs.workspace}'`, () => arm.ml.workspaces.get(inputs.resourceGroup, inputs.workspace));
  if (!ws.discoveryUrl) return undefined;
  const discovery = await send(http, http.reads, { url: ws.discoveryUrl, method: 'GET' });
  if (discovery.status !== 200 || !discovery.bodyAsText) throw new RunHistoryRefusal(discovery.status, parseErrorBody(discovery.bodyAsText).message);
  const urls = JSON.parse(discovery.bodyAsText) as Record<string, string>;
  const history = (urls.history ?? urls.api ?? '').replace(/\/+$/, '');
  if (!history) return undefined;
  const base = `${history}/history/v1.0/subscriptions/${inputs.subscriptionId}/resourceGroups/${inputs.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${inputs.workspace}/runs`;

  const get = async <T>(path: string): Promise<T> => {
    const res = await send(http, http.reads, {
      url: path.startsWith('https://') || path.startsWith('http://') ? path : `${base}/${path}`,
      method: 'GET',
      headers: { authorization: `Bearer ${await armToken()}`, accept: 'application/json' },
      // A read that hangs must not hold the wait (the log follower reads at every poll).
      timeout: 60_000,
    });
    if (res.status !== 200 || !res.bodyAsText) throw new RunHistoryRefusal(res.status, parseErrorBody(res.bodyAsText).message);
    return JSON.parse(res.bodyAsText) as T;
  };

  // A job's steps, once listed, stay: the log follower, the failure's logs and the output's place share one read.
  const steps = new Map<string, ChildRun[]>();
  return {
    async details(runId) {
      const d = await get<RawDetails>(`${encodeURIComponent(runId)}/details`);
      const e = d.error?.error;
      const extra = (e?.details ?? []).map((x) => x.message).filter(Boolean);
      return {
        runId: d.runId ?? runId,
        status: d.status,
        error: e?.message ? { code: e.code, message: [e.message, ...extra].join(' ') } : undefined,
        logFiles: d.logFiles ?? {},
      };
    },
    async children(runId) {
      const known = steps.get(runId);
      if (known) return known;
      // A batch job has a single step, yet the list may come in pages, an empty first one included.
      const runs: ChildRun[] = [];
      let next: string | undefined = `${encodeURIComponent(runId)}/children`;
      for (let pages = 0; next && pages < MAX_PAGES; pages++) {
        const page: ChildPage = await get<ChildPage>(next);
        runs.push(...(page.value ?? []).flatMap((c) => (c.runId ? [{ runId: c.runId, moduleName: c.properties?.['azureml.moduleName'] }] : [])));
        next = sameOrigin(page.nextLink, history);
      }
      if (runs.length) steps.set(runId, runs);
      return runs;
    },
  };
}
