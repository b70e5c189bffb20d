// The GitHub REST routes: pagination, create, update, the token's permissions, the repository
// scope, validation and the rate limit; and every answer they gave, checked against GitHub's
// OpenAPI description.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type GithubTokenSpec } from '../src/index.js';
import { call } from './client.js';
import { replyErrors, replySchema } from './github-openapi.js';

const REPO = 'Codertocat/Hello-World';
const WRITE: GithubTokenSpec = { repository: REPO, permissions: { 'id-token': 'write', contents: 'read', 'pull-requests': 'write' } };

let emu: Emulator;
let limited: Emulator;
beforeAll(async () => {
  emu = await startEmulator({
    github: {
      pullRequests: [
        { repository: REPO, number: 2, comments: 150 },
        { repository: REPO, number: 3 },
      ],
    },
  });
  limited = await startEmulator({ github: { pullRequests: [{ repository: REPO, number: 2 }], rateLimit: 2 } });
});
afterAll(async () => {
  await emu.close();
  await limited.close();
});

const api = (path: string, base = emu.githubApiUrl) => `${base}${path}`;
const auth = (token: string) => ({ authorization: `token ${token}`, accept: 'application/vnd.github+json' });
const list = (token: string, query = '', pr = 2, e = emu) =>
  call(e, 'GET', api(`/repos/${REPO}/issues/${pr}/comments${query}`, e.githubApiUrl), { headers: auth(token) });
