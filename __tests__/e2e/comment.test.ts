// comment-on-pr end to end: the bundle on a pull_request event (a real webhook payload at
// GITHUB_EVENT_PATH) against the emulator's GitHub REST routes, with GITHUB_TOKENs carrying the
// permissions of a job's `permissions:` block. Every answer the routes gave is then checked
// against GitHub's OpenAPI description.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/runner.js';
import { replyErrors } from '../../emulator/test/github-openapi.js';
import type { GithubTokenSpec } from '../../emulator/src/index.js';
import { emulator, firstLine, requests, step, type Emulator, type StepResult } from './helpers.js';
import { PR, pullRequestEvent, pushEvent, REPOSITORY, type WorkflowEvent } from '../github-events.js';

const WRITE: GithubTokenSpec = { repository: REPOSITORY, permissions: { 'id-token': 'write', contents: 'read', 'pull-requests': 'write' } };
const MARKER = /^<!-- azureml-invoke workflow=\S* job=\S* endpoint=\S+ deployment=\S+ -->\n/;
/** Each test comments on a pull request of its own, so they stay independent. */
const PRS = { rerun: 2, onFailure: 3, fork: 4, target: 5, denied: 6, many: 7, long: 8, scope: 9, limited: 10, matrix: 11, plain: 12, ghes: 13, proxy: 14 };

let emu: Emulator;
let limited: Emulator;
beforeAll(async () => {
  const pullRequests = Object.values(PRS).map((number) => ({ repository: REPOSITORY, number, comments: number === PRS.many ? 150 : 1 }));
  emu = await emulator({
    github: { pullRequests },
    batchEndpoints: [{ name: 'score-batch', jobPlan: { steps: [{ status: 'Running', durationMs: 200 }] } }],
    onlineEndpoints: [
      { name: 'score-key', authMode: 'key', deployments: ['blue', 'green'], traffic: { blue: 100 } },
      { name: 'slow', authMode: 'key', latencyMs: 150 },
    ],
  });
  limited = await emulator({ github: { pullRequests, rateLimit: 0 } });
});
afterAll(async () => {
  // Every answer the GitHub routes gave in these runs is one GitHub's description allows.
  expect([...emu.githubReplies, ...limited.githubReplies].flatMap(replyErrors)).toEqual([]);
  await emu.close();
  await limited.close();
});

const online = { 'endpoint-type': 'online', endpoint: 'score-key', request: '{"input_data": {"data": [[63, 233]]}}' };

/** The pull request `number` of the example payload, on the given event. */
function on(number: number, e: WorkflowEvent = pullRequestEvent()): WorkflowEvent {
  const payload = structuredClone(e.event.payload) as typeof PR;
  payload.number = number;
  (payload.pull_request as unknown as { number: number }).number = number;
  return { event: { ...e.event, payload }, env: { ...e.env, GITHUB_REF: e.env.GITHUB_REF.replace(/pull\/\d+/, `pull/${number}`) } };
}

function run(
  e: WorkflowEvent,
  inputs: Record<string, string>,
  o: { token?: string; env?: Record<string, string>; on?: Emulator; bundle?: string } = {},
): Promise<StepResult> {
  const target = o.on ?? emu;
  return step(
    target,
    { 'comment-on-pr': 'true', ...inputs },
    { event: e.event, githubToken: o.token ?? target.githubToken(WRITE), env: { ...e.env, ...o.env }, bundle: o.bundle },
  );
}

const ours = (number: number, e = emu) => e.pullRequestComments(REPOSITORY, number).filter((c) => c.author === 'github-actions[bot]');
const githubRequests = (e = emu) => e.log.filter((x) => x.service === 'github' && !x.url.startsWith('/_apis/'));
const warnings = (r: StepResult) => r.annotations.filter((a) => a.level === 'warning').map((a) => a.message);

