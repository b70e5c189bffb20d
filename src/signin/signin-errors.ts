// Turns a Microsoft Entra sign-in failure into what the user must do. Pure: the message of the
// error @azure/identity threw, plus the claims of the OIDC token that was presented.
import { claim, type Claims } from './jwt.js';
import { ActionError } from '../reporting/errors.js';
import type { AuthType } from './inputs.js';

export interface SignInContext {
  authType: AuthType;
  clientId?: string;
  tenantId?: string;
  audience: string;
  cloud: string;
  /** Claims of the last GitHub OIDC token sent as the client assertion. */
  assertion?: Claims;
}

/** The Azure Machine Learning first-party app that Conditional Access policies target. */
export const AZURE_ML_APP_ID = '0736f41a-0425-4b46-bdb5-1563eff02385';

const SUBJECT_FORMS = [
  'The subject GitHub puts in the token depends on what started the run:',
  '  a branch        repo:OWNER/REPO:ref:refs/heads/BRANCH',
  "  an environment  repo:OWNER/REPO:environment:NAME   (any job with 'environment:')",
  '  a pull request  repo:OWNER/REPO:pull_request',
  '  a tag           repo:OWNER/REPO:ref:refs/tags/TAG',
  'Register one federated credential per subject you use; an organization may also customise the subject template.',
];

