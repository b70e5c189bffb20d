// A batch job's logs while it runs: files that only grow on the emulator clock, the progress
// overview in the runtime's wording (rotated on the hour; logs/overview.txt and the older wording;
// a stall), the scoring script's lines (a read may end inside one), and Blob storage's answers to
// Range and If-None-Match.
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type JobPlan } from '../src/index.js';
import { accessToken, call, createBatchJob } from './client.js';

const ML = 'Microsoft.MachineLearningServices';
const MIN = 60_000;

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET that keeps the bytes as they came (a read may end inside a UTF-8 character). */
function get(emu: Emulator, url: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(url), { headers, ca: emu.caPem, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ clock: 'manual' });
});
afterAll(() => emu.close());

/** A job on the default endpoint with this plan; its run history routes. */
async function job(plan: JobPlan) {
  emu.nextJobPlans.push(plan);
  const name = await createBatchJob(emu);
  const token = await accessToken(emu, 'https://management.azure.com/.default');
  const runs = `${emu.urls.mlapi}/history/v1.0/subscriptions/${emu.subscriptionId}/resourceGroups/${emu.resourceGroup}/providers/${ML}/workspaces/${emu.workspace}/runs`;
  const read = async <T>(path: string) => (await call(emu, 'GET', `${runs}/${path}`, { headers: { authorization: `Bearer ${token}` } })).json<T>();
  const child = async () => (await read<{ value: { runId: string }[] }>(`${name}/children`)).value[0]?.runId;
  /** The step's (or the job's) log files now: path → bytes. */
  const files = async (of: 'step' | 'job' = 'step') => {
    const run = of === 'step' ? await child() : name;
    if (!run) return {};
    const urls = (await read<{ logFiles: Record<string, string> }>(`${run}/details`)).logFiles;
    const out: Record<string, { url: string; body: Buffer }> = {};
    for (const [path, url] of Object.entries(urls)) out[path] = { url, body: (await get(emu, url)).body };
    return out;
  };
  return { name, files };
}

describe('log files that grow as the job runs', () => {
  it('only ever grow; progress in the runtime’s words, rotated on the hour; the script’s lines cut anywhere', async () => {
    const j = await job({ steps: [{ status: 'Running', durationMs: 70 * MIN }], progress: { miniBatches: 7, scriptLines: ['::warning::not a command'] } });
    const seen: Record<string, Buffer>[] = [];
    for (let t = 0; t <= 72; t += 6) {
      const files = await j.files();
      seen.push(Object.fromEntries(Object.entries(files).map(([p, f]) => [p, f.body])));
      emu.clock.advance(6 * MIN + 7_000);
    }
    // Every file's content is a prefix of what it holds later.
    for (let i = 1; i < seen.length; i++) {
      for (const [path, before] of Object.entries(seen[i - 1])) {
        expect(seen[i][path], path).toBeDefined();
        expect(seen[i][path].subarray(0, before.length).equals(before), path).toBe(true);
      }
    }
    const last = seen.at(-1)!;
    const overviews = Object.keys(last).filter((p) => /^logs\/job_progress_overview\.\d{10}\.txt$/.test(p));
    expect(overviews.length).toBeGreaterThanOrEqual(2);
    const newest = overviews.sort().at(-1)!;
    expect(last[newest].toString()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6} All 7 mini batches have been processed\.$/m);
    const all = overviews.map((p) => last[p].toString()).join('');
    expect(all).toMatch(/\d{6} Scheduling finished\. Scheduled 7 mini batches in 2 seconds\. There are 7 tasks with 70 items\.\n/);
    expect(all).toMatch(/\d{6} No task has been processed yet\.\n/);
    expect(all).toMatch(/\d{6} Processed 3 of 7 mini batches in \d:\d\d:\d\d\. Estimated remaining time \d:\d\d:\d\d\.\n/);
    // Each hour's file holds that hour's lines.
    for (const p of overviews) {
      const hour = /\.(\d{10})\.txt$/.exec(p)![1];
      for (const line of last[p].toString().trim().split('\n')) expect(line.slice(0, 13).replace(/[-T]/g, '')).toBe(hour);
    }
    const std = last['user_logs/std_log.txt'].toString();
    for (let k = 1; k <= 7; k++) expect(std).toContain(`INFO batch_driver.run: mini batch ${k} of 7 → 10 rows scored\n`);
    expect(std).toContain('::warning::not a command\n');
    // Some read ended inside a line of the script's output.
    expect(seen.some((f) => f['user_logs/std_log.txt'] && !f['user_logs/std_log.txt'].toString('latin1').endsWith('\n'))).toBe(true);
    expect(last['logs/user/stderr/10.0.0.4/process000.stderr.txt']).toEqual(Buffer.alloc(0));
    expect(last['logs/user/stdout/10.0.0.4/process000.stdout.txt'].toString()).toContain('Scoring mini batch 7: 10 files\n');
    expect((await j.files('job'))['logs/azureml/executionlogs.txt'].body.toString()).toMatch(/Completing processing run id/);
  });

  it('an older runtime: one logs/overview.txt, "Estimate remaining"; a stalled overview stops while the job goes on', async () => {
    const j = await job({ steps: [{ status: 'Running', durationMs: 30 * MIN }], progress: { miniBatches: 10, runtime: 'older', stallAfterMs: 10 * MIN } });
    emu.clock.advance(31 * MIN);
    const files = await j.files();
    expect(Object.keys(files).filter((p) => /overview/.test(p))).toEqual(['logs/overview.txt']);
    const text = files['logs/overview.txt'].body.toString();
    expect(text).toMatch(/Processed \d of 10 mini batches in 0:0\d:\d\d\. Estimate remaining 0:\d\d:\d\d\.\n/);
    expect(text).not.toContain('All 10 mini batches');
    const times = text
      .trim()
      .split('\n')
      .map((l) => Date.parse(`${l.slice(0, 23)}Z`));
    expect(Math.max(...times) - Math.min(...times)).toBeLessThanOrEqual(10 * MIN);
    expect(files['user_logs/std_log.txt'].body.toString()).toContain('mini batch 10 of 10');
  });
});

