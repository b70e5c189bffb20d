// GitHub's REST API, the part azureml-invoke uses to comment on a pull request: list an issue's
// comments (paginated with a Link header), create one, update one. Shapes follow GitHub's OpenAPI
// description (@octokit/openapi, generated/api.github.com.json: operations issues/list-comments,
// issues/create-comment, issues/update-comment; emulator/test/github-rest.test.ts checks every
// answer against it). The routes answer at the root (api.github.com) and under /api/v3 (GitHub
// Enterprise Server). Tokens carry the permissions of a job's `permissions:` block.
import { randomBytes } from 'node:crypto';
import type { Ctx, Route } from './server.js';
import type { GithubCommentRecord, GithubPermissionLevel, GithubReply, GithubTokenSpec, PullRequestSpec } from './types.js';
import { DEFAULT_REPOSITORY } from './world.js';

/** GitHub's restricted default for a GITHUB_TOKEN (github_token-reference: "restricted" column). */
const RESTRICTED_DEFAULT: Record<string, GithubPermissionLevel> = { contents: 'read', packages: 'read' };
/** Every permission a `permissions:` block can name (github-token-available-permissions). */
const PERMISSIONS = [
  'actions',
  'artifact-metadata',
  'attestations',
  'checks',
  'contents',
  'deployments',
  'discussions',
  'id-token',
  'issues',
  'models',
  'packages',
  'pages',
  'pull-requests',
  'repository-projects',
  'security-events',
  'statuses',
];
/** The docs page each operation's errors point to (documentation_url in GitHub's answers). */
const DOCS: Record<string, string> = {
  'issues/list-comments': 'https://docs.github.com/rest/issues/comments#list-issue-comments',
  'issues/create-comment': 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
  'issues/update-comment': 'https://docs.github.com/rest/issues/comments#update-an-issue-comment',
};
/** The longest body GitHub takes, in characters (its 422 says "maximum is 65536 characters"). */
export const MAX_BODY_CHARACTERS = 65_536;
/** A GITHUB_TOKEN's hourly request limit per repository (rate-limits-for-the-rest-api). */
const DEFAULT_RATE_LIMIT = 1000;

interface TokenRec {
  repository: string;
  permissions: Record<string, GithubPermissionLevel>;
}

interface Account {
  login: string;
  id: number;
  nodeId: string;
  type: 'Bot' | 'User';
  association: string;
}
/** The account a GITHUB_TOKEN comments as, and the person who wrote the earlier comments. */
const ACTIONS_BOT: Account = { login: 'github-actions[bot]', id: 41898282, nodeId: 'MDM6Qm90NDE4OTgyODI=', type: 'Bot', association: 'NONE' };
const OCTOCAT: Account = { login: 'octocat', id: 1, nodeId: 'MDQ6VXNlcjE=', type: 'User', association: 'MEMBER' };

export interface GithubRest {
  routes: Route[];
  token: (spec?: GithubTokenSpec) => string;
  comments: (repository: string, number: number) => GithubCommentRecord[];
  replies: GithubReply[];
  secrets(): string[];
}

