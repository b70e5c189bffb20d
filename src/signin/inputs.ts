// The sign-in inputs: who signs in, how, to which cloud and tenant, and the subscription.
import { Input } from '../constants.js';
import { InputError } from '../reporting/errors.js';
import { bad, matches, oneOf, optional, text, type InputGroup, type Read } from '../input-parsing.js';
import { CLOUDS, CLOUD_NAMES, type Cloud } from './clouds.js';

export type AuthType = 'oidc' | 'client-secret' | 'managed-identity' | 'azure-cli';

/** Who signs in and with what: the ids and the secret each auth type needs are there (parseSignIn checks them). */
export type Credentials =
  | { authType: 'oidc'; clientId: string; tenantId: string; clientSecret?: undefined }
  | { authType: 'client-secret'; clientId: string; tenantId: string; clientSecret: string }
  | { authType: 'managed-identity' | 'azure-cli'; clientId?: string; tenantId?: string; clientSecret?: undefined };

export type SignInInputs = Credentials & {
  subscriptionId: string;
  audience: string;
  cloud: Cloud;
  authorityHost: string;
  /** True when authority-host was given: the authority is not one of Microsoft's known hosts. */
  customAuthority: boolean;
  resourceManagerEndpoint: string;
};

const AUTH_TYPES: AuthType[] = ['oidc', 'client-secret', 'managed-identity', 'azure-cli'];
const GUID_BODY = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const GUID = new RegExp(`^${GUID_BODY}$`, 'i');
// Tenant: a GUID or a verified domain such as contoso.onmicrosoft.com.
// A federated credential's audience: any text of up to 600 characters (Microsoft Graph,
// federatedIdentityCredential), here without the spaces and control characters a paste brings.
const AUDIENCE = /^[^\s\p{Cc}]{1,600}$/u;
const TENANT = new RegExp(`^(?:${GUID_BODY}|[a-z0-9][a-z0-9-]*(?:\\.[a-z0-9-]+)+)$`, 'i');

function httpsUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return bad(name, raw, 'use an https:// URL.');
  }
  if (url.protocol !== 'https:') bad(name, raw, 'use an https:// URL: tokens are never sent over plain http.');
  if (url.search || url.hash) bad(name, raw, 'use a URL without query or fragment.');
  return url.toString().replace(/\/+$/, '');
}

export const SIGN_IN_INPUTS = {
  concern: 'signin',
  inputs: {
    clientId: {
      name: Input.clientId,
      env: 'AZURE_CLIENT_ID',
      description: 'Application (client) id of the service principal or managed identity. Defaults to the AZURE_CLIENT_ID environment variable.',
      parse: optional((name, raw) => matches(name, raw, GUID, 'use the application (client) id, a GUID such as 00000000-0000-0000-0000-000000000000.')),
    },
    tenantId: {
      name: Input.tenantId,
      env: 'AZURE_TENANT_ID',
      description: 'Microsoft Entra tenant (directory) id. Defaults to the AZURE_TENANT_ID environment variable.',
      parse: optional((name, raw) => matches(name, raw, TENANT, 'use the directory (tenant) id, a GUID, or a domain such as contoso.onmicrosoft.com.')),
    },
    subscriptionId: {
      name: Input.subscriptionId,
      env: 'AZURE_SUBSCRIPTION_ID',
      description: 'Subscription of the workspace. Defaults to the AZURE_SUBSCRIPTION_ID environment variable.',
      parse: (name, raw) => {
        if (!raw) bad(name, '', 'set the subscription id of the workspace, or the AZURE_SUBSCRIPTION_ID environment variable.');
        return matches(name, raw, GUID, 'use the subscription id, a GUID.');
      },
    },
    authType: {
      name: Input.authType,
      default: 'oidc',
      description:
        'How to sign in: oidc (GitHub OIDC federated credential; needs permissions: id-token: write), client-secret, managed-identity (self-hosted runner on Azure) or azure-cli (reuse an earlier azure/login step).',
      parse: (name, raw) => oneOf(name, raw, AUTH_TYPES),
    },
    clientSecret: {
      name: Input.clientSecret,
      secret: true,
      verbatim: true,
      description: 'Client secret, only with auth-type client-secret. Masked at once; prefer oidc.',
      parse: text,
    },
    audience: {
      name: Input.audience,
      default: 'api://AzureADTokenExchange',
      description: 'Audience requested for the GitHub OIDC token; must match the federated credential.',
      parse: (name, raw) =>
        matches(
          name,
          raw,
          AUDIENCE,
          "use the audience of the app's federated credential, e.g. api://AzureADTokenExchange: up to 600 characters, without spaces or control characters.",
        ),
    },
    cloud: {
      name: Input.cloud,
      default: 'AzureCloud',
      description: 'AzureCloud, AzureUSGovernment or AzureChinaCloud; selects the sign-in host, resource manager and token audiences.',
      parse: (name, raw) => CLOUDS[oneOf(name, raw, CLOUD_NAMES)],
    },
    authorityHost: {
      name: Input.authorityHost,
      description: "Override of the Microsoft Entra host (https only), e.g. for an air-gapped cloud. Defaults to the cloud's.",
      parse: optional(httpsUrl),
    },
    resourceManagerEndpoint: {
      name: Input.resourceManagerEndpoint,
      description: "Override of the resource manager URL (https only). Defaults to the cloud's.",
      parse: optional(httpsUrl),
    },
  },
} satisfies InputGroup;

const rows = SIGN_IN_INPUTS.inputs;

/** The ids and secret auth-type needs, each checked to be there. */
function parseCredentials(read: Read): Credentials {
  const authType = read(rows.authType);
  const clientId = read(rows.clientId);
  const tenantId = read(rows.tenantId);
  const clientSecret = read(rows.clientSecret);
  if (authType !== 'oidc' && authType !== 'client-secret') {
    if (clientSecret) throw secretWithout(authType);
    return { authType, clientId, tenantId };
  }
  if (!clientId)
    bad(Input.clientId, '', `auth-type '${authType}' needs the application (client) id; set '${Input.clientId}' or the AZURE_CLIENT_ID environment variable.`);
  if (!tenantId)
    bad(Input.tenantId, '', `auth-type '${authType}' needs the directory (tenant) id; set '${Input.tenantId}' or the AZURE_TENANT_ID environment variable.`);
  if (authType === 'oidc') {
    if (clientSecret) throw secretWithout(authType);
    return { authType, clientId, tenantId };
  }
  if (!clientSecret)
    bad(Input.clientSecret, '', "auth-type 'client-secret' needs it; pass it from a secret: client-secret: ${{ secrets.AZURE_CLIENT_SECRET }}.");
  return { authType, clientId, tenantId, clientSecret };
}

function secretWithout(authType: AuthType): InputError {
  return new InputError(`Input '${Input.clientSecret}' is set but auth-type is '${authType}': remove it, or set auth-type: client-secret.`);
}

/** Which credentials auth-type needs, and the cloud with its overrides. */
export function parseSignIn(read: Read): SignInInputs {
  const credentials = parseCredentials(read);
  const subscriptionId = read(rows.subscriptionId);
  const audience = read(rows.audience);
  const cloud = read(rows.cloud);
  const authorityOverride = read(rows.authorityHost);
  const armOverride = read(rows.resourceManagerEndpoint);
  return {
    ...credentials,
    subscriptionId,
    audience,
    cloud,
    authorityHost: authorityOverride ?? cloud.authorityHost,
    customAuthority: Boolean(authorityOverride),
    resourceManagerEndpoint: armOverride ?? cloud.resourceManager,
  };
}
