// Why GitHub refused the pull-request comment, said as precisely as an Azure denial: which token,
// what it lacks, where, and the YAML that fixes it. A refusal is always a warning or a notice:
// the comment never changes the step's result.
import { describeThrown } from '../reporting/errors.js';
import type { AuthType } from '../signin/inputs.js';
import type { RunContext } from './context.js';

export interface CommentTarget {
  /** owner/repo of the pull request. */
  repository: string;
  number: number;
  run: RunContext;
  /** How the step signs in to Azure: an OIDC job needs id-token: write kept in the fix. */
  authType: AuthType;
}

export interface Explanation {
  level: 'warning' | 'notice';
  message: string;
}

/** What an Octokit RequestError carries (checked by shape: it comes from a chunk of its own). */
interface RequestFailure {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

const UNCHANGED = "The step's result is unchanged.";

function header(f: RequestFailure, name: string): string | undefined {
  const v = f.response?.headers?.[name];
  return v === undefined ? undefined : String(v);
}

/** GitHub's own words: the `message` of its error body. */
function said(f: RequestFailure): string {
  const data = f.response?.data as { message?: unknown } | undefined;
  return typeof data?.message === 'string' ? data.message : (f.message ?? '').replace(/ - https:\/\/docs\.github\.com\S*$/, '');
}

/** A 403/429 that is GitHub's rate limit, not a permission (rate-limits-for-the-rest-api). */
function rateLimit(f: RequestFailure): string | undefined {
  if (f.status !== 403 && f.status !== 429) return undefined;
  const reset = Number(header(f, 'x-ratelimit-reset'));
  if (header(f, 'x-ratelimit-remaining') === '0') {
    const when = Number.isFinite(reset) && reset > 0 ? ` (it resets at ${new Date(reset * 1000).toISOString().slice(11, 16)} UTC)` : '';
    return `the token has used up its GitHub API rate limit${when}`;
  }
  const retryAfter = header(f, 'retry-after');
  if (retryAfter !== undefined || /secondary rate limit/i.test(said(f))) {
    return `GitHub's secondary rate limit stopped the request${retryAfter ? ` (retry after ${retryAfter} s)` : ''}`;
  }
  return undefined;
}

/** Why this run's GITHUB_TOKEN is read-only on its pull request, if it is. */
function readOnlyBecause(t: CommentTarget): string | undefined {
  const pr = t.run.pullRequest;
  if (t.run.eventName !== 'pull_request' || !pr) return undefined;
  if (pr.fromFork) {
    return `pull request #${pr.number} comes from ${pr.headRepository ? `the fork '${pr.headRepository}'` : 'a fork that has since been deleted'}`;
  }
  if ([pr.author, t.run.actor].includes('dependabot[bot]')) return `pull request #${pr.number} is Dependabot's, and GitHub runs those as it runs a fork's`;
  return undefined;
}

function permissionsFix(t: CommentTarget): string[] {
  const job = t.run.job ?? '<job>';
  return [
    '',
    `  jobs:`,
    `    ${job}:`,
    `      permissions:`,
    ...(t.authType === 'oidc' ? [`        id-token: write       # signing in to Azure with OIDC`] : []),
    `        contents: read`,
    `        pull-requests: write  # the pull-request comment`,
    '',
    'A permissions block sets every permission it leaves out to none: keep those the job already has.',
    'On a pull request GitHub takes pull-requests: write to comment; issues: write alone is refused.',
  ];
}

export function explainCommentFailure(err: unknown, t: CommentTarget): Explanation {
  const f = (typeof err === 'object' && err !== null ? err : {}) as RequestFailure;
  const pr = `pull request #${t.number} of ${t.repository}`;
  const warning = (lines: string[]): Explanation => ({ level: 'warning', message: lines.join('\n') });
  if (!f.status || !f.response) {
    return warning([`Check that the runner reaches ${t.run.apiUrl}: commenting on ${pr} failed (${describeThrown(err)}). ${UNCHANGED}`]);
  }
  const status = `HTTP ${f.status}: ${said(f)}`;
  const limited = rateLimit(f);
  if (limited) return warning([`Re-run later to get the pull-request comment: ${limited}, so ${pr} got none (${status}). ${UNCHANGED}`]);
  if (f.status === 401) return warning([`Check 'github-token': GitHub's API rejected it (${status}), so ${pr} got no comment. ${UNCHANGED}`]);
  if (f.status === 403) {
    const readOnly = readOnlyBecause(t);
    if (readOnly) {
      return {
        level: 'notice',
        message: [
          `To comment on pull requests from forks, post the comment from a workflow_run workflow or run on pull_request_target: ${readOnly}, so this pull_request run gets a read-only GITHUB_TOKEN (and no OIDC token with write scopes) and could not comment (${status}). ${UNCHANGED}`,
          '',
          'A workflow_run workflow runs in the base repository with a write token after this one ends; treat what it reads from this run (artifacts) as untrusted data.',
          "pull_request_target runs with a write token and the secrets: use it with care, and never check out or run the pull request's code in it.",
        ].join('\n'),
      };
    }
    const accepted = header(f, 'x-accepted-github-permissions');
    const because = `GitHub refused the token on ${pr} (${status}${accepted ? `; the call accepts ${accepted}` : ''}).`;
    if (/by integration/i.test(said(f))) {
      return warning([
        `Add 'pull-requests: write' to the permissions of job '${t.run.job ?? '<job>'}' to get the pull-request comment: ${because} ${UNCHANGED}`,
        ...permissionsFix(t),
      ]);
    }
    return warning([`Give the token in 'github-token' the Pull requests: write permission on ${t.repository}: ${because} ${UNCHANGED}`]);
  }
  if (f.status === 404) {
    return warning([
      `Check the repository scope of 'github-token': it cannot see ${pr} (${status}). ${UNCHANGED}`,
      '',
      "GitHub answers 404, not 403, for a repository a token may not see. The job's GITHUB_TOKEN reaches only its own repository; a fine-grained token only the repositories it lists.",
    ]);
  }
  return warning([`GitHub did not take the comment on ${pr} (${status}). ${UNCHANGED}`]);
}
