import { describe, expect, it } from 'vitest';
import { commentBody, commentMarker, commentOnPullRequest, MAX_COMMENT_BYTES, type CommentLog, type CommentRequest } from '../../../src/github/comment.js';
import type { Inputs } from '../../../src/inputs.js';
import type { RunContext } from '../../../src/github/context.js';
import { Prng } from '../../../emulator/src/prng.js';

const key = {
  workflow: 'Release --> smoke',
  job: 'smoke',
  resourceGroup: 'rg-ml',
  workspace: 'ws',
  endpointType: 'online',
  endpoint: 'heart',
  deployment: 'green',
} as const;
const MARKER = commentMarker(key);
const RUN_URL = 'https://github.com/contoso/scoring/actions/runs/4242/attempts/1';
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('commentMarker', () => {
  it('is one HTML comment that names the workflow, job, endpoint and deployment, whatever they contain', () => {
    expect(MARKER).toBe('<!-- azureml-invoke workflow=Release%20--%3E%20smoke job=smoke endpoint=rg-ml/ws/online/heart deployment=green -->');
    expect(MARKER.indexOf('-->')).toBe(MARKER.length - 3);
    expect(commentMarker({ ...key, deployment: undefined })).toContain('deployment=(default)');
    expect(commentMarker({ ...key, deployment: 'blue' })).not.toBe(MARKER);
  });

  it('names the job a step attached to without an endpoint, so legs following different jobs keep a comment each', () => {
    const attached = { ...key, endpointType: 'batch', endpoint: '', deployment: undefined } as const;
    expect(commentMarker({ ...attached, jobName: 'batchjob-1' })).toBe(
      '<!-- azureml-invoke workflow=Release%20--%3E%20smoke job=smoke endpoint=rg-ml/ws/batch/job%3Abatchjob-1 deployment=(default) -->',
    );
    expect(commentMarker({ ...attached, jobName: 'batchjob-2' })).not.toBe(commentMarker({ ...attached, jobName: 'batchjob-1' }));
    // With an endpoint named, the job it attaches to shares the endpoint's comment, as a new job's step does.
    expect(commentMarker({ ...key, jobName: 'batchjob-1' })).toBe(MARKER);
  });
});

describe('commentBody', () => {
  it('is the marker and the summary when it fits', () => {
    expect(commentBody(MARKER, '## ✅ done\n\n| a | b |\n', RUN_URL)).toBe(`${MARKER}\n## ✅ done\n\n| a | b |\n`);
    const exact = 'x'.repeat(MAX_COMMENT_BYTES - bytes(MARKER) - 2);
    expect(commentBody(MARKER, exact, RUN_URL)).toBe(`${MARKER}\n${exact}\n`);
  });

  it('cuts a long summary at a line end, says where the whole is, and closes a code block it cut', () => {
    const lines = ['## ❌ batch endpoint: failed', '', '```sh', ...Array.from({ length: 5000 }, (_, i) => `az role assignment create --scope /x/${i} # ✅`)];
    const body = commentBody(MARKER, lines.join('\n'), RUN_URL);
    expect(bytes(body)).toBeLessThanOrEqual(MAX_COMMENT_BYTES);
    expect(body.startsWith(`${MARKER}\n## ❌ batch endpoint: failed\n\n\`\`\`sh\n`)).toBe(true);
    expect(body).toMatch(
      /# ✅\n```\n\n\*The summary was cut to fit a pull-request comment; it is whole in the \[workflow run's summary\]\(https:\/\/github\.com\/\S+\)\.\*\n$/,
    );
  });

  it('stays under the limit for any summary (seeded random summaries of every kind of character)', () => {
    const prng = new Prng(14);
    let truncated = 0;
    const pieces = ['a', 'é', '✅', '😀', '\n', '```\n', '| x | y |\n', '> '];
    for (let n = 0; n < 60; n++) {
      const size = 20_000 + Math.floor(prng.next() * 80_000);
      let summary = '';
      while (summary.length < size) summary += prng.pick(pieces).repeat(1 + Math.floor(prng.next() * 50));
      const body = commentBody(MARKER, summary, prng.next() < 0.5 ? RUN_URL : undefined);
      expect(bytes(body)).toBeLessThanOrEqual(MAX_COMMENT_BYTES);
      if (bytes(`${MARKER}\n${summary.trimEnd()}\n`) <= MAX_COMMENT_BYTES) {
        expect(body).toBe(`${MARKER}\n${summary.trimEnd()}\n`);
        continue;
      }
      const cut = /^(.*)\n([\s\S]*?)(\n```)?\n\n\*The summary was cut to fit a pull-request comment; it is whole in [^\n]*\*\n$/.exec(body);
      expect(cut?.[1]).toBe(MARKER);
      const kept = cut![2];
      // A prefix of the summary, ending at a line end or, inside a line, with an ellipsis; no character cut in half ...
      expect(summary.startsWith(`${kept}\n`) || (kept.endsWith('…') && summary.startsWith(kept.slice(0, -1)))).toBe(true);
      truncated++;
      // ... and a code block left open is closed.
      const fences = kept.split('\n').filter((l) => l.trimStart().startsWith('```')).length;
      expect(Boolean(cut![3])).toBe(fences % 2 === 1);
    }
    expect(truncated).toBeGreaterThan(30);
  });

  it('keeps most of a summary whose error line alone is over the limit, cut inside the line', () => {
    const summary = `## ❌ batch endpoint: failed\n\n> Job batchjob-1 failed: ${'✅ boom '.repeat(20_000)}\n\n| | |\n`;
    const body = commentBody(MARKER, summary, RUN_URL);
    expect(bytes(body)).toBeLessThanOrEqual(MAX_COMMENT_BYTES);
    expect(bytes(body)).toBeGreaterThan(MAX_COMMENT_BYTES - 400);
    expect(body).toMatch(/\n> Job batchjob-1 failed: (✅ boom )+✅?[^\n]*…\n\n\*The summary was cut/);
  });
});

describe('commentOnPullRequest: when it writes nothing', () => {
  const pullRequest = { number: 2, baseRepository: 'o/r', headRepository: 'o/r', fromFork: false };
  const run: RunContext = { repository: 'o/r', eventName: 'pull_request', serverUrl: 'https://github.com', apiUrl: 'https://api.github.com', pullRequest };
  function attempt(r: Partial<CommentRequest>) {
    const lines: string[] = [];
    const log: CommentLog = {
      info: (m) => lines.push(`info ${m}`),
      warning: (m) => lines.push(`warning ${m}`),
      notice: (m) => lines.push(`notice ${m}`),
      debug: (m) => lines.push(`debug ${m}`),
    };
    const request: CommentRequest = { mode: 'true', token: 'ghs_x', summary: 's', failed: false, run, inputs: { authType: 'oidc' } as Inputs, log, ...r };
    return commentOnPullRequest(request).then(() => lines);
  }

  it('comment-on-pr: false: not a line', async () => expect(await attempt({ mode: 'false' })).toEqual([]));

  it('an event that is not for a pull request: one debug line', async () => {
    expect(await attempt({ run: { ...run, eventName: 'workflow_dispatch', pullRequest: undefined } })).toEqual([
      "debug comment-on-pr: the 'workflow_dispatch' event is not for a pull request (pull_request or pull_request_target), so no comment.",
    ]);
  });

  it('an empty github-token: a warning that names the input', async () => {
    const [line] = await attempt({ token: undefined });
    expect(line).toMatch(
      /^warning Set 'github-token' \(it defaults to \$\{\{ github\.token \}\}\) to comment on pull request #2: .* the step's result is unchanged\.$/,
    );
  });
});
