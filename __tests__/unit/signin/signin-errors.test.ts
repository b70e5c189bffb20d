import { describe, expect, it } from 'vitest';
import { aadstsCode, credentialName, entraSentence, federatedCredentialCommand, translateSignInError } from '../../../src/signin/signin-errors.js';
import { decodeClaims, describeAccessToken } from '../../../src/signin/jwt.js';

const assertion = { iss: 'https://token.actions.githubusercontent.com', sub: 'repo:contoso/scoring:environment:prod', aud: 'api://AzureADTokenExchange' };
const ctx = { authType: 'oidc' as const, clientId: 'cid', tenantId: 'tid', audience: 'api://AzureADTokenExchange', cloud: 'AzureCloud', assertion };

describe('sign-in failures', () => {
  const entra = (code: number, text: string) =>
    `ClientAssertionCredential authentication failed. AADSTS${code}: ${text}\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 2026-01-01 00:00:00Z`;

  it('reads the AADSTS code and Entra sentence', () => {
    const m = entra(700213, "No matching federated identity record found for presented assertion subject 'x'.");
    expect(aadstsCode(m)).toBe(700213);
    expect(entraSentence(m)).toBe("No matching federated identity record found for presented assertion subject 'x'.");
  });

  it.each([
    [700213, /^Register a federated credential for subject 'repo:contoso\/scoring:environment:prod' on app cid/],
    [7002138, /^Fix the letter case of the federated credential's subject on app cid: it must be exactly 'repo:contoso\/scoring:environment:prod'/],
    [700212, /^Fix the audience: no federated credential on app cid accepts audience 'api:\/\/AzureADTokenExchange'/],
    [700211, /^Fix the issuer: no federated credential on app cid trusts issuer 'https:\/\/token.actions.githubusercontent.com'/],
    [70021, /^Register a federated credential matching this run on app cid/],
  ])('AADSTS%i prints the presented claims and the credential to create', (code, first) => {
    const err = translateSignInError(entra(code, 'No matching federated identity record found.'), ctx);
    expect(err.message).toMatch(first);
    const details = err.details.join('\n');
    expect(details).toContain('  subject:  repo:contoso/scoring:environment:prod');
    expect(details).toContain('  issuer:   https://token.actions.githubusercontent.com');
    expect(details).toContain('  audience: api://AzureADTokenExchange');
    expect(details).toContain(federatedCredentialCommand('cid', assertion.iss, assertion.sub, assertion.aud));
    expect(details).toContain('repo:OWNER/REPO:pull_request');
  });

  it.each([
    [700016, /^Check 'client-id' and 'tenant-id': application cid was not found in tenant tid/],
    [700024, /^Re-run the job: the OIDC token presented was outside its valid time/],
    [7000215, /^Update 'client-secret'/],
    [53003, /^Ask a tenant administrator to exempt service principal cid from the Conditional Access policy/],
    [90002, /^Check 'tenant-id' and 'cloud': tenant tid was not found in AzureCloud/],
  ])('AADSTS%i gets its own remedy', (code, first) => {
    expect(translateSignInError(entra(code, 'x'), ctx).message).toMatch(first);
  });

  it('names the Azure Machine Learning app for Conditional Access', () => {
    expect(translateSignInError(entra(53003, 'blocked'), ctx).details.join(' ')).toContain('0736f41a-0425-4b46-bdb5-1563eff02385');
  });

  it('makes valid federated credential names', () => {
    expect(credentialName('repo:contoso/scoring:ref:refs/heads/main')).toBe('github-contoso-scoring-ref-refs-heads-main');
    expect(credentialName(`repo:${'x'.repeat(300)}`).length).toBe(120);
  });
});

describe('jwt claims', () => {
  it('decodes without verifying and describes safely', () => {
    const token = `e30.${Buffer.from(JSON.stringify({ aud: 'https://ml.azure.com', oid: 'o', appid: 'a', tid: 't', exp: 0 })).toString('base64url')}.sig`;
    expect(decodeClaims(token)).toMatchObject({ aud: 'https://ml.azure.com' });
    expect(describeAccessToken(decodeClaims(token))).toBe('aud=https://ml.azure.com oid=o appid=a tid=t exp=1970-01-01T00:00:00.000Z');
    expect(decodeClaims('not-a-jwt')).toBeUndefined();
  });
});
