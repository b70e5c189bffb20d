import { describe, expect, it } from 'vitest';
import { CLOUDS } from '../../../src/signin/clouds.js';
import { planCredential, type CredentialPlan } from '../../../src/signin/signin.js';
import type { Credentials } from '../../../src/signin/inputs.js';

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
  it.each<[Credentials, CredentialPlan]>([
    [
      { authType: 'oidc', ...ids },
      { kind: 'ClientAssertionCredential', tenantId: 't', clientId: 'c' },
    ],
    [
      { authType: 'client-secret', ...ids, clientSecret: 's' },
      { kind: 'ClientSecretCredential', tenantId: 't', clientId: 'c', clientSecret: 's' },
    ],
    [
      { authType: 'managed-identity', ...ids },
      { kind: 'ManagedIdentityCredential', clientId: 'c' },
    ],
    [{ authType: 'managed-identity' }, { kind: 'ManagedIdentityCredential' }],
    [
      { authType: 'azure-cli', ...ids },
      { kind: 'AzureCliCredential', tenantId: 't' },
    ],
    [{ authType: 'azure-cli' }, { kind: 'AzureCliCredential' }],
  ])('%j', (given, plan) => {
    expect(planCredential(given)).toEqual(plan);
  });
});
