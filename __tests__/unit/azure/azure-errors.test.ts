import { describe, expect, it } from 'vitest';
import { parseDenial, parseErrorBody, toAzureFailure } from '../../../src/azure/azure-errors.js';

describe('resource manager denials', () => {
  it('reads AuthorizationFailed (protocol.md wording)', () => {
    const msg =
      "The client 'aaaa' with object id 'bbbb' does not have authorization to perform action 'Microsoft.MachineLearningServices/workspaces/batchEndpoints/read' over scope '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/batchEndpoints/ep' or the scope is invalid. If access was recently granted, please refresh your credentials.";
    expect(parseDenial(msg)).toEqual({
      clientId: 'aaaa',
      objectId: 'bbbb',
      action: 'Microsoft.MachineLearningServices/workspaces/batchEndpoints/read',
      scope: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/batchEndpoints/ep',
      linked: false,
    });
  });

  it('reads LinkedAuthorizationFailed', () => {
    const msg =
      "The client 'aaaa' with object id 'bbbb' has permission to perform action 'Microsoft.Compute/disks/write' on scope '/subscriptions/s/disk'; however, it does not have permission to perform action 'Microsoft.Network/read' on the linked scope(s) '/subscriptions/s/net' or the linked scope(s) are invalid.";
    expect(parseDenial(msg)).toMatchObject({ action: 'Microsoft.Network/read', scope: '/subscriptions/s/net', linked: true });
  });

  it('ignores other messages', () => {
    expect(parseDenial('Not found')).toBeUndefined();
  });

  it('reads JSON and plain-text bodies', () => {
    expect(parseErrorBody('{"error":{"code":"UserError","message":"bad input"}}')).toEqual({ code: 'UserError', message: 'bad input' });
    expect(parseErrorBody('key_auth_access_denied')).toEqual({ message: 'key_auth_access_denied' });
    expect(parseErrorBody('{"message":"upstream timed out"}')).toEqual({ code: undefined, message: 'upstream timed out' });
    expect(parseErrorBody('')).toEqual({});
  });

  it('normalizes RestError-like errors', () => {
    expect(toAzureFailure({ statusCode: 404, code: 'ResourceNotFound', message: 'gone' })).toEqual({ status: 404, code: 'ResourceNotFound', message: 'gone' });
    expect(toAzureFailure({ code: 'ECONNRESET', message: 'socket hang up' })).toEqual({ status: undefined, code: 'ECONNRESET', message: 'socket hang up' });
  });
});
