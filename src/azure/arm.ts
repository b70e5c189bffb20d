// The resource manager clients (Azure Machine Learning and Authorization), pointed at the cloud's
// or the overridden endpoint, requesting the cloud's audience, retrying through the shared policy.
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { formDataPolicyName, type Pipeline } from '@azure/core-rest-pipeline';
import { USER_AGENT, type Http } from './http.js';
import type { Inputs } from '../inputs.js';
import type { Session } from '../signin/signin.js';
import { toAzureFailure, type AzureFailure } from './azure-errors.js';
import { ActionError } from '../reporting/errors.js';

export interface Arm {
  ml: AzureMachineLearningWorkspaces;
  authz: AuthorizationManagementClient;
}

function withSharedPolicies<T extends { pipeline: Pipeline }>(client: T, http: Http): T {
  // The SDK's own retry logs nothing; ours says what failed and why it tries again.
  client.pipeline.removePolicy({ name: 'defaultRetryPolicy' });
  // These APIs take JSON only; the FormData check would load Node's fetch (http.ts says why).
  client.pipeline.removePolicy({ name: formDataPolicyName });
  client.pipeline.addPolicy(http.retry, { phase: 'Retry' });
  return client;
}

export function createArm(inputs: Inputs, session: Session, http: Http): Arm {
  const options = {
    $host: inputs.resourceManagerEndpoint,
    endpoint: inputs.resourceManagerEndpoint,
    // The audience stays the cloud's even when the endpoint is overridden.
    credentialScopes: [inputs.cloud.armScope],
    httpClient: http.client,
    userAgentOptions: { userAgentPrefix: USER_AGENT },
  };
  return {
    ml: withSharedPolicies(new AzureMachineLearningWorkspaces(session.credential, inputs.subscriptionId, options), http),
    authz: withSharedPolicies(new AuthorizationManagementClient(session.credential, inputs.subscriptionId, options), http),
  };
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

/** Runs one call and labels its failure ("read batch endpoint 'x'"), keeping Azure's answer. */
/** The last segment of a resource id: the resource's own name (the whole string when it has no '/'). */
export function resourceName(id: string): string {
  return id.slice(id.lastIndexOf('/') + 1);
}

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
