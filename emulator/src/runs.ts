// What a batch job leaves behind: the settings of its BatchJob body (checked as the service's
// model types them), the scoring output a Completed job writes into Blob storage (one row per
// input line, or per file for files too large to read here), and the run history azure-ai-ml's
// jobs.download reads to find it: the job's 'batchscoring' child run and its run data.
import { ML, authorize, wsScope } from './arm.js';
import { authenticate } from './identity.js';
import { statusAt, type Job } from './jobs.js';
import { batchscoringRun } from './runhistory.js';
import type { Ctx, Route } from './server.js';
import type { State } from './state.js';
import type { BlobStore } from './storage.js';
import { STORAGE_SUFFIX } from './storage.js';
import type { World } from './world.js';

const DURATION = /^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
/** Text inputs up to this size are read line by line; larger ones count as one row. */
const READ_LIMIT = 1024 * 1024;

/** Reads a key of an object case-insensitively (the service takes camelCase and PascalCase). */
export function pick(o: unknown, key: string): unknown {
  if (!o || typeof o !== 'object') return undefined;
  const hit = Object.keys(o).find((k) => k.toLowerCase() === key.toLowerCase());
  return hit === undefined ? undefined : (o as Record<string, unknown>)[hit];
}

/**
 * The job settings of a BatchJob body (azure-ai-ml v2020_09_01_dataplanepreview BatchJob), or the
 * 400 message for the first that does not fit its type. Kept as sent, by wire name.
 */
export function parseSettings(props: unknown): { settings: Record<string, unknown> } | { error: string } {
  const settings: Record<string, unknown> = {};
  const int = (name: string, min: number, value: unknown) => {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) return `${name} must be an integer of at least ${min}.`;
    settings[name] = value;
    return undefined;
  };
  const compute = pick(props, 'compute');
  const problems = [
    int('compute.instanceCount', 1, pick(compute, 'instanceCount')),
    int('miniBatchSize', 1, pick(props, 'miniBatchSize')),
    int('errorThreshold', -1, pick(props, 'errorThreshold')),
    int('maxConcurrencyPerInstance', 1, pick(props, 'maxConcurrencyPerInstance')),
    int('retrySettings.maxRetries', 0, pick(pick(props, 'retrySettings'), 'maxRetries')),
  ];
  const timeout = pick(pick(props, 'retrySettings'), 'timeout');
  if (timeout !== undefined) {
    if (typeof timeout !== 'string' || !DURATION.test(timeout))
      problems.push(`retrySettings.timeout must be an ISO 8601 duration such as PT30S, not ${JSON.stringify(timeout)}.`);
    else settings['retrySettings.timeout'] = timeout;
  }
  const level = pick(props, 'loggingLevel');
  if (level !== undefined) {
    if (typeof level !== 'string' || !['Info', 'Warning', 'Debug'].includes(level))
      problems.push(`loggingLevel must be Info, Warning or Debug, not ${JSON.stringify(level)}.`);
    else settings.loggingLevel = level;
  }
  const file = pick(props, 'outputFileName');
  if (file !== undefined) {
    if (typeof file !== 'string' || !/^[^/\\]+$/.test(file)) problems.push('outputFileName must be a file name.');
    else settings.outputFileName = file;
  }
  const error = problems.find(Boolean);
  return error ? { error } : { settings };
}

interface Place {
  account: string;
  container: string;
  path: string;
}

/** Where an input or output URI lives in the world's storage, if it does. */
function place(w: World, workspace: string, uri: string): Place | undefined {
  const ds = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.*)$/.exec(uri);
  if (ds) {
    const d = w.datastores.find((x) => x.workspace === workspace && x.name.toLowerCase() === ds[1].toLowerCase());
    return d && { account: d.account, container: d.container, path: ds[2] };
  }
  const blob = new RegExp(`^https://([a-z0-9]+)\\.blob\\.${STORAGE_SUFFIX[w.cloud].replace(/\./g, '\\.')}/([^/]+)/?(.*)$`).exec(uri);
  if (blob) return { account: blob[1], container: blob[2], path: blob[3] };
  const asset = /\/workspaces\/([^/]+)\/data\/([^/]+)\/versions\/([^/]+)$/i.exec(uri);
  const d = asset && w.dataAssets.find((x) => x.workspace.toLowerCase() === asset[1].toLowerCase() && x.name === asset[2]);
  return d ? place(w, workspace, d.dataUri(asset[3])) : undefined;
}

/** One row per line of each input file (per file when it is too large to read here), per input outside the world's storage. */
async function rows(s: State, store: BlobStore, job: Job): Promise<{ file: string; line: number; text: string }[]> {
  const out: { file: string; line: number; text: string }[] = [];
  for (const [name, input] of Object.entries((job.inputs ?? {}) as Record<string, Record<string, unknown>>)) {
    const uri = typeof input.uri === 'string' ? input.uri : undefined;
    if (!uri) continue;
    const at = place(s.w, job.workspace, uri);
    const blobs = at
      ? (await store.list(at.account, at.container, at.path).catch(() => [])).filter(
          (b) => b.name === at.path || at.path === '' || at.path.endsWith('/') || b.name.startsWith(`${at.path}/`),
        )
      : [];
    if (!at || blobs.length === 0) {
      out.push({ file: name, line: 1, text: uri });
      continue;
    }
    for (const b of blobs) {
      const file = b.name.split('/').pop()!;
      if (b.size > READ_LIMIT) {
        out.push({ file, line: 1, text: `${b.size} bytes` });
        continue;
      }
      const body = (await store.call('GET', at.account, `/${at.container}/${b.name}`)).body.toString('utf8');
      body
        .split(/\r?\n/)
        .filter((l) => l.trim() !== '')
        .forEach((text, i) => out.push({ file, line: i + 1, text }));
    }
  }
  return out;
}