export function githubRest(o: {
  repository?: string;
  pullRequests?: PullRequestSpec[];
  rateLimit?: number;
  serverUrl: () => string;
  now: () => number;
}): GithubRest {
  const worldRepo = o.repository ?? DEFAULT_REPOSITORY;
  const tokens = new Map<string, TokenRec>();
  const repoIds = new Map<string, number>();
  const pullRequests = new Set<string>();
  const comments: GithubCommentRecord[] = [];
  const replies: GithubReply[] = [];
  let nextCommentId = 1_100_000_000;
  const limit = o.rateLimit ?? DEFAULT_RATE_LIMIT;
  let used = 0;
  const resetAt = Math.floor(o.now() / 1000) + 3600;

  const key = (repository: string, number: number) => `${repository.toLowerCase()}#${number}`;
  const repoId = (repository: string) => {
    const k = repository.toLowerCase();
    if (!repoIds.has(k)) repoIds.set(k, 186_853_002 + repoIds.size);
    return repoIds.get(k)!;
  };
  const repoById = (id: number) => [...repoIds].find(([, v]) => v === id)?.[0];

  for (const pr of o.pullRequests ?? []) {
    const repository = pr.repository ?? worldRepo;
    repoId(repository);
    pullRequests.add(key(repository, pr.number));
    const start = o.now() - (pr.comments ?? 0) * 60_000;
    for (let i = 0; i < (pr.comments ?? 0); i++) {
      const at = start + i * 60_000;
      comments.push({
        id: nextCommentId++,
        repository,
        number: pr.number,
        body: `Looks good to me (${i + 1}).`,
        author: OCTOCAT.login,
        createdAt: at,
        updatedAt: at,
      });
    }
  }

  function token(spec: GithubTokenSpec = {}): string {
    const block = spec.permissions ?? RESTRICTED_DEFAULT;
    const permissions: Record<string, GithubPermissionLevel> = {};
    for (const name of PERMISSIONS) {
      const level = block === 'read-all' ? 'read' : block === 'write-all' ? 'write' : (block[name] ?? 'none');
      // id-token is never read; a fork's run gets read where the block says write (github_token-reference).
      permissions[name] = spec.fork && level === 'write' && name !== 'id-token' ? 'read' : level;
    }
    const value = `ghs_${randomBytes(27).toString('base64url')}`;
    tokens.set(value, { repository: spec.repository ?? worldRepo, permissions });
    return value;
  }

  /** What every answer carries: rate-limit headers (rate-limits-for-the-rest-api) and the API version. */
  function headers(accepted: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      'x-github-api-version-selected': '2022-11-28',
      'x-accepted-github-permissions': accepted,
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - used)),
      'x-ratelimit-used': String(Math.min(used, limit)),
      'x-ratelimit-reset': String(resetAt),
      'x-ratelimit-resource': 'core',
      'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(),
      ...extra,
    };
  }

  function reply(ctx: Ctx, operation: string, status: number, body: unknown, h: Record<string, string>): void {
    replies.push({ operation, method: ctx.method, url: ctx.url.pathname + ctx.url.search, status, headers: h, body });
    ctx.json(status, body, h);
  }

  const basicError = (operation: string, status: number, message: string) => ({
    message,
    documentation_url: /rate limit/.test(message)
      ? 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api'
      : status === 401 || status === 404
        ? 'https://docs.github.com/rest'
        : DOCS[operation],
    status: String(status),
  });

  function base(ctx: Ctx): string {
    return `${ctx.url.protocol}//${ctx.req.headers.host ?? ctx.url.host}${ctx.params.prefix ?? ''}`;
  }

  function commentJson(ctx: Ctx, c: GithubCommentRecord): Record<string, unknown> {
    const api = base(ctx);
    const who = c.author === ACTIONS_BOT.login ? ACTIONS_BOT : OCTOCAT;
    const user = `${api}/users/${encodeURIComponent(who.login)}`;
    const url = `${api}/repos/${c.repository}/issues/comments/${c.id}`;
    return {
      id: c.id,
      node_id: `IC_kwDO${Buffer.from(`${repoId(c.repository)}:${c.id}`).toString('base64url')}`,
      url,
      html_url: `${o.serverUrl()}/${c.repository}/pull/${c.number}#issuecomment-${c.id}`,
      body: c.body,
      user: {
        login: who.login,
        id: who.id,
        node_id: who.nodeId,
        avatar_url: `https://avatars.githubusercontent.com/u/${who.id}?v=4`,
        gravatar_id: '',
        url: user,
        html_url: `${o.serverUrl()}/${who.type === 'Bot' ? 'apps/github-actions' : who.login}`,
        followers_url: `${user}/followers`,
        following_url: `${user}/following{/other_user}`,
        gists_url: `${user}/gists{/gist_id}`,
        starred_url: `${user}/starred{/owner}{/repo}`,
        subscriptions_url: `${user}/subscriptions`,
        organizations_url: `${user}/orgs`,
        repos_url: `${user}/repos`,
        events_url: `${user}/events{/privacy}`,
        received_events_url: `${user}/received_events`,
        type: who.type,
        user_view_type: 'public',
        site_admin: false,
      },
      created_at: iso(c.createdAt),
      updated_at: iso(c.updatedAt),
      issue_url: `${api}/repos/${c.repository}/issues/${c.number}`,
      author_association: who.association,
      performed_via_github_app: null,
      reactions: {
        url: `${url}/reactions`,
        total_count: 0,
        '+1': 0,
        '-1': 0,
        laugh: 0,
        hooray: 0,
        confused: 0,
        heart: 0,
        rocket: 0,
        eyes: 0,
      },
      pin: null,
      minimized: null,
    };
  }

  /**
   * The checks every route makes, in this order: the token (401), the rate limit (403), the
   * token's repository (404: GitHub hides what a token may not see), the pull request (404), then
   * the permission the operation needs (403 "Resource not accessible by integration"). Returns
   * the repository, or undefined once it has answered.
   */
  function guard(ctx: Ctx, operation: string, repository: string | undefined, number: number | undefined, access: 'read' | 'write'): string | undefined {
    const accepted = `issues=${access}; pull_requests=${access}`;
    const fail = (status: number, message: string, extra: Record<string, string> = {}) => {
      reply(ctx, operation, status, basicError(operation, status, message), headers(accepted, extra));
      return undefined;
    };
    const auth = /^(?:token|bearer)\s+(\S+)$/i.exec(ctx.header('authorization') ?? '')?.[1];
    if (!auth) return fail(401, 'Requires authentication');
    const t = tokens.get(auth);
    if (!t) return fail(401, 'Bad credentials');
    ctx.entry.token = { kind: 'github' };
    if (used >= limit) return fail(403, 'API rate limit exceeded for installation ID 1.');
    used++;
    if (!repository || repository.toLowerCase() !== t.repository.toLowerCase()) return fail(404, 'Not Found');
    if (number !== undefined && !pullRequests.has(key(repository, number))) return fail(404, 'Not Found');
    // On a pull request GitHub gates writing comments on pull-requests: write; issues: write alone
    // is refused (emulator/README.md). Reading takes either permission.
    const { issues, 'pull-requests': pulls } = t.permissions;
    const allowed = access === 'write' ? pulls === 'write' : pulls !== 'none' || issues !== 'none';
    if (!allowed) return fail(403, 'Resource not accessible by integration');
    return t.repository;
  }

  /** The request body's `body`, or undefined once a 422 was sent. */
  function bodyOf(ctx: Ctx, operation: string): string | undefined {
    let parsed: unknown;
    try {
      parsed = JSON.parse(ctx.body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const body = (parsed as { body?: unknown } | undefined)?.body;
    const invalid = (message: string, errors?: unknown[]) =>
      reply(
        ctx,
        operation,
        422,
        { message, ...(errors ? { errors } : {}), documentation_url: DOCS[operation], status: '422' },
        headers('issues=write; pull_requests=write'),
      );
    if (typeof body !== 'string') return void invalid('Invalid request.\n\n"body" wasn\'t supplied.');
    if ([...body].length > MAX_BODY_CHARACTERS) {
      return void invalid('Validation Failed', [
        { resource: 'IssueComment', code: 'unprocessable', field: 'data', message: `Body is too long (maximum is ${MAX_BODY_CHARACTERS} characters)` },
      ]);
    }
    return body;
  }

  function list(ctx: Ctx, repository: string | undefined): void {
    const operation = 'issues/list-comments';
    const number = Number(ctx.params.number);
    const repo = guard(ctx, operation, repository, number, 'read');
    if (!repo) return;
    const perPage = Math.min(100, Math.max(1, Number(ctx.query.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(ctx.query.get('page') ?? 1) || 1);
    const all = comments.filter((c) => key(c.repository, c.number) === key(repo, number)).sort((a, b) => a.id - b.id);
    const pages = Math.max(1, Math.ceil(all.length / perPage));
    const extra: Record<string, string> = {};
    if (pages > 1) {
      // The repository-id form GitHub's own Link headers use (using-pagination-in-the-rest-api).
      const at = (p: number) => `<${base(ctx)}/repositories/${repoId(repo)}/issues/${number}/comments?per_page=${perPage}&page=${p}>`;
      const links: string[] = [];
      if (page > 1) links.push(`${at(page - 1)}; rel="prev"`);
      if (page < pages) links.push(`${at(page + 1)}; rel="next"`, `${at(pages)}; rel="last"`);
      if (page > 1) links.push(`${at(1)}; rel="first"`);
      extra.link = links.join(', ');
    }
    const shown = all.slice((page - 1) * perPage, page * perPage).map((c) => commentJson(ctx, c));
    reply(ctx, operation, 200, shown, headers('issues=read; pull_requests=read', extra));
  }

  const routes: Route[] = [
    {
      service: 'github',
      method: 'GET',
      path: /^(?<prefix>\/api\/v3)?\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/issues\/(?<number>\d+)\/comments$/i,
      model: 'issue-comment[]',
      handler: (ctx) => list(ctx, `${ctx.params.owner}/${ctx.params.repo}`),
    },
    {
      service: 'github',
      method: 'GET',
      path: /^(?<prefix>\/api\/v3)?\/repositories\/(?<id>\d+)\/issues\/(?<number>\d+)\/comments$/i,
      model: 'issue-comment[]',
      handler: (ctx) => list(ctx, repoById(Number(ctx.params.id))),
    },
    {
      service: 'github',
      method: 'POST',
      path: /^(?<prefix>\/api\/v3)?\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/issues\/(?<number>\d+)\/comments$/i,
      model: 'issue-comment',
      handler: (ctx) => {
        const operation = 'issues/create-comment';
        const number = Number(ctx.params.number);
        const repo = guard(ctx, operation, `${ctx.params.owner}/${ctx.params.repo}`, number, 'write');
        if (!repo) return;
        const body = bodyOf(ctx, operation);
        if (body === undefined) return;
        const at = o.now();
        const c: GithubCommentRecord = { id: nextCommentId++, repository: repo, number, body, author: ACTIONS_BOT.login, createdAt: at, updatedAt: at };
        comments.push(c);
        const json = commentJson(ctx, c);
        reply(ctx, operation, 201, json, headers('issues=write; pull_requests=write', { location: String(json.url) }));
      },
    },
    {
      service: 'github',
      method: 'PATCH',
      path: /^(?<prefix>\/api\/v3)?\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/issues\/comments\/(?<id>\d+)$/i,
      model: 'issue-comment',
      handler: (ctx) => {
        const operation = 'issues/update-comment';
        const repository = `${ctx.params.owner}/${ctx.params.repo}`;
        const c = comments.find((x) => x.id === Number(ctx.params.id) && x.repository.toLowerCase() === repository.toLowerCase());
        const repo = guard(ctx, operation, c ? repository : undefined, undefined, 'write');
        if (!repo || !c) return;
        const body = bodyOf(ctx, operation);
        if (body === undefined) return;
        c.body = body;
        c.updatedAt = o.now();
        reply(ctx, operation, 200, commentJson(ctx, c), headers('issues=write; pull_requests=write'));
      },
    },
  ];

  return {
    routes,
    token,
    comments: (repository, number) => comments.filter((c) => key(c.repository, c.number) === key(repository, number)).map((c) => ({ ...c })),
    replies,
    secrets: () => [...tokens.keys()],
  };
}

function iso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
