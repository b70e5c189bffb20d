// The workflow run this step belongs to, read once through @actions/github's Context (what
// github.context is an instance of): repository, run, ref, event payload and the server and API
// URLs (GitHub Enterprise Server sets its own in GITHUB_SERVER_URL and GITHUB_API_URL).
//
// The class is imported from its own module by path: the package's root module builds Octokit
// and its proxy settings as it loads, and its `exports` map offers no way to the context module
// alone. A plain run must not load Octokit (only comment-on-pr does, in a chunk of its own);
// __tests__/unit/github/context.test.ts checks that this class is the one github.context is made
// from, and __tests__/repo/bundle.test.ts that no Octokit code is in the bundles a plain run loads.
import { Context } from '../../node_modules/@actions/github/lib/context.js';

export interface PullRequestRef {
  number: number;
  /** The pull request's page. */
  url?: string;
  /** owner/repo the pull request merges into. */
  baseRepository: string;
  /** owner/repo its branch lives in; undefined when that repository was deleted. */
  headRepository?: string;
  /** Its branch lives in another repository (or a deleted one): a `pull_request` run gets a read-only token. */
  fromFork: boolean;
  /** Login of its author. */
  author?: string;
}

export interface RunContext {
  /** owner/repo, when known. */
  repository?: string;
  runId?: number;
  runAttempt?: number;
  eventName?: string;
  ref?: string;
  sha?: string;
  workflow?: string;
  /** The job's id in the workflow file (the same for every leg of a matrix). */
  job?: string;
  actor?: string;
  serverUrl: string;
  apiUrl: string;
  /** The run's page (this attempt's), when the repository and run id are known. */
  runUrl?: string;
  /** The pull request of a pull_request or pull_request_target event. */
  pullRequest?: PullRequestRef;
}

/** Events whose payload is the pull request the run is for. */
export const PULL_REQUEST_EVENTS = ['pull_request', 'pull_request_target'];

interface PayloadRepo {
  full_name?: string;
}
interface PayloadPullRequest {
  number?: number;
  html_url?: string;
  user?: { login?: string } | null;
  base?: { repo?: PayloadRepo | null };
  head?: { repo?: PayloadRepo | null };
}

const positive = (n: number) => (Number.isInteger(n) && n > 0 ? n : undefined);
const present = (s: string | undefined) => s || undefined;

export function readRunContext(): RunContext {
  const c = new Context();
  let repository: string | undefined;
  try {
    const { owner, repo } = c.repo;
    repository = owner && repo ? `${owner}/${repo}` : undefined;
  } catch {
    repository = undefined; // neither GITHUB_REPOSITORY nor a payload naming one: not on a runner
  }
  const serverUrl = c.serverUrl.replace(/\/+$/, '');
  const runId = positive(c.runId);
  const runAttempt = positive(c.runAttempt);
  const eventName = present(c.eventName);
  return {
    repository,
    runId,
    runAttempt,
    eventName,
    ref: present(c.ref),
    sha: present(c.sha),
    workflow: present(c.workflow),
    job: present(c.job),
    actor: present(c.actor),
    serverUrl,
    apiUrl: c.apiUrl.replace(/\/+$/, ''),
    runUrl: repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}${runAttempt ? `/attempts/${runAttempt}` : ''}` : undefined,
    pullRequest: eventName && PULL_REQUEST_EVENTS.includes(eventName) ? pullRequestOf(c.payload.pull_request) : undefined,
  };
}

/** The run as a summary line links it: '[run 4242, attempt 1](…) (job `score`)'. */
export function runLink(run: RunContext): string | undefined {
  if (!run.runUrl) return undefined;
  return `[run ${run.runId}${run.runAttempt ? `, attempt ${run.runAttempt}` : ''}](${run.runUrl})${run.job ? ` (job \`${run.job}\`)` : ''}`;
}

function pullRequestOf(pr: PayloadPullRequest | undefined): PullRequestRef | undefined {
  const baseRepository = pr?.base?.repo?.full_name;
  if (!pr?.number || !baseRepository) return undefined;
  const headRepository = pr.head?.repo?.full_name;
  return {
    number: pr.number,
    url: pr.html_url,
    baseRepository,
    headRepository,
    fromFork: headRepository?.toLowerCase() !== baseRepository.toLowerCase(),
    author: pr.user?.login,
  };
}