describe('Get Blob of a log file', () => {
  it('answers Range with 206 and Content-Range, past the end with 416 InvalidRange, an unchanged ETag with 304', async () => {
    const j = await job({ steps: [{ status: 'Running', durationMs: 10 * MIN }] });
    emu.clock.advance(11 * MIN);
    const { url, body } = (await j.files())['user_logs/std_log.txt'];
    const size = body.length;
    const whole = await get(emu, url);
    expect(whole.status).toBe(200);
    expect(whole.headers).toMatchObject({ 'accept-ranges': 'bytes', 'x-ms-blob-type': 'BlockBlob', 'content-length': String(size) });
    expect(whole.headers['last-modified']).toBeTruthy();
    expect(Date.parse(whole.headers.date as string)).toBe(Math.floor(emu.clock.now() / 1000) * 1000);

    const part = await get(emu, url, { range: 'bytes=10-19' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 10-19/${size}`);
    expect(part.body.equals(body.subarray(10, 20))).toBe(true);
    const tail = await get(emu, url, { range: `bytes=${size - 5}-${size + 100}`, 'x-ms-range': 'bytes=5-' });
    expect(tail.headers['content-range']).toBe(`bytes 5-${size - 1}/${size}`);
    expect(tail.body.equals(body.subarray(5))).toBe(true);

    const past = await get(emu, url, { range: `bytes=${size}-` });
    expect(past.status).toBe(416);
    expect(past.headers).toMatchObject({ 'content-range': `bytes */${size}`, 'x-ms-error-code': 'InvalidRange' });
    expect(past.body.toString()).toContain('<Code>InvalidRange</Code><Message>The range specified is invalid for the current size of the resource.');

    const same = await get(emu, url, { 'if-none-match': whole.headers.etag as string, range: 'bytes=0-' });
    expect(same.status).toBe(304);
    expect(same.body.length).toBe(0);
    const empty = (await j.files())['logs/user/stderr/10.0.0.4/process000.stderr.txt'];
    expect((await get(emu, empty.url, { range: 'bytes=0-' })).headers['content-range']).toBe('bytes */0');
  });

  it('a service that ignores Range answers 200 with the whole blob (logRangeReads: false)', async () => {
    const own = await startEmulator({ clock: 'manual', service: { logRangeReads: false } });
    try {
      const prev = emu;
      emu = own;
      const j = await job({ steps: [{ status: 'Running', durationMs: MIN }] });
      emu.clock.advance(2 * MIN);
      const { url, body } = (await j.files())['user_logs/std_log.txt'];
      const r = await get(emu, url, { range: 'bytes=10-19' });
      expect(r.status).toBe(200);
      expect(r.body.equals(body)).toBe(true);
      emu = prev;
    } finally {
      await own.close();
    }
  });
});
