// The resource manager clients (Azure Machine Learning and Authorization), pointed at the cloud's
// or the overridden endpoint, requesting the cloud's audience, retrying through the shared policy.
// A chunk of its own, imported (main.ts) once the first sign-in request is on its way: the two SDKs
// are a third of the Azure half, and no resource manager request can leave before the token does.
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { formDataPolicyName, type Pipeline } from '@azure/core-rest-pipeline';
import { USER_AGENT, type Http } from './http.js';
import type { Inputs } from '../inputs.js';
import type { Session } from '../signin/signin.js';
import type { Arm } from './arm.js';

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
