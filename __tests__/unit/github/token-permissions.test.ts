import { describe, expect, it } from 'vitest';
import { RequestError } from '@octokit/request-error';
import { explainCommentFailure, type CommentTarget } from '../../../src/github/token-permissions.js';
import type { PullRequestRef, RunContext } from '../../../src/github/context.js';

const pr: PullRequestRef = { number: 2, baseRepository: 'contoso/scoring', headRepository: 'contoso/scoring', fromFork: false, author: 'octocat' };
const run: RunContext = {
  repository: 'contoso/scoring',
  eventName: 'pull_request',
  job: 'smoke',
  actor: 'octocat',
  serverUrl: 'https://github.com',
  apiUrl: 'https://api.github.com',
  pullRequest: pr,
};
const target = (o: Partial<RunContext> = {}, authType: CommentTarget['authType'] = 'oidc'): CommentTarget => ({
  repository: 'contoso/scoring',
  number: 2,
  run: { ...run, ...o },
  authType,
});

/** The error Octokit throws for a GitHub answer (its own class, as the chunk throws it). */
function answered(status: number, message: string, headers: Record<string, string> = {}): RequestError {
  const data = { message, documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment', status: String(status) };
  return new RequestError(`${message} - ${data.documentation_url}`, status, {
    request: { method: 'POST', url: 'https://api.github.com/repos/contoso/scoring/issues/2/comments', headers: { authorization: 'token ghs_x' } },
    response: { status, url: '', headers, data },
  });
}
const denied = answered(403, 'Resource not accessible by integration', { 'x-accepted-github-permissions': 'issues=write; pull_requests=write' });

describe('explainCommentFailure', () => {
  it("403 by integration: add pull-requests: write to the job's permissions, with the YAML", () => {
    const e = explainCommentFailure(denied, target());
    expect(e.level).toBe('warning');
    expect(e.message.split('\n')).toEqual([
      "Add 'pull-requests: write' to the permissions of job 'smoke' to get the pull-request comment: GitHub refused the token on pull request #2 of contoso/scoring (HTTP 403: Resource not accessible by integration; the call accepts issues=write; pull_requests=write). The step's result is unchanged.",
      '',
      '  jobs:',
      '    smoke:',
      '      permissions:',
      '        id-token: write       # signing in to Azure with OIDC',
      '        contents: read',
      '        pull-requests: write  # the pull-request comment',
      '',
      'A permissions block sets every permission it leaves out to none: keep those the job already has.',
      'On a pull request GitHub takes pull-requests: write to comment; issues: write alone is refused.',
    ]);
  });

  it('keeps id-token: write out of the fix when the step does not sign in with OIDC', () => {
    expect(explainCommentFailure(denied, target({}, 'client-secret')).message).not.toContain('id-token');
  });

  it("403 for a personal access token: that token's permission on the repository", () => {
    const e = explainCommentFailure(answered(403, 'Resource not accessible by personal access token'), target());
    expect(e.message).toMatch(/^Give the token in 'github-token' the Pull requests: write permission on contoso\/scoring: GitHub refused the token/);
  });

  it('403 on a pull_request run for a fork, a deleted fork or Dependabot: a notice with what to use instead', () => {
    const cases: [Partial<RunContext>, string][] = [
      [{ pullRequest: { ...pr, fromFork: true, headRepository: 'someone/scoring' } }, "pull request #2 comes from the fork 'someone/scoring'"],
      [{ pullRequest: { ...pr, fromFork: true, headRepository: undefined } }, 'pull request #2 comes from a fork that has since been deleted'],
      [{ pullRequest: { ...pr, author: 'dependabot[bot]' } }, "pull request #2 is Dependabot's, and GitHub runs those as it runs a fork's"],
    ];
    for (const [o, why] of cases) {
      const e = explainCommentFailure(denied, target(o));
      expect(e.level).toBe('notice');
      expect(e.message).toContain(
        `To comment on pull requests from forks, post the comment from a workflow_run workflow or run on pull_request_target: ${why}, so this pull_request run gets a read-only GITHUB_TOKEN`,
      );
    }
    // On pull_request_target the token may write: a 403 there is a permissions block's doing.
    const onTarget = explainCommentFailure(denied, target({ eventName: 'pull_request_target', pullRequest: { ...pr, fromFork: true } }));
    expect(onTarget.level).toBe('warning');
    expect(onTarget.message).toMatch(/^Add 'pull-requests: write'/);
  });

  it('a rate limit is not a permission: primary (remaining 0, with its reset) and secondary (retry-after)', () => {
    const primary = answered(403, 'API rate limit exceeded for installation ID 1.', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1767225600' });
    expect(explainCommentFailure(primary, target()).message).toMatch(
      /^Re-run later to get the pull-request comment: the token has used up its GitHub API rate limit \(it resets at 00:00 UTC\), so pull request #2 of contoso\/scoring got none/,
    );
    const secondary = answered(429, 'You have exceeded a secondary rate limit.', { 'retry-after': '60' });
    expect(explainCommentFailure(secondary, target()).message).toMatch(/GitHub's secondary rate limit stopped the request \(retry after 60 s\)/);
    expect(explainCommentFailure(secondary, target()).message).not.toContain('pull-requests: write');
  });

  it("404: the token's repository scope; 401: the token itself", () => {
    expect(explainCommentFailure(answered(404, 'Not Found'), target()).message).toMatch(
      /^Check the repository scope of 'github-token': it cannot see pull request #2 of contoso\/scoring \(HTTP 404: Not Found\)\. The step's result is unchanged\.\n\nGitHub answers 404, not 403/,
    );
    expect(explainCommentFailure(answered(401, 'Bad credentials'), target()).message).toBe(
      "Check 'github-token': GitHub's API rejected it (HTTP 401: Bad credentials), so pull request #2 of contoso/scoring got no comment. The step's result is unchanged.",
    );
  });

  it('no answer at all: the network, naming the API URL; anything else: the status and what GitHub said', () => {
    const network = new RequestError('connect ECONNREFUSED 10.0.0.1:443', 500, { request: { method: 'GET', url: 'https://ghe.local/api/v3/x', headers: {} } });
    expect(explainCommentFailure(network, target({ apiUrl: 'https://ghe.local/api/v3' })).message).toBe(
      "Check that the runner reaches https://ghe.local/api/v3: commenting on pull request #2 of contoso/scoring failed (connect ECONNREFUSED 10.0.0.1:443). The step's result is unchanged.",
    );
    expect(explainCommentFailure(answered(422, 'Validation Failed'), target()).message).toBe(
      "GitHub did not take the comment on pull request #2 of contoso/scoring (HTTP 422: Validation Failed). The step's result is unchanged.",
    );
  });
});
