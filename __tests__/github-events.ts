// Workflow events, shared by the unit and end-to-end tests, from @octokit/webhooks-examples:
// payloads GitHub really delivered (the runner writes the same payload to GITHUB_EVENT_PATH). The package has no pull request from
// a fork, so that one is a real example with its head moved to a fork, as GitHub shapes it: head
// repository, owner and label of the fork, base unchanged.
import { createRequire } from 'node:module';

interface Example {
  name: string;
  examples: Record<string, unknown>[];
}
interface PullRequestPayload {
  action: string;
  number: number;
  repository: { full_name: string };
  sender: { login: string };
  pull_request: {
    merge_commit_sha: string | null;
    auto_merge?: unknown;
    user: { login: string };
    head: { label: string; sha: string; user: Record<string, unknown>; repo: Record<string, unknown> & { owner: Record<string, unknown> } };
  };
}

const all = createRequire(import.meta.url)('@octokit/webhooks-examples') as Example[];
const examples = (name: string) => all.find((e) => e.name === name)!.examples;

/**
 * A pull_request 'opened' delivery. The first 'opened' example predates `auto_merge` and fails
 * GitHub's current webhook schema; the later ones pass it.
 */
const opened = examples('pull_request').find((x) => x.action === 'opened' && 'auto_merge' in (x as unknown as PullRequestPayload).pull_request)!;

export interface WorkflowEvent {
  event: { name: string; payload: unknown };
  /** What the runner sets alongside: the repository, ref, sha and actor of the event. */
  env: Record<string, string>;
}

export const PR = structuredClone(opened) as unknown as PullRequestPayload;
export const REPOSITORY = PR.repository.full_name;

/** A pull request event; `fork` moves its branch to a fork, `target` makes it pull_request_target. */
export function pullRequestEvent(o: { fork?: 'fork' | 'deleted'; target?: boolean } = {}): WorkflowEvent {
  const payload = structuredClone(opened) as unknown as PullRequestPayload;
  const pr = payload.pull_request;
  if (o.fork === 'fork') {
    const [, name] = REPOSITORY.split('/');
    const owner = { ...pr.head.repo.owner, login: 'contributor', id: 7_000_001, node_id: 'MDQ6VXNlcjcwMDAwMDE=' };
    pr.head.repo = { ...pr.head.repo, id: 7_000_002, node_id: 'MDEwOlJlcG9zaXRvcnk3MDAwMDAy', full_name: `contributor/${name}`, owner, fork: true };
    pr.head.user = owner;
    pr.head.label = `contributor:${pr.head.label.split(':')[1]}`;
  }
  if (o.fork === 'deleted') pr.head.repo = null as unknown as PullRequestPayload['pull_request']['head']['repo'];
  const name = o.target ? 'pull_request_target' : 'pull_request';
  return {
    event: { name, payload },
    env: {
      GITHUB_REPOSITORY: REPOSITORY,
      GITHUB_REF: o.target ? 'refs/heads/master' : `refs/pull/${payload.number}/merge`,
      GITHUB_SHA: (o.target ? null : pr.merge_commit_sha) ?? pr.head.sha,
      GITHUB_ACTOR: payload.sender.login,
    },
  };
}

/** A push to a branch. */
export function pushEvent(): WorkflowEvent {
  const payload = examples('push').find((x) => x.ref === 'refs/heads/master' && x.deleted === false)! as {
    ref: string;
    after: string;
    repository: { full_name: string };
  };
  return {
    event: { name: 'push', payload },
    env: { GITHUB_REPOSITORY: payload.repository.full_name, GITHUB_REF: payload.ref, GITHUB_SHA: payload.after, GITHUB_ACTOR: 'Codertocat' },
  };
}
