// The permissions check's input: whether the identity's permissions are checked before invoking.
import { Input } from '../constants.js';
import { oneOf, type InputGroup } from '../input-parsing.js';

export type CheckPermissions = 'true' | 'false' | 'warn' | 'only';

const CHECK_VALUES: CheckPermissions[] = ['true', 'false', 'warn', 'only'];

export const PERMISSION_INPUTS = {
  concern: 'permissions',
  inputs: {
    checkPermissions: {
      name: Input.checkPermissions,
      default: 'true',
      description:
        'true: fail before invoking when a required permission is missing; warn: report and go on; false: skip; only: check and report, invoke nothing (a setup check).',
      parse: (name, raw) => oneOf(name, raw, CHECK_VALUES),
    },
  },
} satisfies InputGroup;
