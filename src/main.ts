// One run, top to bottom: sign in, then a batch run (batch/run.ts) or an online run
// (online/run.ts), which share the phases of phases.ts; whatever fails is explained and reported
// here. step.ts, the entry of the second bundle (dist/main/), calls it; that bundle holds the Azure
// libraries and never @actions/core: the first bundle hands that in.
import { runBatch } from './batch/run.js';
import { runOnline } from './online/run.js';
import type { Ctx, RunDeps } from './phases.js';
import { resourceScopes } from './permissions/catalog.js';
import { Output } from './constants.js';
import { explain, type DiagnoseContext } from './permissions/diagnose.js';
import { ActionError, trackPhases, type Whereabouts } from './reporting/errors.js';
import { createHttp, type Log } from './azure/http.js';
import type { Inputs } from './inputs.js';
import { workspacePrivate } from './azure/network.js';
import { createSession } from './signin/signin.js';
import { afterItsRequest } from './signin/request-sent.js';

export type { MainCore, RunDeps } from './phases.js';

export async function run(inputs: Inputs, given: RunDeps): Promise<void> {
  const where: Whereabouts = { phase: "the set-up before 'Sign in'" };
  const deps = { ...given, core: trackPhases(given.core, where) };
  const { core, report } = deps;
  const log: Log = core;
  const http = createHttp(log, deps.warm?.agent);
  const scopes = resourceScopes(inputs);
  const kind = inputs.endpointType === 'batch' ? 'batch endpoint' : 'online endpoint';
  // A job attached to with job-name alone is named by itself (attach.ts adds its endpoint once read).
  report.setTitle(inputs.endpoint ? `${kind} \`${inputs.endpoint}\`` : `batch job \`${inputs.jobName}\``);
  if (inputs.endpoint) report.fact('Endpoint', `\`${inputs.endpoint}\` (${kind}, workspace \`${inputs.workspace}\`)`);
  report.output(Output.missingActions, '[]');
  let ctx: Ctx | undefined;
  try {
    const session = createSession(inputs, {
      http,
      log,
      setSecret: core.setSecret,
      getIdToken: core.getIDToken,
      env: deps.env,
      prefetchedAssertion: deps.prefetchedAssertion,
      metadata: deps.warm?.metadata,
    });
    // The resource manager clients compile while the first sign-in request is on its way.
    const { work: signedIn } = await afterItsRequest(() => core.group('Sign in', () => signIn(inputs, session, log)));
    const { createArm } = await import('./azure/arm-clients.js');
    const arm = createArm(inputs, session, http);
    const diag: DiagnoseContext = {
      scopes,
      endpointType: inputs.endpointType,
      endpoint: inputs.endpoint,
      principal: session.principal,
      cloudName: inputs.cloud.name,
      subscriptionId: inputs.subscriptionId,
      tenantId: inputs.tenantId,
    };
    let workspace: Promise<boolean | undefined> | undefined;
    const c: Ctx = { inputs, deps, log, http, session, arm, scopes, diag, workspacePrivate: () => (workspace ??= workspacePrivate(arm, inputs)) };
    ctx = c;
    await signedIn;
    if (inputs.endpointType === 'batch') await runBatch(c);
    else await runOnline(c);
  } catch (err) {
    const failure = ctx ? explain(err, ctx.diag) : err;
    if (failure instanceof ActionError && failure.missingActions) report.output(Output.missingActions, JSON.stringify(failure.missingActions));
    report.fail(failure, { ...where, lastRequest: http.lastRequest() ?? null });
  }
}

async function signIn(inputs: Inputs, session: Ctx['session'], log: Log): Promise<void> {
  const how = {
    oidc: 'GitHub OIDC (federated credential)',
    'client-secret': 'a client secret',
    'managed-identity': 'the managed identity',
    'azure-cli': 'the Azure CLI session',
  }[inputs.authType];
  log.info(`Signing in to ${inputs.cloud.name} with ${how}...`);
  // A batch run needs a token for the ML data plane too: asked for beside the first, it costs no
  // round trip of its own. Should it fail, the job's creation asks again and reports why.
  if (inputs.endpointType === 'batch' && inputs.checkPermissions !== 'only' && !inputs.jobName) session.token(inputs.cloud.mlScope).catch(() => undefined);
  await session.token(inputs.cloud.armScope);
  const p = session.principal;
  log.info(`Signed in as ${p.clientId ? `service principal ${p.clientId}` : 'the identity'}${p.objectId ? ` (object id ${p.objectId})` : ''}.`);
}
