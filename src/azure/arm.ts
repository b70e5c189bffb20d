// What every resource manager call shares: the clients' type (built by arm-clients.ts, a chunk of
// its own), the error a failed call throws, and the paged listing of names.
import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import type { AuthorizationManagementClient } from '@azure/arm-authorization';
import { toAzureFailure, type AzureFailure } from './azure-errors.js';
import { ActionError } from '../reporting/errors.js';

export interface Arm {
  ml: AzureMachineLearningWorkspaces;
  authz: AuthorizationManagementClient;
}

/** A resource manager call that failed, with what Azure said. */
export class ArmError extends Error {
  readonly failure: AzureFailure;
  readonly what: string;
  constructor(what: string, failure: AzureFailure) {
    super(`${what}: ${failure.message}`);
    this.name = 'ArmError';
    this.what = what;
    this.failure = failure;
  }
}

/** The last segment of a resource id: the resource's own name (the whole string when it has no '/'). */
export function resourceName(id: string): string {
  return id.slice(id.lastIndexOf('/') + 1);
}

/** Runs one call and labels its failure ("read batch endpoint 'x'"), keeping Azure's answer. */
export async function armCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ArmError || err instanceof ActionError) throw err;
    throw new ArmError(what, toAzureFailure(err));
  }
}

/** Lists a paged resource's names (for "what exists" hints); undefined when listing fails. */
export async function listNames(pages: AsyncIterable<{ name?: string }>, limit = 20): Promise<string[] | undefined> {
  try {
    const names: string[] = [];
    for await (const item of pages) {
      if (item.name) names.push(item.name);
      if (names.length >= limit) break;
    }
    return names;
  } catch {
    return undefined;
  }
}
