// Attaching to a batch job that exists (job-name): one an earlier step or workflow started, read by
// its name in the workspace, together with the identity's permissions for what following it needs
// (attachRequirements: no invoke action). With an endpoint or deployment named, the job must belong
// to it, as the service records that on the job. Then it is followed as a new job is (follow-job.ts).
import { armCall, ArmError } from '../azure/arm.js';
import { readDeployment, type Deployment } from '../azure/endpoints.js';
import { attachRequirements } from '../permissions/catalog.js';
import { storagePreflight } from '../permissions/storage.js';
import { checkPermissions, onlyChecking, readWithPermissions, type Ctx } from '../phases.js';
import { ActionError } from '../reporting/errors.js';
import type { DataAccess } from '../storage/data.js';
import { announceJob, type StartedJob } from './follow-job.js';
import { toState, type JobState } from './jobs.js';

/** The endpoint and deployment a job belongs to, as far as the job says; `batch` unknown when it carries no tags. */
export interface JobOwner {
  endpoint?: string;
  deployment?: string;
  batch?: boolean;
}

/** azure-ai-ml's recorded batch job (test_batch_job_download): "Pipeline submission for endpoint: <e>, deployment: <d>." */
const SUBMISSION = /^Pipeline submission for endpoint: ([^,\s]+), deployment: ([^\s.]+)\.?$/i;

/**
 * Which endpoint and deployment a job belongs to: the properties azureml.endpointname and
 * azureml.deploymentname of today's service (a batch job quoted in the azure.azcollection Ansible
 * module's documentation), else the tag azureml.deploymentname and the description of the job
 * azure-ai-ml recorded; a batch job is tagged azureml.batchrun.
 */
export function jobOwner(p: {
  description?: string | null;
  tags?: Record<string, string | null> | null;
  properties?: Record<string, string | null> | null;
}): JobOwner {
  const said = SUBMISSION.exec(p.description?.trim() ?? '');
  const tags = p.tags ?? undefined;
  return {
    endpoint: p.properties?.['azureml.endpointname'] ?? said?.[1],
    deployment: p.properties?.['azureml.deploymentname'] ?? tags?.['azureml.deploymentname'] ?? said?.[2],
    batch: tags ? tags['azureml.batchrun'] === 'true' : undefined,
  };
}

/** Why the job cannot be followed as the inputs ask (one line), or undefined when it can. */
export function ownerMismatch(name: string, owner: JobOwner, want: { endpoint?: string; deployment?: string }): string | undefined {
  const differs = (a: string | undefined, b: string | undefined) => Boolean(a && b && a.toLowerCase() !== b.toLowerCase());
  if (owner.batch === false && !owner.endpoint) return `Check 'job-name': job ${name} is not a batch endpoint's job (it has no azureml.batchrun tag).`;
  if (differs(want.endpoint, owner.endpoint))
    return `Check 'endpoint' or 'job-name': job ${name} belongs to batch endpoint '${owner.endpoint}', not '${want.endpoint}'.`;
  if (differs(want.deployment, owner.deployment))
    return `Check 'deployment' or 'job-name': job ${name} ran on deployment '${owner.deployment}', not '${want.deployment}'.`;
  return undefined;
}

async function readJob(ctx: Ctx, name: string): Promise<{ job: JobState; owner: JobOwner }> {
  const { arm, inputs } = ctx;
  try {
    const raw = await armCall(`read job '${name}'`, () => arm.ml.jobs.get(inputs.resourceGroup, inputs.workspace, name));
    return { job: toState(name, raw), owner: jobOwner(raw.properties) };
  } catch (err) {
    if (err instanceof ArmError && err.failure.status === 404) {
      throw new ActionError('not-found', `Check 'job-name': workspace '${inputs.workspace}' has no job '${name}'.`);
    }
    throw err;
  }
}

/** Reads the job to follow and checks what following it needs; undefined with check-permissions: only. */
export async function attachToJob(ctx: Ctx, data: DataAccess, name: string): Promise<StartedJob | undefined> {
  const { inputs, arm, log, deps } = ctx;
  const required = attachRequirements(ctx.scopes, { cancelOnTimeout: inputs.cancelOnTimeout, download: Boolean(inputs.downloadPath) });
  const read = await deps.core.group('Job and permissions', () => readWithPermissions(ctx, () => readJob(ctx, name), required));
  await checkPermissions(ctx, read.entries, required, async () =>
    storagePreflight({ arm, inputs, uses: await data.uses(), mountAccounts: [], log, notice: deps.core.notice }),
  );
  if (onlyChecking(ctx)) return undefined;
  const { job, owner } = read.value;
  const mismatch = ownerMismatch(name, owner, inputs);
  if (mismatch) throw new ActionError('not-found', mismatch);
  if (inputs.endpoint && !owner.endpoint)
    log.warning(`Job ${name} does not say which endpoint it belongs to, so 'endpoint: ${inputs.endpoint}' was not checked.`);
  const endpoint = owner.endpoint ?? inputs.endpoint;
  if (endpoint) deps.report.fact('Endpoint', `\`${endpoint}\` (batch endpoint, workspace \`${inputs.workspace}\`)`);
  if (owner.deployment) deps.report.fact('Deployment', `\`${owner.deployment}\``);
  const studio = announceJob(ctx, job, 'Attached to');
  log.info(`Job ${name} is ${job.status}; following it (this step did not create it).`);
  let deployment: Promise<Deployment | undefined> | undefined;
  const readIt = () =>
    endpoint && owner.deployment ? readDeployment(arm, { ...inputs, endpoint }, owner.deployment).catch(() => undefined) : Promise.resolve(undefined);
  return { job, studio, data, created: false, endpoint, deployment: () => (deployment ??= readIt()) };
}
