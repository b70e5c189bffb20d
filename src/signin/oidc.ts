// Asks GitHub for an OIDC token through @actions/core's getIDToken (passed in, so the Azure half of
// the bundle does not load @actions/core a second time). The first token is requested while the
// Azure libraries are still loading.
import { realClock } from '../clock.js';
import { ActionError } from '../reporting/errors.js';
import { backoffMs, isRetryableStatus } from '../azure/retry.js';

const ATTEMPTS = 4;

/** Why GitHub gives no OIDC token to this job, with the YAML that fixes it. */
export function missingIdTokenError(env: Record<string, string | undefined>): ActionError {
  const details = [
    'GitHub issues OIDC tokens only to jobs that ask for them. Add to the workflow (or the job):',
    '',
    '  permissions:',
    '    id-token: write   # lets this step sign in to Azure without a stored secret',
    '    contents: read',
  ];
  if (env.GITHUB_EVENT_NAME === 'pull_request' || env.GITHUB_EVENT_NAME === 'pull_request_target') {
    details.push(
      '',
      'Pull requests from forks never get an OIDC token with write scopes; run this step on push, workflow_dispatch or a protected environment instead.',
    );
  }
  if ((env.GITHUB_ACTOR ?? '').startsWith('dependabot')) {
    details.push('', 'Workflows triggered by Dependabot get no OIDC token; skip this step for Dependabot runs.');
  }
  return new ActionError(
    'signin',
    "Add 'permissions: id-token: write' to the workflow: this job has no GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is not set).",
    details,
  );
}

/** A fresh GitHub OIDC token; transient failures are retried, a refusal is not. */
export type GetIdToken = (audience: string) => Promise<string>;

export async function fetchOidcToken(
  getIdToken: GetIdToken,
  audience: string,
  log: { info(message: string): void },
  sleep: (ms: number) => Promise<void> = realClock.sleep,
): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await getIdToken(audience);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const status = Number(/Error Code : (\d+)/.exec(message)?.[1]);
      const transient = isRetryableStatus(Number.isFinite(status) ? status : undefined);
      if (!transient || attempt + 1 >= ATTEMPTS) {
        throw new ActionError('signin', `GitHub did not issue an OIDC token: ${message.replace(/\s+/g, ' ').trim()}`, [
          Number.isFinite(status) && status < 500
            ? "Check that the job has 'permissions: id-token: write' and that the audience input is valid."
            : 'The GitHub token service did not answer; re-run the job.',
        ]);
      }
      const delay = backoffMs(attempt, Math.random);
      log.info(
        `GitHub OIDC token request failed (${Number.isFinite(status) ? `HTTP ${status}` : 'network error'}); retry ${attempt + 1} of ${ATTEMPTS - 1} in ${(delay / 1000).toFixed(1)} s`,
      );
      await sleep(delay);
    }
  }
}
