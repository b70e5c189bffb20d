// An online run after sign-in: endpoint, pre-flight check, the deployments' state read while the
// scoring credential is fetched, readiness, then the requests (to the baseline too, with
// compare-to), their summary, the release gate (gate.ts) and any failure: a non-2xx answer
// explained by its status code, the deployment's figures and the model's log, or the gate's.
import { type Ctx, readEndpointAndPermissions, sink, becomeReady, checkPermissions, onlyChecking, openScoringConnection } from '../phases.js';
import { ArmError } from '../azure/arm.js';
import { onlineRequirements } from '../permissions/catalog.js';
import { Input, Output } from '../constants.js';
import { explainDataPlane } from '../permissions/diagnose.js';
import { authModeOf, readDeployment, type Deployment, type Endpoint } from '../azure/endpoints.js';
import { ActionError, describeThrown } from '../reporting/errors.js';
import { score, scoringCredential } from './online.js';
import { checkPrivateAccess, hostOf, onlinePrivacy, type Privacy } from '../azure/network.js';
import { readModelLog } from './model-logs.js';
import { scoringFailed } from './scoring-failures.js';
import { judge } from './gate.js';
import { gateFailure, gateShown } from './gate-report.js';
import { reportGate, reportScored, type Scored } from './results.js';
import { explainByEndpointIdentity } from '../permissions/endpoint-identity.js';
import type { OnlineRequest } from './inputs.js';

