// Private networks: which addresses are private, which failures are connection failures, when a
// hosted runner is stopped before scoring, and how a failed connection is explained.
import { describe, expect, it } from 'vitest';
import {
  connectionFailure,
  explainConnectionError,
  explainPrivateLinkDenial,
  hostedRunnerBlock,
  isPrivateAddress,
  isPrivateLinkDenial,
  type Privacy,
} from '../../../src/azure/network.js';

const privateEndpoint: Privacy = { resource: "online endpoint 'smoke'", isPrivate: true, reason: 'its publicNetworkAccess is Disabled' };
const publicEndpoint: Privacy = { ...privateEndpoint, isPrivate: false };
const host = 'smoke.eastus.inference.ml.azure.com';

describe('isPrivateAddress', () => {
  it.each(['10.0.0.4', '172.16.0.1', '172.31.255.255', '192.168.1.10', 'fd12:3456::1', 'fc00::1', '::ffff:10.1.2.3'])('%s is private', (ip) =>
    expect(isPrivateAddress(ip)).toBe(true),
  );
  it.each(['20.42.1.1', '172.32.0.1', '172.15.0.1', '127.0.0.1', '::1', '2603:1030::1', 'not-an-ip', '::ffff:8.8.8.8'])('%s is not', (ip) =>
    expect(isPrivateAddress(ip)).toBe(false),
  );
});

describe('connectionFailure', () => {
  it.each([
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['ETIMEDOUT', 'timeout'],
    ['AbortError', 'timeout'],
    ['ECONNRESET', 'reset'],
    ['REQUEST_SEND_ERROR', 'reset'],
    ['ECONNREFUSED', 'refused'],
    ['EHOSTUNREACH', 'refused'],
  ])('%s is a %s failure', (code, kind) => expect(connectionFailure(code)).toBe(kind));
  it('anything else is none', () => {
    expect(connectionFailure('ERR_TLS_CERT_ALTNAME_INVALID')).toBeUndefined();
    expect(connectionFailure(undefined)).toBeUndefined();
  });
});

describe('hostedRunnerBlock', () => {
  const hosted = { privacy: privateEndpoint, runnerEnvironment: 'github-hosted', host, addresses: ['20.42.1.1'] };

  it('stops a GitHub-hosted runner that resolves a private endpoint to a public address, naming the way out', () => {
    const e = hostedRunnerBlock(hosted)!;
    expect(e.kind).toBe('network');
    expect(e.message).toBe(
      `Run this job on a runner inside the virtual network of online endpoint 'smoke' (a self-hosted runner there): its publicNetworkAccess is Disabled, so it accepts only private traffic, and this GitHub-hosted runner resolves ${host} to 20.42.1.1, which is not a private address.`,
    );
    expect(e.details[0]).toContain('Azure private networking also reports RUNNER_ENVIRONMENT=github-hosted');
    expect(e.details[0]).toContain('privatelink.api.azureml.ms');
  });

  it('lets through a hosted runner with Azure private networking (the host resolves to a private address)', () => {
    expect(hostedRunnerBlock({ ...hosted, addresses: ['10.0.0.4'] })).toBeUndefined();
  });

  it('lets through self-hosted runners, public endpoints and hosts it could not resolve', () => {
    expect(hostedRunnerBlock({ ...hosted, runnerEnvironment: 'self-hosted' })).toBeUndefined();
    expect(hostedRunnerBlock({ ...hosted, runnerEnvironment: undefined })).toBeUndefined();
    expect(hostedRunnerBlock({ ...hosted, privacy: publicEndpoint })).toBeUndefined();
    expect(hostedRunnerBlock({ ...hosted, addresses: undefined })).toBeUndefined();
  });
});

describe('explainConnectionError', () => {
  it('a private resource: the runner must be in its network', () => {
    const e = explainConnectionError({ code: 'ENOTFOUND', what: 'the scoring URI', host, privacy: privateEndpoint });
    expect(e.headline).toBe(
      `Run this job on a runner inside the virtual network of online endpoint 'smoke' (a self-hosted runner there): the scoring URI ${host} could not be resolved (ENOTFOUND), and its publicNetworkAccess is Disabled, so it accepts only private traffic.`,
    );
    expect(e.details).toHaveLength(1);
  });

  it.each([
    ['ENOTFOUND', "Check the host name and this runner's DNS: the scoring URI h could not be resolved (ENOTFOUND)."],
    ['ETIMEDOUT', 'Re-run, and check the network path from this runner if it persists: the scoring URI h did not answer in time (ETIMEDOUT).'],
    ['ECONNRESET', 'Check the network path from this runner to h (proxy, firewall): the scoring URI h dropped the connection (ECONNRESET).'],
    ['ECONNREFUSED', 'Check the network path from this runner to h (proxy, firewall): the scoring URI h refused the connection (ECONNREFUSED).'],
  ])('a public resource, %s: what to check', (code, headline) => {
    expect(explainConnectionError({ code, what: 'the scoring URI', host: 'h', privacy: publicEndpoint }).headline).toBe(headline);
  });
});

describe('the private link denial', () => {
  const body = JSON.stringify({ error: { code: 'UserError', message: 'Access to workspace was denied based on workspace private link configuration.' } });
  it('is recognised and explained', () => {
    expect(isPrivateLinkDenial(body)).toBe(true);
    expect(isPrivateLinkDenial('{"error":{"code":"AuthorizationFailed"}}')).toBe(false);
    expect(explainPrivateLinkDenial({ what: 'its run history', resource: "workspace 'ws'" }).headline).toBe(
      "Run this job on a runner inside the virtual network of workspace 'ws' (a self-hosted runner there): its run history refused this runner because the workspace's private link configuration denies access from outside its virtual network.",
    );
  });
});
