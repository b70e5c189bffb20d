// The GitHub inputs: whether the job summary goes to the pull request as a comment, and the token.
import { Input } from '../constants.js';
import { oneOf, type InputGroup } from '../input-parsing.js';
import { InputError } from '../reporting/errors.js';

export type CommentOnPr = 'true' | 'false' | 'on-failure';

// A GitHub token travels in an Authorization header: visible ASCII only.
const GITHUB_TOKEN = /^[\x21-\x7e]+$/;

const COMMENT_VALUES: CommentOnPr[] = ['false', 'true', 'on-failure'];

export const GITHUB_INPUTS = {
  concern: 'github',
  inputs: {
    commentOnPr: {
      name: Input.commentOnPr,
      default: 'false',
      description:
        "false, true or on-failure: on a pull_request or pull_request_target run, keep one comment on the pull request (per workflow, job, endpoint and deployment, updated on every run) holding the job summary; on-failure comments only when the step fails (and brings such a comment up to date once it passes). Needs permissions: pull-requests: write. A failed comment is a warning, never the step's failure.",
      parse: (name, raw) => oneOf(name, raw, COMMENT_VALUES),
    },
    githubToken: {
      name: Input.githubToken,
      secret: true,
      // The runner evaluates it; a run outside one (a test, local-action) may have none.
      default: '${{ github.token }}',
      description: "Token for the pull-request comment. Defaults to the job's GITHUB_TOKEN.",
      parse: (name, raw) => {
        if (raw && !GITHUB_TOKEN.test(raw)) {
          // Never quoted back: it is a secret.
          throw new InputError(
            `Input '${name}' is not a token (it holds a space, a control or a non-ASCII character): pass the token alone, e.g. \${{ github.token }}.`,
          );
        }
        return raw || undefined;
      },
    },
  },
} satisfies InputGroup;