export async function runOnline(ctx: Ctx): Promise<void> {
  const { inputs, deps, arm, log, session } = ctx;
  const { report, core } = deps;
  const read = await readOnlineEndpoint(ctx);
  report.fact('Auth mode', read.endpoint.authMode ?? '?');
  const routed = inputs.deployment ? [inputs.deployment] : Object.keys(read.endpoint.traffic).filter((d) => read.endpoint.traffic[d] > 0);
  if (routed.length === 0) {
    throw new ActionError(
      'input',
      `Set 'deployment' or give a deployment traffic: online endpoint '${read.endpoint.name}' routes no traffic to any deployment.`,
    );
  }
  const baseline = inputs.gate?.compare?.baseline;
  // The deployments' state and the scoring credential do not depend on each other: once the
  // pre-flight check has passed and the endpoint is ready, both are read at once, so reading the
  // deployments costs the run no round trip.
  const deploymentsRead = readOnlineDeployments(ctx, baseline ? [...routed, baseline] : routed);
  deploymentsRead.catch(() => undefined); // awaited below, unless the pre-flight check stops the run first
  const required = onlineRequirements(ctx.scopes, authModeOf(read.endpoint));
  const preflightPassed = await checkPermissions(ctx, read.entries, required);
  let mlToken: string | undefined;
  const credentialFor = (e: Endpoint) => scoringCredential(arm, inputs, e, async () => (mlToken = await session.token(inputs.cloud.mlScope)), core.setSecret);
  const early = inputs.checkPermissions !== 'only' && read.endpoint.provisioningState === 'Succeeded' ? credentialFor(read.endpoint) : undefined;
  early?.catch(() => undefined); // awaited before scoring, unless a deployment stops the run first
  openScoringConnection(ctx, read.endpoint);
  const deployments = await deploymentsRead;
  for (const name of [inputs.deployment, baseline]) {
    if (name && !(read.endpoint.traffic[name] > 0)) {
      log.info(`Deployment '${name}' takes 0 % of the endpoint's traffic: it is scored through the azureml-model-deployment header.`);
    }
  }
  report.fact('Deployment', inputs.deployment ? `\`${inputs.deployment}\`${baseline ? `, compared with \`${baseline}\`` : ''}` : 'by traffic');
  if (onlyChecking(ctx)) return;
  const endpoint = await becomeReady(ctx, read.endpoint, [...deployments.values()]);
  report.output(Output.scoringUri, endpoint.scoringUri);
  const privacy = onlinePrivacy(endpoint.name, endpoint.publicNetworkAccess);
  await checkPrivateAccess({ privacy, scoringUri: endpoint.scoringUri, runnerEnvironment: deps.env.RUNNER_ENVIRONMENT, log });

  const { request, gate } = inputs;
  // parseOnlineInvoke gives both to every online run that scores (check-permissions is not 'only').
  if (!request || !gate) throw new Error('an online run without its parsed request or release gate');
  const startedAt = deps.clock.now();
  const scored = await core.group(`Score (${request.bodies.length} request${request.bodies.length === 1 ? '' : 's'})`, async () =>
    scoreAll(ctx, endpoint, await (early ?? credentialFor(endpoint)), request),
  );
  const seconds = (deps.clock.now() - startedAt) / 1000;
  reportScored(report, log, scored, request, (name, content) => deps.writeResponse(name, content));
  const judgement = judge({ candidate: scored.candidate.results, baseline: scored.baseline?.result.results, lines: request.lines }, gate);
  reportGate(report, log, judgement, gate, { suite: `${endpoint.name}/${inputs.deployment ?? 'by traffic'}`, startedAt, seconds });

  // Non-2xx answers the gate does not let through are explained: cause, figures, the model's log.
  if (scored.candidate.failed > 0 && judgement.results.some((r) => !r.passed && r.threshold.metric === 'failures')) {
    throw await explainFailures(ctx, scored, endpoint, { routed, deployments, privacy, preflightPassed, mlToken: () => mlToken, request });
  }
  const failure = gateFailure(judgement, gate, gate.junitFile?.shown);
  if (failure) throw failure;
  report.setOutcome(`${request.bodies.length} request(s) scored${gateShown(gate) ? ', release gate passed' : ''}`);
}

/** The first failed request, explained (scoring-failures.ts), with the rest grouped by cause. */
function explainFailures(
  ctx: Ctx,
  scored: Scored,
  endpoint: Endpoint,
  o: {
    routed: string[];
    deployments: Map<string, Deployment>;
    privacy: Privacy;
    preflightPassed: boolean;
    mlToken: () => string | undefined;
    request: OnlineRequest;
  },
): Promise<ActionError> {
  const { inputs, arm } = ctx;
  return scoringFailed(
    scored.candidate.results,
    {
      endpoint: endpoint.name,
      host: hostOf(endpoint.scoringUri),
      deployment: inputs.deployment,
      onlyDeployment: o.routed.length === 1 ? o.routed[0] : undefined,
      concurrency: scored.concurrency,
      privacy: o.privacy,
      figures: async (name) => (o.deployments.has(name) ? o.deployments : await readOnlineDeployments(ctx, [name])).get(name)?.figures,
    },
    o.request,
    {
      sink: sink(ctx),
      readModelLog: (name) => readModelLog(arm, inputs, name),
      endpointIdentity: (name, err) => explainByEndpointIdentity(arm, { ...inputs, workspaceId: ctx.scopes.workspace }, name, err, { onlyMissing: false }),
      authorization: (r) =>
        explainDataPlane(r.status, r.body, {
          ctx: ctx.diag,
          token: o.mlToken(),
          expectedAudience: inputs.cloud.mlScope,
          authMode: endpoint.authMode,
          preflightPassed: o.preflightPassed,
        }),
    },
  );
}

/** The endpoint, read with the identity's permissions; until it is read its auth mode is unknown: reading it is the one action to check. */
function readOnlineEndpoint(ctx: Ctx) {
  return ctx.deps.core.group('Endpoint and permissions', async () => {
    const r = await readEndpointAndPermissions(ctx, onlineRequirements(ctx.scopes, 'key').slice(0, 1));
    const e = r.endpoint;
    const traffic =
      Object.entries(e.traffic)
        .map(([d, w]) => `${d} ${w}%`)
        .join(', ') || 'none';
    ctx.log.info(
      `Online endpoint '${e.name}': auth mode ${e.authMode}, ${e.kubernetes ? 'Kubernetes' : 'managed'}, traffic ${traffic}, scoring URI ${e.scoringUri || '(none yet)'}.`,
    );
    return r;
  });
}

/**
 * Every request, to the deployment and, with compare-to, to the baseline through the
 * azureml-model-deployment header (never mirrored traffic): both at once, each at the same
 * concurrency, each answer timed.
 */
async function scoreAll(ctx: Ctx, endpoint: Endpoint, credential: string, request: OnlineRequest): Promise<Scored> {
  const { inputs, http, log } = ctx;
  const concurrency = request.jsonl ? inputs.concurrency : 1;
  const baseline = inputs.gate?.compare?.baseline;
  const to = (deployment: string | undefined, label?: string) =>
    score({ http, log, endpoint, deployment, credential, contentType: inputs.contentType, bodies: request.bodies, concurrency, label });
  const [candidate, base] = await Promise.all([to(inputs.deployment, baseline && inputs.deployment), baseline ? to(baseline, baseline) : undefined]);
  return { candidate, deployment: inputs.deployment, baseline: baseline && base ? { name: baseline, result: base } : undefined, concurrency };
}

/**
 * The online deployments a run scores, by name. A deployment that does not exist stops the run,
 * naming those that do; one that cannot be read (its read action is not among those an online
 * invoke needs) is left out: its state and figures stay unknown, and the log says so.
 */
async function readOnlineDeployments(ctx: Ctx, names: string[]): Promise<Map<string, Deployment>> {
  const read = new Map<string, Deployment>();
  const baseline = ctx.inputs.gate?.compare?.baseline;
  const results = await Promise.allSettled(names.map((name) => readDeployment(ctx.arm, ctx.inputs, name, name === baseline ? Input.compareTo : undefined)));
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') return void read.set(names[i], r.value);
    const err: unknown = r.reason;
    if (err instanceof ActionError) throw err;
    const why = err instanceof ArmError ? [err.failure.status, err.failure.code].filter(Boolean).join(' ') : describeThrown(err);
    ctx.log.info(`Deployment '${names[i]}' was not read (${why || 'no answer'}); its state and settings are not checked.`);
  });
  return read;
}
