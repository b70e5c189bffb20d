// The pre-flight check of data access, before a job is created: the signed-in identity's data
// actions on every storage account it reaches with its own token (identity-based datastores),
// and the compute cluster's managed identity, which mounts identity-based inputs and needs at least
// Storage Blob Data Reader on their account (Microsoft Learn, "Authorization on batch endpoints",
// configure compute clusters for data access).
import type { Arm } from '../azure/arm.js';
import { armCall, resourceName } from '../azure/arm.js';
import type { Inputs } from '../inputs.js';
import { ActionError, describeThrown } from '../reporting/errors.js';
import type { Datastore } from '../storage/datastore.js';
import { storageRequirements, STORAGE_DATA, type Requirement } from './catalog.js';
import { assignRoleCommand, findMissing, PROPAGATION, readAccountPermissions } from './permissions.js';
import { isDataActionAllowed } from './rbac.js';
import { rolesAt, type DefinitionCache } from './assignments.js';

export interface StorageUse {
  datastore: Datastore;
  what: 'upload' | 'download';
}

/**
 * The data actions the identity lacks on the accounts of identity-based datastores it will move
 * data through; accounts whose permissions cannot be read are returned apart.
 */
export async function missingStorageActions(arm: Arm, uses: StorageUse[]): Promise<{ missing: Requirement[]; unreadable: { account: string; why: string }[] }> {
  const missing: Requirement[] = [];
  const unreadable: { account: string; why: string }[] = [];
  const byAccount = new Map<string, Requirement[]>();
  for (const u of uses.filter((x) => x.datastore.credentialsType === 'None')) {
    const list = byAccount.get(u.datastore.accountId) ?? [];
    for (const r of storageRequirements(u.datastore.accountId, u.what)) if (!list.some((x) => x.action === r.action)) list.push(r);
    byAccount.set(u.datastore.accountId, list);
  }
  for (const [account, required] of byAccount) {
    try {
      missing.push(...findMissing(await readAccountPermissions(arm.authz, account), required));
    } catch (err) {
      unreadable.push({ account, why: describeThrown(err) });
    }
  }
  return { missing, unreadable };
}

export type ComputeFinding = { kind: 'ok' } | { kind: 'notice'; message: string } | { kind: 'problem'; error: ActionError };

/**
 * Whether the cluster can mount data on these accounts: it needs a managed identity, and that
 * identity a role with blob read on each. Role assignments that cannot be read give a notice only.
 */
export async function checkComputeAccess(
  arm: Arm,
  inputs: Pick<Inputs, 'resourceGroup' | 'workspace'>,
  computeId: string,
  accounts: string[],
): Promise<ComputeFinding> {
  const cluster = resourceName(computeId);
  const compute = await armCall(`read compute '${cluster}'`, () => arm.ml.computeOperations.get(inputs.resourceGroup, inputs.workspace, cluster));
  const identity = compute.identity;
  const principals = [identity?.principalId, ...Object.values(identity?.userAssignedIdentities ?? {}).map((u) => u.principalId)].filter((p): p is string =>
    Boolean(p),
  );
  const fixRole = (objectId: string, account: string) => assignRoleCommand({ objectId }, STORAGE_DATA.readerRole, account);
  if (!identity || /^none$/i.test(identity.type) || principals.length === 0) {
    return {
      kind: 'problem',
      error: new ActionError(
        'permission',
        `Give compute cluster '${cluster}' a managed identity: it mounts the job's identity-based input with it, and it has none.`,
        [
          `  az ml compute update --name ${cluster} --identity-type SystemAssigned --resource-group ${inputs.resourceGroup} --workspace-name ${inputs.workspace}`,
          `Then grant that identity '${STORAGE_DATA.readerRole}' on ${accounts.join(' and ')}:`,
          ...accounts.map((a) => `  ${fixRole('<principal id of the cluster identity>', a)}`),
        ],
      ),
    };
  }
  const lacking: string[] = [];
  const definitions: DefinitionCache = new Map();
  for (const account of accounts) {
    let granted = false;
    try {
      for (const principal of principals) {
        if ((await rolesAt(arm.authz, principal, account, definitions)).some((r) => isDataActionAllowed(r.permissions, STORAGE_DATA.read))) granted = true;
      }
    } catch (err) {
      return {
        kind: 'notice',
        message: `Could not read the role assignments of compute cluster '${cluster}' on ${account} (${describeThrown(err).split('\n')[0]}); it needs at least '${STORAGE_DATA.readerRole}' there to mount the input.`,
      };
    }
    if (!granted) lacking.push(account);
  }
  if (lacking.length === 0) return { kind: 'ok' };
  return {
    kind: 'problem',
    error: new ActionError(
      'permission',
      `Grant compute cluster '${cluster}' (object id ${principals[0]}) '${STORAGE_DATA.readerRole}' on ${lacking.map((a) => `storage account '${resourceName(a)}'`).join(' and ')}: it mounts the job's identity-based input and cannot read it.`,
      [...lacking.map((a) => `  ${fixRole(principals[0], a)}`), '', PROPAGATION],
    ),
  };
}

export interface StoragePreflight {
  arm: Arm;
  inputs: Pick<Inputs, 'resourceGroup' | 'workspace' | 'checkPermissions'>;
  /** Where this identity moves data with its own token. */
  uses: StorageUse[];
  /** Accounts of identity-based datastores the job's inputs are on (the cluster mounts them). */
  mountAccounts: string[];
  /** The deployment the job runs on; its compute (a resource id) is optional in the spec. */
  deployment?: { name: string; compute?: string };
  log: { warning(message: string): void; info(message: string): void };
  notice: (message: string) => void;
}

/** The storage side of the pre-flight check: returns the missing data actions; a cluster that cannot mount the input fails (warns, with check-permissions: warn). */
export async function storagePreflight(p: StoragePreflight): Promise<Requirement[]> {
  const { missing, unreadable } = await missingStorageActions(p.arm, p.uses);
  for (const u of unreadable) {
    p.log.warning(
      `Could not read this identity's permissions on ${u.account} (${u.why.split('\n')[0]}); Azure Storage's own answer will name anything missing.`,
    );
  }
  if (p.mountAccounts.length && p.deployment) {
    const finding = await clusterFinding(p, p.deployment);
    if (finding.kind === 'notice') p.notice(finding.message);
    if (finding.kind === 'problem') {
      if (p.inputs.checkPermissions !== 'warn') throw finding.error;
      p.log.warning([finding.error.message, '', ...finding.error.details].join('\n'));
    }
  }
  return missing;
}

/** The cluster's access to the input's accounts; a deployment that names no cluster (the spec lets it) cannot be checked, and says so. */
async function clusterFinding(p: StoragePreflight, deployment: { name: string; compute?: string }): Promise<ComputeFinding> {
  const accounts = p.mountAccounts.map((a) => `storage account '${resourceName(a)}'`).join(' and ');
  if (!deployment.compute) {
    return {
      kind: 'notice',
      message: `Not checking whether the compute cluster can read ${accounts}: deployment '${deployment.name}' names no compute cluster (properties.compute), so the action cannot tell which identity mounts the input.`,
    };
  }
  const finding = await checkComputeAccess(p.arm, p.inputs, deployment.compute, p.mountAccounts);
  if (finding.kind === 'ok') p.log.info(`Compute cluster '${resourceName(deployment.compute)}' can read the input's storage account.`);
  return finding;
}
