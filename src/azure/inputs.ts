// The inputs that address the endpoint through the resource manager: workspace, endpoint, deployment,
// and how long to wait for them to be ready (readiness.ts).
import { Input } from '../constants.js';
import { bad, matches, minutesToMs, nonNegativeNumber, oneOf, optional, type InputGroup, type Read } from '../input-parsing.js';

export type EndpointType = 'batch' | 'online';

export interface TargetInputs {
  resourceGroup: string;
  workspace: string;
  endpointType: EndpointType;
  endpoint: string;
  deployment?: string;
  /** How long to wait for an endpoint or deployment still being created, updated or scaled (0: not at all). */
  waitForReadyMs: number;
}

// Azure naming rules (Microsoft Learn, "Naming rules and restrictions for Azure resources").
const RESOURCE_GROUP = /^[-\w.()]{1,90}$/u;
const WORKSPACE = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/;
// Endpoints and their deployments are named by the same rule.
const ENDPOINT_OR_DEPLOYMENT = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;
const NAME_RULE = 'name has 3-32 letters, digits or hyphens, starts with a letter and does not end with a hyphen.';

export const AZURE_INPUTS = {
  concern: 'azure',
  inputs: {
    resourceGroup: {
      name: Input.resourceGroup,
      required: true,
      description: 'Resource group of the workspace.',
      parse: (name, raw) => {
        if (!raw) bad(name, '', 'name the resource group of the workspace.');
        if (!RESOURCE_GROUP.test(raw) || raw.endsWith('.')) {
          bad(name, raw, 'a resource group name has 1-90 letters, digits, underscores, hyphens, periods or parentheses and does not end with a period.');
        }
        return raw;
      },
    },
    workspace: {
      name: Input.workspace,
      required: true,
      description: 'Azure Machine Learning workspace name.',
      parse: (name, raw) => {
        if (!raw) bad(name, '', 'name the Azure Machine Learning workspace.');
        return matches(name, raw, WORKSPACE, 'a workspace name has 3-33 letters, digits, hyphens or underscores and starts with a letter or digit.');
      },
    },
    endpointType: {
      name: Input.endpointType,
      required: true,
      description: 'batch or online.',
      parse: (name, raw) => {
        if (!raw) bad(name, '', "use 'batch' or 'online'.");
        return oneOf(name, raw, ['batch', 'online'] as const);
      },
    },
    endpoint: {
      name: Input.endpoint,
      required: true,
      description: 'Endpoint name.',
      // When it is missing, parseTarget names it with the endpoint type.
      parse: (name, raw) => raw && matches(name, raw, ENDPOINT_OR_DEPLOYMENT, `an endpoint ${NAME_RULE}`),
    },
    deployment: {
      name: Input.deployment,
      description:
        "Deployment to target (sent as azureml-model-deployment). Defaults to the endpoint's default deployment (batch) or its traffic rules (online).",
      parse: optional((name, raw) => matches(name, raw, ENDPOINT_OR_DEPLOYMENT, `a deployment ${NAME_RULE}`)),
    },
    waitForReady: {
      name: Input.waitForReady,
      default: '0',
      description:
        'Minutes to wait for an endpoint or deployment still being created, updated or scaled before invoking it (release pipelines); 0 fails at once, naming its state.',
      // A hosted runner stops a job after 360 minutes.
      parse: (name, raw) => minutesToMs(nonNegativeNumber(name, raw, 360)),
    },
  },
} satisfies InputGroup;

const rows = AZURE_INPUTS.inputs;

/** The workspace, the endpoint and its type, the deployment. */
export function parseTarget(read: Read): Omit<TargetInputs, 'waitForReadyMs'> {
  const resourceGroup = read(rows.resourceGroup);
  const workspace = read(rows.workspace);
  const endpointType = read(rows.endpointType);
  const endpoint = read(rows.endpoint);
  if (!endpoint) bad(Input.endpoint, '', `name the ${endpointType} endpoint to invoke.`);
  const deployment = read(rows.deployment);
  return { resourceGroup, workspace, endpointType, endpoint, deployment };
}