const create = (token: string, body: unknown, pr = 2) =>
  call(emu, 'POST', api(`/repos/${REPO}/issues/${pr}/comments`), {
    headers: { ...auth(token), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const update = (token: string, id: number, body: unknown) =>
  call(emu, 'PATCH', api(`/repos/${REPO}/issues/comments/${id}`), {
    headers: { ...auth(token), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** The URLs of a Link header by rel. */
function links(header: string | string[] | undefined): Record<string, string> {
  return Object.fromEntries([...String(header ?? '').matchAll(/<([^>]+)>; rel="(\w+)"/g)].map(([, url, rel]) => [rel, url]));
}

describe('listing comments', () => {
  it('pages at per_page (at most 100) with a Link header in the repository-id form, ascending by id', async () => {
    const token = emu.githubToken(WRITE);
    const first = await list(token, '?per_page=100');
    expect(first.status).toBe(200);
    const page1 = first.json<{ id: number }[]>();
    expect(page1).toHaveLength(100);
    const rel = links(first.headers.link);
    expect(Object.keys(rel).sort()).toEqual(['last', 'next']);
    expect(rel.next).toMatch(new RegExp(`^${emu.githubApiUrl}/repositories/\\d+/issues/2/comments\\?per_page=100&page=2$`));
    const second = await call(emu, 'GET', rel.next, { headers: auth(token) });
    const page2 = second.json<{ id: number }[]>();
    expect(page2).toHaveLength(50);
    expect(Object.keys(links(second.headers.link)).sort()).toEqual(['first', 'prev']);
    const ids = [...page1, ...page2].map((c) => c.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(150);
  });

  it('gives 30 a page by default, caps per_page at 100, and omits Link when one page holds all', async () => {
    const token = emu.githubToken(WRITE);
    expect((await list(token)).json<unknown[]>()).toHaveLength(30);
    expect((await list(token, '?per_page=500')).json<unknown[]>()).toHaveLength(100);
    const empty = await list(token, '', 3);
    expect(empty.json<unknown[]>()).toEqual([]);
    expect(empty.headers.link).toBeUndefined();
  });

  it('answers at the root as api.github.com does, with URLs on that base', async () => {
    const root = await call(emu, 'GET', api(`/repos/${REPO}/issues/2/comments?per_page=1`, emu.urls.github), { headers: auth(emu.githubToken(WRITE)) });
    expect(root.status).toBe(200);
    expect(root.json<{ url: string }[]>()[0].url).toMatch(new RegExp(`^${emu.urls.github}/repos/${REPO}/issues/comments/\\d+$`));
    expect(links(root.headers.link).next).toMatch(new RegExp(`^${emu.urls.github}/repositories/`));
  });
});

describe('creating and updating', () => {
  it('creates a comment as github-actions[bot] (201 + Location) and updates it (200)', async () => {
    const token = emu.githubToken(WRITE);
    const created = await create(token, { body: 'first' }, 3);
    expect(created.status).toBe(201);
    const comment = created.json<{ id: number; url: string; user: { login: string; type: string } }>();
    expect(created.headers.location).toBe(comment.url);
    expect(comment.user).toMatchObject({ login: 'github-actions[bot]', type: 'Bot' });
    const updated = await update(token, comment.id, { body: 'second' });
    expect(updated.status).toBe(200);
    expect(emu.pullRequestComments(REPO, 3).map((c) => c.body)).toEqual(['second']);
  });

  it('takes a body of 65,536 characters and refuses one longer (422), or none', async () => {
    const token = emu.githubToken(WRITE);
    expect((await create(token, { body: '✅'.repeat(65_536) }, 3)).status).toBe(201);
    const long = await create(token, { body: 'x'.repeat(65_537) }, 3);
    expect(long.status).toBe(422);
    expect(long.json<{ errors: { message: string }[] }>().errors[0].message).toBe('Body is too long (maximum is 65536 characters)');
    expect((await create(token, {}, 3)).status).toBe(422);
  });
});

describe("the token's permissions", () => {
  it.each([
    ['no pull-requests permission', { 'id-token': 'write', contents: 'read' }, 403, 403],
    ['issues: write alone (refused on a pull request)', { issues: 'write' }, 200, 403],
    ['pull-requests: read', { 'pull-requests': 'read' }, 200, 403],
    ['read-all', 'read-all', 200, 403],
    ['write-all', 'write-all', 200, 201],
  ] as const)('%s: list %i, create %i', async (_, permissions, listed, created) => {
    const token = emu.githubToken({ repository: REPO, permissions });
    expect((await list(token)).status).toBe(listed);
    const answer = await create(token, { body: 'hello' });
    expect(answer.status).toBe(created);
    if (created === 403) {
      expect(answer.json()).toMatchObject({ message: 'Resource not accessible by integration', status: '403' });
      expect(answer.headers['x-accepted-github-permissions']).toBe('issues=write; pull_requests=write');
    }
  });

  it("a fork's run gets read where its block says write", async () => {
    const token = emu.githubToken({ ...WRITE, fork: true });
    expect((await list(token)).status).toBe(200);
    expect((await create(token, { body: 'hello' })).status).toBe(403);
  });

  it("answers 404 outside the token's repository and for what does not exist; 401 without a valid token", async () => {
    const other = emu.githubToken({ ...WRITE, repository: 'contoso/other' });
    expect((await list(other)).json()).toMatchObject({ message: 'Not Found', status: '404' });
    expect((await list(emu.githubToken(WRITE), '', 99)).status).toBe(404);
    expect((await update(emu.githubToken(WRITE), 1, { body: 'x' })).status).toBe(404);
    expect((await list('ghs_unknown')).json()).toMatchObject({ message: 'Bad credentials', status: '401' });
    expect((await call(emu, 'GET', api(`/repos/${REPO}/issues/2/comments`))).status).toBe(401);
  });

  it('refuses with 403 and x-ratelimit-remaining 0 once the rate limit is used up', async () => {
    const token = limited.githubToken(WRITE);
    expect((await list(token, '', 2, limited)).headers['x-ratelimit-remaining']).toBe('1');
    expect((await list(token, '', 2, limited)).status).toBe(200);
    const refused = await list(token, '', 2, limited);
    expect(refused.status).toBe(403);
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    expect(refused.json<{ message: string }>().message).toMatch(/^API rate limit exceeded/);
  });
});

describe("GitHub's OpenAPI description", () => {
  it('every answer the routes gave in these tests validates, and they gave every status they can', () => {
    const replies = [...emu.githubReplies, ...limited.githubReplies];
    expect(replies.flatMap(replyErrors)).toEqual([]);
    const seen = new Set(replies.map((r) => `${r.operation} ${r.status}`));
    for (const expected of [
      'issues/list-comments 200',
      'issues/list-comments 401',
      'issues/list-comments 403',
      'issues/list-comments 404',
      'issues/create-comment 201',
      'issues/create-comment 403',
      'issues/create-comment 422',
      'issues/update-comment 200',
      'issues/update-comment 404',
    ])
      expect(seen, expected).toContain(expected);
  });

  it('statuses the description omits are held to basic-error; listed ones to their own schema', () => {
    expect(replySchema('issues/list-comments', 403).listed).toBe(false);
    expect(replySchema('issues/create-comment', 403).listed).toBe(true);
    expect(replySchema('issues/create-comment', 422).schema).toEqual({ $ref: '#/components/schemas/validation-error' });
  });

  it('the check fails an answer that breaks the schema', () => {
    const good = emu.githubReplies.find((r) => r.operation === 'issues/create-comment' && r.status === 201)!;
    const { user: _user, ...noUser } = good.body as Record<string, unknown>;
    expect(replyErrors({ ...good, body: noUser }).join()).toMatch(/must have required property 'user'/);
    expect(replyErrors({ ...good, body: { ...noUser, user: null, created_at: 'yesterday' } }).join()).toMatch(/created_at must match format "date-time"/);
    expect(replyErrors({ ...good, headers: { ...good.headers, link: 'page 2' } }).join()).toMatch(/Link header/);
  });
});