function render(fileName: string, data: { file: string; line: number; text: string }[]): string {
  const prediction = (text: string) => [...text].reduce((sum, c) => sum + c.charCodeAt(0), 0) % 2;
  if (/\.jsonl?$/i.test(fileName)) return data.map((r) => JSON.stringify({ file: r.file, line: r.line, prediction: prediction(r.text) })).join('\n') + '\n';
  return ['file,line,prediction', ...data.map((r) => `${r.file.replace(/,/g, '_')},${r.line},${prediction(r.text)}`)].join('\n') + '\n';
}

/**
 * Once the job reads Completed, writes its outputs (once): a model deployment's 'score' output to
 * outputData.score when given (a UriFile is the file itself, a folder gets the output file name),
 * else to the default datastore's azureml/<child run>/score/, as the recording shows; a pipeline
 * component's named outputs where they were asked for. A write that fails fails the job.
 */
export function settle(s: State, store: BlobStore, job: Job): Promise<void> {
  if (statusAt(job, s.clock.now()) !== 'Completed') return Promise.resolve();
  job.settling ??= (async () => {
    const fileName = typeof job.settings.outputFileName === 'string' ? job.settings.outputFileName : 'predictions.csv';
    const outputs = (job.outputs ?? {}) as Record<string, unknown>;
    const model = s.w.batchEndpoints.find((e) => e.name === job.endpoint)?.deployments.find((d) => d.name === job.deployment)?.type !== 'pipelineComponent';
    const wanted: [string, string, boolean][] = Object.entries(outputs).map(([name, o]) => [
      name,
      String(pick(o, 'uri')),
      /file/i.test(String(pick(o, 'jobOutputType'))),
    ]);
    if (model && !wanted.some(([n]) => n === 'score')) {
      const d = s.w.datastores.find((x) => x.workspace === job.workspace && x.isDefault)!;
      wanted.push(['score', `azureml://datastores/${d.name}/paths/azureml/${job.childRunId}/score/`, false]);
    }
    const content = render(fileName, await rows(s, store, job));
    job.written = {};
    for (const [name, uri, isFile] of wanted) {
      const target = isFile ? uri : `${uri.replace(/\/+$/, '')}/${fileName}`;
      const at = place(s.w, job.workspace, target);
      const r = at
        ? await store.call('PUT', at.account, `/${at.container}/${at.path}`, {
            headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'text/csv' },
            body: content,
          })
        : undefined;
      if (!r || r.status !== 201) {
        job.plan = {
          ...job.plan,
          final: 'Failed',
          error: { code: 'UserError', message: `Output '${name}' could not be written to ${target}${r ? ` (HTTP ${r.status})` : ': no such datastore'}.` },
        };
        return;
      }
      job.written[name] = target;
    }
  })().catch((err: unknown) => {
    // A write that threw (Azurite unreachable) is tried again on the next read, not remembered.
    job.settling = undefined;
    throw err;
  });
  return job.settling;
}

export function runRoutes(s: State): Route[] {
  const { w } = s;
  const HISTORY = String.raw`^/history/v1\.0/subscriptions/(?<sub>[^/]+)/resourceGroups/(?<rg>[^/]+)/providers/Microsoft\.MachineLearningServices/workspaces/(?<ws>[^/]+)`;

  const reader = (ctx: Ctx) => {
    const caller = authenticate(ctx, w, s.keys, 'management');
    return caller && authorize(ctx, w, caller, `${ML}/workspaces/experiments/runs/read`, wsScope(ctx));
  };

  const jobOf = (ctx: Ctx, run: string) =>
    s.jobs.find((j) => j.workspace.toLowerCase() === ctx.params.ws.toLowerCase() && (j.name === run || j.childRunId === run));

  return [
    {
      service: 'mlapi',
      method: 'POST',
      path: new RegExp(`${HISTORY}/rundata$`, 'i'),
      handler: async (ctx) => {
        if (!reader(ctx)) return;
        let runId: unknown;
        try {
          runId = (JSON.parse(ctx.body.toString('utf8') || '{}') as { runId?: unknown }).runId;
        } catch {
          return ctx.json(400, { error: { code: 'UserError', message: 'The request body is not valid JSON.' } });
        }
        if (typeof runId !== 'string') return ctx.json(400, { error: { code: 'UserError', message: 'runId is required.' } });
        const job = jobOf(ctx, runId);
        if (!job) return ctx.json(404, { error: { code: 'UserError', message: `Run ${runId} was not found.` } });
        await s.settle(job);
        ctx.json(200, { runMetadata: batchscoringRun(s, job), runDefinition: null, jobSpecification: null, systemSettings: null });
      },
    },
  ];
}
