// A batch run after sign-in: a new job (endpoint and deployment, pre-flight checks, storage
// included, local inputs uploaded, the job created) or, with job-name, one that exists
// (attach.ts); either is then followed to its end (follow-job.ts).
import { type Ctx, readEndpointAndPermissions, preflightFirst, checkPermissions, onlyChecking, openScoringConnection, becomeReady } from '../phases.js';
import { DataAccess, hasLocalInputs } from '../storage/data.js';
import { storagePreflight } from '../permissions/storage.js';
import { buildJobBody, createJob, newInvocation, resolveInputs } from './batch.js';
import { batchRequirements } from '../permissions/catalog.js';
import { Output } from '../constants.js';
import { explainDataPlane } from '../permissions/diagnose.js';
import { readDeployment, type Endpoint } from '../azure/endpoints.js';
import { ActionError } from '../reporting/errors.js';
import type { JobState } from './jobs.js';
import { checkPrivateAccess, explainConnectionError, explainPrivateLinkDenial, hostOf, isPrivateLinkDenial } from '../azure/network.js';
import { attachToJob } from './attach.js';
import { announceJob, followJob, privacyOfBatch, type StartedJob } from './follow-job.js';

export async function runBatch(ctx: Ctx): Promise<void> {
  const { jobName } = ctx.inputs;
  const started = jobName ? await attachToJob(ctx, dataAccess(ctx), jobName) : await startJob(ctx);
  if (started) await followJob(ctx, started);
}

/** Moving the job's data (uploads, outputs) and reading its run history, for this run. */
function dataAccess(ctx: Ctx): DataAccess {
  const { arm, http, log, inputs, session, deps } = ctx;
  return new DataAccess({
    arm,
    http,
    log,
    inputs,
    tokens: session.credential,
    principal: session.principal,
    ctx: ctx.diag,
    armToken: () => session.token(inputs.cloud.armScope),
    setSecret: deps.core.setSecret,
  });
}

/**
 * Creates the job once the endpoint, the deployment, the identity's permissions and the data are
 * checked; undefined when there is nothing to follow (check-permissions: only, wait: false).
 */
async function startJob(ctx: Ctx): Promise<StartedJob | undefined> {
  const { inputs, deps, arm, log } = ctx;
  const { report, core } = deps;
  const required = batchRequirements(ctx.scopes, inputs);
  const read = await core.group('Endpoint and permissions', async () => {
    const r = await readEndpointAndPermissions(ctx, required);
    log.info(
      `Batch endpoint '${r.endpoint.name}': scoring URI ${r.endpoint.scoringUri || '(none yet)'}, default deployment ${r.endpoint.defaultDeployment ?? '(none)'}.`,
    );
    return r;
  });
  const deploymentName = inputs.deployment ?? read.endpoint.defaultDeployment;
  if (!deploymentName) {
    throw new ActionError('input', `Set 'deployment': batch endpoint '${read.endpoint.name}' has no default deployment.`);
  }
  openScoringConnection(ctx, read.endpoint);
  const deployment = await readDeployment(arm, inputs, deploymentName).catch((err: unknown) => {
    throw preflightFirst(ctx, err, read.entries, required);
  });
  report.fact('Deployment', `\`${deploymentName}\`${inputs.deployment ? '' : ' (default)'}`);

  const data = dataAccess(ctx);
  const preflightPassed = await checkPermissions(ctx, read.entries, required, async () =>
    storagePreflight({
      arm,
      inputs,
      uses: await data.uses(),
      mountAccounts: await data.mountAccounts(),
      deployment,
      log,
      notice: core.notice,
    }),
  );
  if (onlyChecking(ctx)) return undefined;
  const endpoint = await becomeReady(ctx, read.endpoint, [deployment]);
  report.output(Output.scoringUri, endpoint.scoringUri);
  // The workspace is read for this only on a hosted runner, the one place a private one is stopped up front.
  if (deps.env.RUNNER_ENVIRONMENT === 'github-hosted') {
    await checkPrivateAccess({ privacy: await privacyOfBatch(ctx), scoringUri: endpoint.scoringUri, runnerEnvironment: 'github-hosted', log });
  }

  const uploaded = hasLocalInputs(inputs) ? await core.group('Upload local inputs', () => data.uploadInputs()) : {};
  const job = await core.group('Create the job', () => postJob(ctx, endpoint, uploaded, preflightPassed));
  const studio = announceJob(ctx, job, 'Created');
  if (!inputs.wait) {
    report.setOutcome(`job created (${job.status})`);
    log.info('wait: false: not waiting for the job; it keeps running in Azure.');
    return undefined;
  }
  return { job, studio, data, created: true, deployment: () => Promise.resolve(deployment) };
}

/** The job's body, and its creation: exactly one job, whatever the answers on the way (batch.ts). */
async function postJob(ctx: Ctx, endpoint: Endpoint, uploaded: Record<string, string>, preflightPassed: boolean): Promise<JobState> {
  const { inputs, deps, arm, http, log, session } = ctx;
  const resolved = await resolveInputs(arm, inputs, ctx.scopes.workspace, uploaded);
  const invocation = newInvocation(deps.run);
  const body = buildJobBody(resolved, {
    outputPath: inputs.outputPath,
    outputs: inputs.batchOutputs,
    settings: inputs.jobSettings,
    experimentName: inputs.experimentName,
    tags: invocation.tags,
  });
  if (deps.signal.aborted) throw new ActionError('cancelled', 'The workflow was cancelled before the job was created; nothing is running in Azure.');
  let mlToken = '';
  return createJob(
    {
      arm,
      http,
      log,
      clock: deps.clock,
      principal: session.principal,
      mlToken: async () => (mlToken = await session.token(inputs.cloud.mlScope)),
      refused: (status, text) =>
        isPrivateLinkDenial(text)
          ? privateLinkError(endpoint.scoringUri, `batch endpoint '${endpoint.name}'`)
          : explainDataPlane(status, text, { ctx: ctx.diag, token: mlToken, expectedAudience: inputs.cloud.mlScope, preflightPassed }),
      unreachable: async (code) => {
        const privacy = await privacyOfBatch(ctx);
        return privacy.isPrivate
          ? networkError(explainConnectionError({ code, what: 'the scoring URI', host: hostOf(endpoint.scoringUri), privacy }))
          : undefined;
      },
    },
    { inputs, endpoint, deployment: inputs.deployment, body, invocation },
  );
}

function privateLinkError(scoringUri: string, resource: string): ActionError {
  return networkError(explainPrivateLinkDenial({ what: `the scoring URI ${hostOf(scoringUri)}`, resource }));
}

function networkError(e: { headline: string; details: string[] }): ActionError {
  return new ActionError('network', e.headline, e.details);
}
