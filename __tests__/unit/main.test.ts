import { describe, expect, it } from 'vitest';
import { isStorageAuthError } from '../../src/main.js';
import { truncateUtf8 } from '../../src/reporting/format.js';

describe('small helpers', () => {
  it('recognises storage authorization failures of batch jobs', () => {
    expect(isStorageAuthError('AuthorizationPermissionMismatch: This request is not authorized to perform this operation using this permission.')).toBe(true);
    expect(isStorageAuthError('ScriptExecution.StreamAccess.Authentication')).toBe(true);
    expect(isStorageAuthError('Datastore has no credentials, and workspace msi failed to authenticate storage account')).toBe(true);
    expect(isStorageAuthError('UserError: score.py raised ValueError')).toBe(false);
  });

  it('truncates UTF-8 without splitting a character', () => {
    expect(truncateUtf8('héllo', 2)).toBe('h');
    expect(truncateUtf8('héllo', 3)).toBe('hé');
    expect(truncateUtf8('abc', 10)).toBe('abc');
  });
});
