// Private networks: an online endpoint with publicNetworkAccess Disabled, or a workspace with it
// (whose batch endpoints and storage are then private too), answers only through the workspace's
// private endpoint (Microsoft Learn, "Network isolation with managed online endpoints" and
// "Configure a private endpoint"). A GitHub-hosted runner is outside every virtual network unless
// the organization uses Azure private networking for hosted runners: such a runner still reports
// RUNNER_ENVIRONMENT=github-hosted (GitHub docs), but it resolves the scoring host through the
// private DNS zone to a private address. So a hosted runner is stopped before scoring only when the
// resource is private and its host resolves to a public address.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Arm } from './arm.js';
import { armCall } from './arm.js';
import type { Log } from './http.js';
import type { Inputs } from '../inputs.js';
import { ActionError } from '../reporting/errors.js';

export interface Privacy {
  /** "online endpoint 'x'" or "batch endpoint 'x'". */
  resource: string;
  isPrivate: boolean;
  /** Why: "its publicNetworkAccess is Disabled" / "workspace 'w' has publicNetworkAccess Disabled". */
  reason: string;
}

/** Private addresses (RFC 1918, RFC 4193): what a private endpoint in a virtual network has. */
export function isPrivateAddress(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a, b] = ip.split('.').map(Number);
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  }
  if (isIP(ip) === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (mapped) return isPrivateAddress(mapped[1]);
    return /^f[cd][0-9a-f]{2}:/i.test(ip);
  }
  return false;
}

/** The kind of a connection failure (Node and undici codes), or undefined when it is none. */
export function connectionFailure(code: string | undefined): 'dns' | 'timeout' | 'reset' | 'refused' | undefined {
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns';
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'TimeoutError':
    case 'AbortError':
      return 'timeout';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'REQUEST_SEND_ERROR':
      return 'reset';
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'refused';
    default:
      return undefined;
  }
}

const FAILURE_WORDS = { dns: 'could not be resolved', timeout: 'did not answer in time', reset: 'dropped the connection', refused: 'refused the connection' };

const HOSTED_PRIVATE_NETWORKING =
  "A GitHub-hosted runner with Azure private networking also reports RUNNER_ENVIRONMENT=github-hosted: if this is one, link the private DNS zones of the workspace's private endpoint (privatelink.api.azureml.ms and privatelink.<region>.inference.ml.azure.com) to the runner's virtual network, so that the host resolves to the private endpoint's address; the action then goes on.";

function inNetwork(p: Pick<Privacy, 'resource'>): string {
  return `Run this job on a runner inside the virtual network of ${p.resource} (a self-hosted runner there)`;
}

/**
 * Before any scoring request: stop a GitHub-hosted runner that would reach a private resource over
 * the internet (its host resolves to no private address). Undefined: go on.
 */
export function hostedRunnerBlock(p: { privacy: Privacy; runnerEnvironment?: string; host: string; addresses?: string[] }): ActionError | undefined {
  if (!p.privacy.isPrivate || p.runnerEnvironment !== 'github-hosted') return undefined;
  // Unresolvable here (a proxy resolves it, say): the request itself will tell.
  if (!p.addresses?.length || p.addresses.some(isPrivateAddress)) return undefined;
  return new ActionError(
    'network',
    `${inNetwork(p.privacy)}: ${p.privacy.reason}, so it accepts only private traffic, and this GitHub-hosted runner resolves ${p.host} to ${p.addresses[0]}, which is not a private address.`,
    [HOSTED_PRIVATE_NETWORKING, `Or, if ${p.privacy.resource} may take public traffic, set its public network access to enabled.`],
  );
}

/** A request that got no answer (`code`) from `what` (a scoring URI, a storage account) at `host`, explained. */
export function explainConnectionError(p: { code?: string; what: string; host: string; privacy?: Privacy }): { headline: string; details: string[] } {
  const kind = connectionFailure(p.code) ?? 'reset';
  const failed = `${p.what} ${p.host} ${FAILURE_WORDS[kind]} (${p.code ?? 'no answer'})`;
  if (p.privacy?.isPrivate) {
    return {
      headline: `${inNetwork(p.privacy)}: ${failed}, and ${p.privacy.reason}, so it accepts only private traffic.`,
      details: [HOSTED_PRIVATE_NETWORKING],
    };
  }
  const step =
    kind === 'dns'
      ? `Check the host name and this runner's DNS`
      : kind === 'timeout'
        ? 'Re-run, and check the network path from this runner if it persists'
        : `Check the network path from this runner to ${p.host} (proxy, firewall)`;
  return { headline: `${step}: ${failed}.`, details: [] };
}

/** The answer a private workspace's data plane gives a caller outside its network (MicrosoftDocs/azure-docs#90426). */
export function isPrivateLinkDenial(body: string | undefined): boolean {
  return /denied based on workspace private link configuration/i.test(body ?? '');
}

/** That answer, explained: the request came from outside the workspace's virtual network. */
export function explainPrivateLinkDenial(p: { what: string; resource: string }): { headline: string; details: string[] } {
  return {
    headline: `${inNetwork(p)}: ${p.what} refused this runner because the workspace's private link configuration denies access from outside its virtual network.`,
    details: [HOSTED_PRIVATE_NETWORKING],
  };
}

/** The host of a URL (the text itself when it is none). */
export function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

export function onlinePrivacy(endpoint: string, publicNetworkAccess: string | undefined): Privacy {
  return { resource: `online endpoint '${endpoint}'`, isPrivate: /^disabled$/i.test(publicNetworkAccess ?? ''), reason: 'its publicNetworkAccess is Disabled' };
}

/** A batch endpoint has no flag of its own: it is private when its workspace is. */
export function batchPrivacy(endpoint: string, workspace: string, workspaceIsPrivate: boolean | undefined): Privacy {
  return {
    resource: `batch endpoint '${endpoint}'`,
    isPrivate: workspaceIsPrivate === true,
    reason: `workspace '${workspace}' has publicNetworkAccess Disabled, which makes its batch endpoints private`,
  };
}

/** Before any request to a private resource: stops a hosted runner outside its network (hostedRunnerBlock), or says what it requires. */
export async function checkPrivateAccess(p: { privacy: Privacy; scoringUri: string; runnerEnvironment?: string; log: Log }): Promise<void> {
  if (!p.privacy.isPrivate) return;
  const host = hostOf(p.scoringUri);
  const addresses = p.runnerEnvironment === 'github-hosted' ? await resolveHost(host) : undefined;
  const block = hostedRunnerBlock({ privacy: p.privacy, runnerEnvironment: p.runnerEnvironment, host, addresses });
  if (block) throw block;
  p.log.info(
    `${p.privacy.resource} accepts only private traffic (${p.privacy.reason}); ${addresses ? `${host} resolves to ${addresses.join(', ')} here` : 'this runner must be in its virtual network'}.`,
  );
}

/** The addresses a host resolves to here; undefined when it cannot be resolved. */
export async function resolveHost(host: string): Promise<string[] | undefined> {
  try {
    return (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return undefined;
  }
}

/**
 * Whether the workspace is private (publicNetworkAccess Disabled). Reading it needs
 * workspaces/read, which an online-only role may lack: then it is unknown (undefined).
 */
export async function workspacePrivate(arm: Arm, inputs: Pick<Inputs, 'resourceGroup' | 'workspace'>): Promise<boolean | undefined> {
  try {
    const ws = await armCall(`read workspace '${inputs.workspace}'`, () => arm.ml.workspaces.get(inputs.resourceGroup, inputs.workspace));
    return ws.publicNetworkAccess === 'Disabled';
  } catch {
    return undefined;
  }
}
