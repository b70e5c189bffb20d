// What a refusal from Azure Storage means and how to fix it: a missing data role (named like any
// missing permission, with the role and the az command), the account's firewall, key access
// turned off, an expired SAS or a rotated key, a container that is not there.
import type { Principal } from '../permissions/permissions.js';
import { permissionError, type ReportContext } from '../permissions/permissions.js';
import { storageRequirements } from '../permissions/catalog.js';
import { ActionError, describeThrown } from '../reporting/errors.js';
import type { Datastore } from './datastore.js';

interface StorageFailure {
  status?: number;
  code?: string;
  /** AuthenticationErrorDetail, when Azure gave one. */
  detail?: string;
  message: string;
}

/** The status, x-ms-error-code and detail of a @azure/storage-blob RestError (or anything else thrown). */
export function storageFailure(err: unknown): StorageFailure {
  const e = err as {
    statusCode?: number;
    code?: string;
    details?: { errorCode?: string; AuthenticationErrorDetail?: string; authenticationErrorDetail?: string };
    message?: string;
  };
  const code = e.details?.errorCode ?? (typeof e.code === 'string' && /^[A-Z]/.test(e.code) ? e.code : undefined);
  return {
    status: e.statusCode,
    code,
    detail: e.details?.AuthenticationErrorDetail ?? e.details?.authenticationErrorDetail,
    message: (describeThrown(err).split('\n')[0] ?? '').replace(/\s*RequestId:.*$/s, ''),
  };
}

export function explainStorage(
  err: unknown,
  p: { datastore: Datastore; what: 'upload' | 'download'; principal: Principal; ctx: ReportContext; sasExpiresOn?: number; now?: number },
): unknown {
  if (err instanceof ActionError) return err;
  const f = storageFailure(err);
  const ds = p.datastore;
  const where = `storage account '${ds.account}' (datastore '${ds.name}', container '${ds.container}')`;
  const said = `Azure Storage said: ${f.status ? `HTTP ${f.status} ` : ''}${f.code ?? ''}${f.detail ? ` (${f.detail})` : ''}`.trim();
  switch (f.code) {
    case 'AuthorizationPermissionMismatch':
      return permissionError(
        {
          principal: p.principal,
          missing: storageRequirements(ds.accountId, p.what),
          source: 'denied',
          note: `Datastore '${ds.name}' is identity-based: the ${p.what} used this identity's own token, and ${where} refused it for want of a data role (AuthorizationPermissionMismatch).`,
        },
        p.ctx,
      );
    case 'AuthorizationFailure':
      return new ActionError('permission', `Let this runner through the firewall of ${where}: it refused the ${p.what} (AuthorizationFailure).`, [
        "The account's network rules ('Firewalls and virtual networks') allow only some networks, and a GitHub-hosted runner's address is not among them (it changes from run to run).",
        "Fix one of: run this step on a self-hosted runner inside an allowed virtual network; add the runner's public IP range to the account's network rules; or allow public network access to the account.",
        said,
      ]);
    case 'KeyBasedAuthenticationNotPermitted':
      return new ActionError(
        'permission',
        `Make datastore '${ds.name}' identity-based: ${where} does not allow key access, and the datastore holds ${ds.credentialsType === 'Sas' ? 'a SAS made with a key' : 'an account key'}.`,
        [`Re-create the datastore without credentials and grant this identity 'Storage Blob Data Contributor' on ${ds.accountId}.`, said],
      );
    case 'AuthenticationFailed':
      // A HEAD's refusal has no body, so no detail: the SAS's own expiry (se) tells too.
      if (
        /not valid in the specified time frame|expir/i.test(`${f.detail ?? ''} ${f.message}`) ||
        (p.sasExpiresOn !== undefined && p.sasExpiresOn <= (p.now ?? Date.now()))
      ) {
        return new ActionError('permission', `Renew the SAS token of datastore '${ds.name}': ${where} refused it as expired or not yet valid.`, [
          'Update the datastore with a new SAS (az ml datastore update), or make it identity-based.',
          said,
        ]);
      }
      return new ActionError(
        'permission',
        `Update the credentials of datastore '${ds.name}': ${where} rejected its ${ds.credentialsType === 'Sas' ? 'SAS' : 'account key'} (it may have been rotated).`,
        [said],
      );
    case 'ContainerNotFound':
      return new ActionError('not-found', `Fix datastore '${ds.name}': its container '${ds.container}' does not exist in storage account '${ds.account}'.`, [
        said,
      ]);
    case 'InvalidAuthenticationInfo':
      return new ActionError('signin', `Re-run the job: ${where} rejected the sign-in token for Azure Storage.`, [said]);
    default:
      return new ActionError('azure', `The ${p.what} failed at ${where}: ${f.message}`, f.code ? [said] : []);
  }
}
