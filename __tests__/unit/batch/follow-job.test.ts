import { describe, expect, it } from 'vitest';
import { isStorageAuthError } from '../../../src/batch/follow-job.js';

describe('isStorageAuthError', () => {
  it('recognises storage authorization failures of batch jobs', () => {
    expect(isStorageAuthError('AuthorizationPermissionMismatch: This request is not authorized to perform this operation using this permission.')).toBe(true);
    expect(isStorageAuthError('ScriptExecution.StreamAccess.Authentication')).toBe(true);
    expect(isStorageAuthError('Datastore has no credentials, and workspace msi failed to authenticate storage account')).toBe(true);
    expect(isStorageAuthError('UserError: score.py raised ValueError')).toBe(false);
  });
});
