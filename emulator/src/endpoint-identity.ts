// Why Azure cannot start an online deployment: the container runs as its endpoint's identity, which
// pulls the image from the workspace's container registry, mounts the model and code from its
// storage account and, for secret injection, reads the workspace's connection secrets (Microsoft
// Learn, "Troubleshoot online endpoint deployment and scoring": BadArgument "Unable to download user
// container image" / "Unable to download user model", SecretsInjectionError). The checks are Azure's
// RBAC evaluation (rbac.ts) over the identity's own assignments; the messages are the guide's reason
// titles (the service's exact wording is not published).
import { isAuthorized, isDataAuthorized, type Assignment } from './rbac.js';

/** AcrPull's one action (Microsoft Learn, built-in roles for Containers). */
const PULL = 'Microsoft.ContainerRegistry/registries/pull/read';
/** Storage Blob Data Reader's data action (built-in roles for Storage). */
const BLOB_READ = 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read';
/** Azure Machine Learning Workspace Connection Secrets Reader's first action. */
const LIST_SECRETS = 'Microsoft.MachineLearningServices/workspaces/connections/listsecrets/action';
/** An environment variable the deployment fills from a workspace connection (secret injection). */
const CONNECTION_REFERENCE = /\$\{\{\s*azureml:\/\/connections\/([^/}\s]+)/i;

/**
 * The error of the deployment's create operation when no principal of the identity may do one of
 * the three; undefined when the container can start.
 */
export function startupFailure(
  assignments: Assignment[],
  principals: { principalId: string }[],
  scopes: { registry: string; storage: string; workspace: string },
  environment: Record<string, string>,
): { code: string; message: string } | undefined {
  const some = (allowed: (principal: string) => boolean) => principals.some((p) => allowed(p.principalId));
  if (!some((p) => isAuthorized(assignments, p, PULL, scopes.registry))) return { code: 'BadArgument', message: 'Unable to download user container image' };
  if (!some((p) => isDataAuthorized(assignments, p, BLOB_READ, scopes.storage))) return { code: 'BadArgument', message: 'Unable to download user model' };
  const connection = Object.values(environment)
    .map((v) => CONNECTION_REFERENCE.exec(v)?.[1])
    .find(Boolean);
  if (connection && !some((p) => isAuthorized(assignments, p, LIST_SECRETS, scopes.workspace))) {
    return {
      code: 'SecretsInjectionError',
      message: `The endpoint identity does not have permission to read the secrets of workspace connection '${connection}'.`,
    };
  }
  return undefined;
}
