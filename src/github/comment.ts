// comment-on-pr: one comment on the pull request per workflow, job, endpoint and deployment,
// holding the job summary, created on the first run and updated on every later one. A hidden
// marker on its first line finds it again. The comment is a side channel: whatever happens here
// is a log line, a notice or a warning, never the step's failure. Octokit is loaded (its own
// chunk) only when a comment is to be written.
import { createHttp, type Http, type Log } from '../azure/http.js';
import { describeThrown } from '../reporting/errors.js';
import { truncateUtf8 } from '../reporting/format.js';
import type { Inputs } from '../inputs.js';
import type { CommentOnPr } from './inputs.js';
import type { RunContext } from './context.js';
import { explainCommentFailure } from './token-permissions.js';

/**
 * GitHub refuses a body over 65,536 characters (its 422: "Body is too long (maximum is 65536
 * characters)"). Counting UTF-8 bytes instead keeps under the limit whatever GitHub counts.
 */
export const MAX_COMMENT_BYTES = 65_536;

export interface CommentLog extends Log {
  notice(message: string): void;
}

/** A comment as the list gives it. */
export interface PullRequestComment {
  id: number;
  body?: string | null;
  html_url: string;
}

/** The pull request's comments through the REST API (src/github/octokit.ts). */
export interface CommentsApi {
  /** The comments page by page, oldest first. */
  pages(): AsyncIterable<PullRequestComment[]>;
  create(body: string): Promise<PullRequestComment>;
  update(id: number, body: string): Promise<PullRequestComment>;
}

/** What tells one comment from another: the workflow, the job and what the step invoked. */
export type CommentKey = Pick<RunContext, 'workflow' | 'job'> &
  Pick<Inputs, 'resourceGroup' | 'workspace' | 'endpointType' | 'endpoint' | 'deployment' | 'jobName'>;

/**
 * The hidden first line. Matrix legs share the workflow and the job id, so the endpoint and the
 * deployment are part of it too: legs that target different ones keep a comment each (a step that
 * attached to a job with no endpoint named stands for that job). Values are percent-encoded, so
 * none can end the HTML comment.
 */
export function commentMarker(k: CommentKey): string {
  const e = encodeURIComponent;
  const target = k.endpoint || (k.jobName ? `job:${k.jobName}` : '');
  const endpoint = [k.resourceGroup, k.workspace, k.endpointType, target].map(e).join('/');
  return `<!-- azureml-invoke workflow=${e(k.workflow ?? '')} job=${e(k.job ?? '')} endpoint=${endpoint} deployment=${e(k.deployment ?? '(default)')} -->`;
}

/**
 * The marker, then the summary, cut when needed to fit GitHub's limit: at a line end, or inside a
 * line when that line alone is most of the room (a long error message), with any code block it
 * was cut in closed and a line saying where the whole summary is.
 */
export function commentBody(marker: string, summary: string, runUrl: string | undefined): string {
  const whole = `${marker}\n${summary.trimEnd()}\n`;
  if (Buffer.byteLength(whole, 'utf8') <= MAX_COMMENT_BYTES) return whole;
  const where = runUrl ? `the [workflow run's summary](${runUrl})` : "the workflow run's summary";
  const note = `\n\n*The summary was cut to fit a pull-request comment; it is whole in ${where}.*\n`;
  const fence = '\n```';
  const ellipsis = '…';
  const room = MAX_COMMENT_BYTES - Buffer.byteLength(`${marker}\n${ellipsis}${fence}${note}`, 'utf8');
  let kept = truncateUtf8(summary, room);
  const lineEnd = kept.lastIndexOf('\n');
  kept = lineEnd >= kept.length / 2 ? kept.slice(0, lineEnd) : `${kept}${ellipsis}`;
  const openFences = kept.split('\n').filter((line) => line.trimStart().startsWith('```')).length;
  return `${marker}\n${kept}${openFences % 2 ? fence : ''}${note}`;
}

export interface CommentRequest {
  mode: CommentOnPr;
  token?: string;
  /** The job summary as written. */
  summary: string;
  failed: boolean;
  run: RunContext;
  inputs: Inputs;
  log: CommentLog;
  /** The HTTP stack to reach GitHub with (default: one of its own). */
  http?: Http;
}

/** Writes or updates the comment when comment-on-pr asks for one here; never throws. */
export async function commentOnPullRequest(r: CommentRequest): Promise<void> {
  const { run, log } = r;
  const pr = run.pullRequest;
  if (r.mode === 'false') return;
  // on-failure after a success: no new comment, but one an earlier failure left is brought up to
  // date, so the pull request does not go on showing a failure that is fixed.
  const onlyUpdate = r.mode === 'on-failure' && !r.failed;
  if (!pr || !run.repository) {
    log.debug(`comment-on-pr: the '${run.eventName ?? 'unknown'}' event is not for a pull request (pull_request or pull_request_target), so no comment.`);
    return;
  }
  const target = { repository: run.repository, number: pr.number, run, authType: r.inputs.authType };
  if (!r.token) {
    log.warning(
      `Set 'github-token' (it defaults to \${{ github.token }}) to comment on pull request #${pr.number}: it is empty here, so no comment was written; the step's result is unchanged.`,
    );
    return;
  }
  try {
    const { openComments } = await import('./octokit.js');
    const api = openComments({ token: r.token, apiUrl: run.apiUrl, repository: run.repository, number: pr.number, http: r.http ?? createHttp(log) });
    const marker = commentMarker({ ...r.inputs, workflow: run.workflow, job: run.job });
    const body = commentBody(marker, r.summary, run.runUrl);
    let existing: PullRequestComment | undefined;
    for await (const page of api.pages()) {
      existing = page.find((c) => c.body?.startsWith(marker));
      if (existing) break;
    }
    if (!existing && onlyUpdate) {
      log.debug('comment-on-pr: on-failure: the step succeeded and no earlier comment needs updating, so no pull-request comment.');
      return;
    }
    const written = existing ? await api.update(existing.id, body) : await api.create(body);
    log.info(`${existing ? 'Updated the comment' : 'Commented'} on pull request #${pr.number}: ${written.html_url}`);
  } catch (err) {
    const e = explainCommentFailure(err, target);
    if (e.level === 'notice') log.notice(e.message);
    else log.warning(e.message);
    log.debug(`comment-on-pr: ${describeThrown(err)}`);
  }
}