/** The AADSTS code of an Entra error message, e.g. 700213. */
export function aadstsCode(message: string): number | undefined {
  const m = /AADSTS(\d{5,8})/.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** Entra's own sentence, without the Trace ID / Correlation ID / Timestamp trailer. */
export function entraSentence(message: string): string | undefined {
  const m = /AADSTS\d+:\s*([\s\S]*?)(?:\s*(?:\\r\\n|\r?\n|\s)Trace ID:|$)/.exec(message);
  return m?.[1]?.replace(/\s+/g, ' ').trim();
}

/** A federated credential name Entra accepts (3-120 of letters, digits, '-' and '_'). */
export function credentialName(subject: string): string {
  const slug = subject
    .replace(/^repo:/, '')
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return `github-${slug}`.slice(0, 120);
}

export function federatedCredentialCommand(clientId: string, iss: string, sub: string, aud: string): string {
  const parameters = JSON.stringify({ name: credentialName(sub), issuer: iss, subject: sub, audiences: [aud] });
  return `az ad app federated-credential create --id ${clientId} --parameters '${parameters}'`;
}

function presented(ctx: SignInContext): { iss: string; sub: string; aud: string; lines: string[] } {
  const iss = claim(ctx.assertion, 'iss') ?? 'https://token.actions.githubusercontent.com';
  const sub = claim(ctx.assertion, 'sub') ?? '(unknown: the token could not be decoded)';
  const aud = claim(ctx.assertion, 'aud') ?? ctx.audience;
  return {
    iss,
    sub,
    aud,
    lines: ['The token this run presented:', `  issuer:   ${iss}`, `  subject:  ${sub}`, `  audience: ${aud}`],
  };
}

function federationError(code: number, ctx: SignInContext, said: string | undefined): ActionError {
  const p = presented(ctx);
  const app = ctx.clientId ?? '<client-id>';
  const first: Record<number, string> = {
    700213: `Register a federated credential for subject '${p.sub}' on app ${app}: Microsoft Entra has none matching this run (AADSTS700213).`,
    7002138: `Fix the letter case of the federated credential's subject on app ${app}: it must be exactly '${p.sub}' (AADSTS7002138).`,
    700212: `Fix the audience: no federated credential on app ${app} accepts audience '${p.aud}' (AADSTS700212); set the 'audience' input to the credential's audience, or add '${p.aud}' to it.`,
    700211: `Fix the issuer: no federated credential on app ${app} trusts issuer '${p.iss}' (AADSTS700211).`,
    70021: `Register a federated credential matching this run on app ${app}: Microsoft Entra found none for subject '${p.sub}' (AADSTS70021).`,
  };
  const details = [
    ...p.lines,
    '',
    'A federated credential that matches it:',
    `  ${federatedCredentialCommand(app, p.iss, p.sub, p.aud)}`,
    '',
    ...SUBJECT_FORMS,
  ];
  if (said) details.push('', `Microsoft Entra said: ${said}`);
  return new ActionError('signin', first[code] ?? first[70021], details);
}

/** The failure to report for an error thrown while getting a token. */
export function translateSignInError(message: string, ctx: SignInContext): ActionError {
  const code = aadstsCode(message);
  const said = entraSentence(message);
  const saidLine = said ? [`Microsoft Entra said: ${said}`] : [];
  const app = ctx.clientId ?? '<client-id>';
  const tenant = ctx.tenantId ?? '<tenant-id>';
  switch (code) {
    case 700213:
    case 7002138:
    case 700212:
    case 700211:
    case 70021:
      return federationError(code, ctx, said);
    case 700016:
      return new ActionError('signin', `Check 'client-id' and 'tenant-id': application ${app} was not found in tenant ${tenant} (AADSTS700016).`, [
        "Use the app registration's Application (client) ID, not its object id or a secret id.",
        `See whether it exists: az ad sp show --id ${app}`,
        "If the app lives in another tenant, set 'tenant-id' to that tenant's id.",
        ...saidLine,
      ]);
    case 700024:
      return new ActionError('signin', 'Re-run the job: the OIDC token presented was outside its valid time (AADSTS700024).', [
        'GitHub OIDC tokens live about 5 minutes and this action fetches a new one for every sign-in, so a persisting error means the runner clock is wrong (self-hosted runners: sync the clock with NTP).',
        ...saidLine,
      ]);
    case 7000215:
      return new ActionError('signin', `Update 'client-secret': Microsoft Entra rejected it for application ${app} (AADSTS7000215).`, [
        "Pass the secret's Value, not its Secret ID; secrets also expire.",
        `Create a new one: az ad app credential reset --id ${app} --append`,
        'Better: use auth-type: oidc with a federated credential, and no stored secret at all.',
        ...saidLine,
      ]);
    case 53003:
      return new ActionError(
        'signin',
        `Ask a tenant administrator to exempt service principal ${app} from the Conditional Access policy that blocks its sign-in to Azure Machine Learning (AADSTS53003).`,
        [
          `Conditional Access policies can target the 'Azure Machine Learning' app (${AZURE_ML_APP_ID}); workload identities are covered only by policies that name them.`,
          'In the Entra admin center: Protection > Conditional Access > the policy > Assignments: exclude this service principal, or allow its location.',
          ...saidLine,
        ],
      );
    case 90002:
      return new ActionError('signin', `Check 'tenant-id' and 'cloud': tenant ${tenant} was not found in ${ctx.cloud} (AADSTS90002).`, saidLine);
    case 500011:
      return new ActionError('signin', `Check 'cloud': tenant ${tenant} does not know the resource this action asked a token for (AADSTS500011).`, saidLine);
    case 700027:
      return new ActionError(
        'signin',
        `Check 'audience' and the federated credential's issuer: Microsoft Entra could not validate the OIDC token's signature (AADSTS700027).`,
        saidLine,
      );
  }
  if (/endpoints_resolution_error|Endpoints cannot be resolved/i.test(message)) {
    // MSAL reads the tenant's metadata first; an unknown tenant (AADSTS90002) surfaces only as this.
    return new ActionError(
      'signin',
      `Check 'tenant-id' and 'cloud': Microsoft Entra has no sign-in metadata for tenant ${tenant} in ${ctx.cloud} (unknown tenant, or the wrong cloud or authority-host).`,
      saidLine,
    );
  }
  if (/ManagedIdentityCredential/i.test(message)) {
    return new ActionError('signin', 'Use auth-type: managed-identity only on a runner hosted in Azure with a managed identity; none answered here.', [
      "For a user-assigned identity set 'client-id' to its client id.",
      `Sign-in said: ${firstLine(message)}`,
    ]);
  }
  if (/AzureCliCredential|az login|Azure CLI/i.test(message)) {
    return new ActionError('signin', "Sign in with 'az login' or the azure/login action in an earlier step, or use auth-type: oidc.", [
      `Azure CLI said: ${firstLine(message)}`,
    ]);
  }
  return new ActionError(
    'signin',
    `Sign-in to Microsoft Entra failed: ${said ?? firstLine(message)}`,
    code ? [`Look up AADSTS${code}: https://login.microsoftonline.com/error?code=${code}`] : [],
  );
}

function firstLine(message: string): string {
  return (message.split(/\r?\n/).find((l) => l.trim()) ?? message).trim().slice(0, 500);
}
