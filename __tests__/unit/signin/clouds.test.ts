import { describe, expect, it } from 'vitest';
import { CLOUDS } from '../../../src/signin/clouds.js';
import { planCredential } from '../../../src/signin/signin.js';

describe('clouds', () => {
  it.each([
    [
      'AzureCloud',
      'https://login.microsoftonline.com',
      'https://management.azure.com',
      'https://management.azure.com/.default',
      'https://ml.azure.com/.default',
    ],
    [
      'AzureUSGovernment',
      'https://login.microsoftonline.us',
      'https://management.usgovcloudapi.net',
      'https://management.usgovcloudapi.net/.default',
      'https://ml.azure.us/.default',
    ],
    [
      'AzureChinaCloud',
      'https://login.chinacloudapi.cn',
      'https://management.chinacloudapi.cn',
      'https://management.chinacloudapi.cn/.default',
      'https://ml.azure.cn/.default',
    ],
  ] as const)('%s', (name, authority, arm, armScope, mlScope) => {
    expect(CLOUDS[name]).toMatchObject({ name, authorityHost: authority, resourceManager: arm, armScope, mlScope });
  });
});

describe('credential selection', () => {
  const ids = { tenantId: 't', clientId: 'c' };
  it.each([
    ['oidc', ids, { kind: 'ClientAssertionCredential', tenantId: 't', clientId: 'c' }],
    ['client-secret', ids, { kind: 'ClientSecretCredential', tenantId: 't', clientId: 'c' }],
    ['managed-identity', ids, { kind: 'ManagedIdentityCredential', clientId: 'c' }],
    ['managed-identity', {}, { kind: 'ManagedIdentityCredential' }],
    ['azure-cli', ids, { kind: 'AzureCliCredential', tenantId: 't' }],
    ['azure-cli', {}, { kind: 'AzureCliCredential' }],
  ] as const)('%s %j', (authType, given, plan) => {
    expect(planCredential({ authType, ...given })).toEqual(plan);
  });
});