describe('comment-on-pr on a pull request', () => {
  it('writes the job summary to one comment, and updates that comment on a re-run rather than adding one', async () => {
    const e = on(PRS.rerun);
    const first = await run(e, online, { env: { GITHUB_RUN_ATTEMPT: '1' } });
    expect(first.code, first.stdout).toBe(0);
    const [comment] = ours(PRS.rerun);
    expect(comment.body).toMatch(MARKER);
    // The comment holds what the summary says, the run's link included.
    expect(comment.body.replace(MARKER, '')).toBe(`${first.summary.trimEnd()}\n`);
    expect(first.summary).toContain('[run 4242, attempt 1](https://github.com/Codertocat/Hello-World/actions/runs/4242/attempts/1) (job `score`)');
    expect(first.visibleLog).toMatch(new RegExp(`Commented on pull request #${PRS.rerun}: \\S+/pull/${PRS.rerun}#issuecomment-${comment.id}`));

    const again = await run(e, online, { env: { GITHUB_RUN_ATTEMPT: '2' } });
    expect(again.code, again.stdout).toBe(0);
    const after = ours(PRS.rerun);
    expect(after.map((c) => c.id)).toEqual([comment.id]);
    expect(after[0].body).toContain('/actions/runs/4242/attempts/2');
    expect(again.visibleLog).toContain(`Updated the comment on pull request #${PRS.rerun}`);
    expect(emu.pullRequestComments(REPOSITORY, PRS.rerun)).toHaveLength(2); // the person's comment and ours
  });

  it('keeps one comment per endpoint and deployment, so matrix legs of one job do not overwrite each other', async () => {
    const e = on(PRS.matrix);
    for (const deployment of ['blue', 'green', 'blue']) expect((await run(e, { ...online, deployment })).code).toBe(0);
    const comments = ours(PRS.matrix);
    expect(comments).toHaveLength(2);
    expect(comments.map((c) => /deployment=(\w+)/.exec(c.body)![1])).toEqual(['blue', 'green']);
  });

  it('finds its comment among more than 100 (pagination) and updates it', async () => {
    const e = on(PRS.many);
    expect((await run(e, online)).code).toBe(0);
    expect(emu.pullRequestComments(REPOSITORY, PRS.many)).toHaveLength(151);
    emu.clearLog();
    const again = await run(e, online);
    expect(again.code, again.stdout).toBe(0);
    expect(emu.pullRequestComments(REPOSITORY, PRS.many)).toHaveLength(151);
    const listed = githubRequests().filter((x) => x.method === 'GET');
    expect(listed.map((x) => x.url)).toEqual([
      `/api/v3/repos/${REPOSITORY}/issues/${PRS.many}/comments?per_page=100`,
      expect.stringMatching(new RegExp(`^/api/v3/repositories/\\d+/issues/${PRS.many}/comments\\?per_page=100&page=2$`)),
    ]);
    expect(
      githubRequests()
        .filter((x) => x.method !== 'GET')
        .map((x) => x.method),
    ).toEqual(['PATCH']);
  });

  it('keeps the body under 65,536 characters however long the summary, with the marker and a link to the whole', async () => {
    const message = `score.py raised ValueError ${'✅ a very long error line '.repeat(8_000)}`;
    emu.nextJobPlans.push({ steps: [{ status: 'Running', durationMs: 200 }], final: 'Failed', error: { code: 'UserError', message } });
    const r = await run(on(PRS.long), { 'endpoint-type': 'batch', endpoint: 'score-batch', input: 'https://example.blob.core.windows.net/data/' });
    expect(r.code).toBe(1);
    expect(firstLine(r)).toMatch(/^Fix the error its logs name \(below\), then re-run: job batchjob-\S+ failed: score\.py raised ValueError/);
    expect(Buffer.byteLength(r.summary)).toBeGreaterThan(150_000);
    const [comment] = ours(PRS.long);
    expect(comment.body).toMatch(MARKER);
    expect(Buffer.byteLength(comment.body)).toBeLessThanOrEqual(65_536);
    expect(comment.body).toMatch(
      /The summary was cut to fit a pull-request comment; it is whole in the \[workflow run's summary\]\(https:\/\/github\.com\/\S+\/actions\/runs\/4242\/attempts\/1\)\.\*\n$/,
    );
    expect(warnings(r)).toEqual([]);
  });

  it('goes through the proxy of HTTPS_PROXY, which @actions/github also sets up as it loads', async () => {
    // A CONNECT proxy that tunnels every host to this machine, noting what it was asked for.
    const asked: string[] = [];
    const tunnels = new Set<import('node:net').Socket>();
    const proxy: Server = createServer().on('connect', (req, client: import('node:net').Socket, head: Buffer) => {
      asked.push(req.url!);
      const upstream = connect(Number(req.url!.split(':').pop()), '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client).pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      tunnels.add(client).add(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = proxy.address() as import('node:net').AddressInfo;
      // 'localhost.' is this machine, but not one of the loopback names @actions/http-client
      // bypasses the proxy for: so @actions/github builds its proxy agent (undici's ProxyAgent).
      const api = emu.githubApiUrl.replace('127.0.0.1', 'localhost.');
      const r = await run(on(PRS.proxy), online, { env: { HTTPS_PROXY: `http://127.0.0.1:${port}`, NO_PROXY: '', GITHUB_API_URL: api } });
      expect(r.code, r.stdout).toBe(0);
      expect(r.annotations).toEqual([]);
      expect(ours(PRS.proxy)).toHaveLength(1);
      expect(asked).toContain(new URL(api).host);
    } finally {
      for (const socket of tunnels) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('works against GitHub Enterprise Server: API under /api/v3, links on its own server', async () => {
    const r = await run(on(PRS.ghes), online, { env: { GITHUB_SERVER_URL: 'https://ghes.contoso.test' } });
    expect(r.code).toBe(0);
    expect(ours(PRS.ghes)[0].body).toContain('(https://ghes.contoso.test/Codertocat/Hello-World/actions/runs/4242/attempts/1)');
    expect(
      githubRequests()
        .filter((x) => x.url.includes(`/issues/${PRS.ghes}/`))
        .every((x) => x.url.startsWith('/api/v3/')),
    ).toBe(true);
  });
});

describe('when no comment is written', () => {
  it('on-failure: no comment on success, one on failure, and that one brought up to date by a later success; the step result is its own', async () => {
    const e = on(PRS.onFailure);
    emu.clearLog();
    const ok = await run(e, { ...online, 'comment-on-pr': 'on-failure' });
    expect(ok.code).toBe(0);
    expect(githubRequests().filter((r) => r.method !== 'GET')).toEqual([]);
    expect(ours(PRS.onFailure)).toHaveLength(0);
    const failed = await run(e, { ...online, endpoint: 'slow', 'max-latency-ms': '50', 'comment-on-pr': 'on-failure' });
    expect(failed.code).toBe(1);
    expect(firstLine(failed)).toMatch(/^Make the model faster or raise max-latency-ms: the p95 latency/);
    expect(ours(PRS.onFailure)).toHaveLength(1);
    expect(ours(PRS.onFailure)[0].body).toContain('Make the model faster or raise max-latency-ms');
    emu.clearLog();
    const fixed = await run(e, { ...online, endpoint: 'slow', 'comment-on-pr': 'on-failure' });
    expect(fixed.code).toBe(0);
    expect(githubRequests().map((r) => r.method)).toContain('PATCH');
    expect(ours(PRS.onFailure)).toHaveLength(1);
    expect(ours(PRS.onFailure)[0].body).not.toContain('Make the model faster or raise max-latency-ms');
  });

  it('on an event that is not a pull request: one debug line, no request to GitHub', async () => {
    emu.clearLog();
    const r = await run(pushEvent(), online, { env: { RUNNER_DEBUG: '1' } });
    expect(r.code).toBe(0);
    expect(githubRequests()).toEqual([]);
    expect(r.visibleLog.split('\n').filter((l) => l.includes('comment-on-pr'))).toEqual([
      "##[debug]comment-on-pr: the 'push' event is not for a pull request (pull_request or pull_request_target), so no comment.",
    ]);
  });

  it('a plain run loads no Octokit: it runs from a copy of dist/ without the chunks that hold it, which only a comment needs', async () => {
    const dist = mkdtempSync(join(tmpdir(), 'dist-without-octokit-'));
    try {
      cpSync(join(ROOT, 'dist'), dist, { recursive: true });
      const chunks = readdirSync(join(dist, 'main')).filter(
        (f) => /^\d+\.index\.js$/.test(f) && /octokit|getOctokit/.test(readFileSync(join(dist, 'main', f), 'utf8')),
      );
      expect(chunks.length).toBeGreaterThan(0);
      for (const f of chunks) rmSync(join(dist, 'main', f));
      const e = on(PRS.plain);
      const plain = await step(emu, online, { event: e.event, githubToken: emu.githubToken(WRITE), env: e.env, bundle: join(dist, 'index.cjs') });
      expect(plain.code, plain.stdout + plain.stderr).toBe(0);
      expect(plain.annotations).toEqual([]);
      const commenting = await run(e, online, { bundle: join(dist, 'index.cjs') });
      expect(commenting.code).toBe(0);
      expect(warnings(commenting)).toEqual([expect.stringMatching(/failed \(Cannot find module .*\.index\.js/)]);
      expect(ours(PRS.plain)).toEqual([]);
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }
  });

  it('by default (comment-on-pr: false): no request to GitHub on a pull request either', async () => {
    emu.clearLog();
    const e = on(PRS.plain);
    const r = await step(emu, online, { event: e.event, githubToken: emu.githubToken(WRITE), env: e.env });
    expect(r.code).toBe(0);
    expect(r.outputs['status-code']).toBe('200');
    expect(githubRequests()).toEqual([]);
    expect(ours(PRS.plain)).toEqual([]);
  });
});

describe("the token's permissions, explained", () => {
  it('a token without pull-requests: write: a warning naming the job and the YAML; the step still succeeds', async () => {
    const token = emu.githubToken({ repository: REPOSITORY, permissions: { 'id-token': 'write', contents: 'read' } });
    const plain = await step(emu, online);
    expect(plain.code, plain.stdout).toBe(0);
    const r = await run(on(PRS.denied), online, { token });
    expect(r.code).toBe(0);
    expect(r.outputs['status-code']).toBe(plain.outputs['status-code']);
    expect(r.annotations.filter((a) => a.level === 'error')).toEqual([]);
    const [warning] = warnings(r);
    expect(warning.split('\n')[0]).toBe(
      `Add 'pull-requests: write' to the permissions of job 'score' to get the pull-request comment: GitHub refused the token on pull request #${PRS.denied} of ${REPOSITORY} (HTTP 403: Resource not accessible by integration; the call accepts issues=read; pull_requests=read). The step's result is unchanged.`,
    );
    expect(warning).toContain(['  jobs:', '    score:', '      permissions:', '        id-token: write'].join('\n'));
    expect(warning).toContain('        pull-requests: write  # the pull-request comment');
    expect(ours(PRS.denied)).toEqual([]);
  });

  it('a pull request from a fork: a notice saying so and what to use instead, not a warning', async () => {
    const e = on(PRS.fork, pullRequestEvent({ fork: 'fork' }));
    const r = await run(e, online, { token: emu.githubToken({ ...WRITE, fork: true }) });
    expect(r.code).toBe(0);
    expect(warnings(r)).toEqual([]);
    const notices = r.annotations.filter((a) => a.level === 'notice').map((a) => a.message);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(
      new RegExp(
        `^To comment on pull requests from forks, post the comment from a workflow_run workflow or run on pull_request_target: pull request #${PRS.fork} comes from the fork 'contributor/Hello-World', so this pull_request run gets a read-only GITHUB_TOKEN`,
      ),
    );
    expect(notices[0]).toContain("never check out or run the pull request's code");
    expect(ours(PRS.fork)).toEqual([]);
  });

  it('the same fork on pull_request_target, whose token may write: the comment is written', async () => {
    const r = await run(on(PRS.target, pullRequestEvent({ fork: 'fork', target: true })), online);
    expect(r.code).toBe(0);
    expect(r.annotations).toEqual([]);
    expect(ours(PRS.target)).toHaveLength(1);
  });

  it("a token for another repository (404): the token's repository scope", async () => {
    const r = await run(on(PRS.scope), online, { token: emu.githubToken({ ...WRITE, repository: 'contoso/scoring' }) });
    expect(r.code).toBe(0);
    expect(warnings(r)[0]).toMatch(
      new RegExp(`^Check the repository scope of 'github-token': it cannot see pull request #${PRS.scope} of ${REPOSITORY} \\(HTTP 404: Not Found\\)`),
    );
    expect(warnings(r)[0]).toContain("The job's GITHUB_TOKEN reaches only its own repository");
  });

  it('a rate-limited 403 is not taken for a missing permission', async () => {
    const r = await run(on(PRS.limited), online, { on: limited });
    expect(r.code).toBe(0);
    expect(warnings(r)).toHaveLength(1);
    expect(warnings(r)[0]).toMatch(
      /^Re-run later to get the pull-request comment: the token has used up its GitHub API rate limit \(it resets at \d\d:\d\d UTC\)/,
    );
    expect(warnings(r)[0]).not.toContain('pull-requests: write');
  });

  it('masks the token and sends it only to the GitHub API', async () => {
    const token = emu.githubToken(WRITE);
    const r = await run(on(PRS.rerun), online, { token });
    expect(r.code, r.stdout).toBe(0);
    expect(r.visibleLog).toMatch(new RegExp(`(Commented|Updated the comment) on pull request #${PRS.rerun}: `));
    expect(r.masked).toContain(token);
    expect(r.stdout.replace(`::add-mask::${token}`, '')).not.toContain(token);
    expect(requests(emu, 'GET', /\/comments$/).at(-1)!.headers.authorization).toBe('token <redacted>');
  });
});
