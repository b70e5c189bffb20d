// An online run after sign-in: endpoint, pre-flight check, the deployments' state read while the
// scoring credential is fetched, readiness, then the requests, their summary, and any failure
// explained by its status code, the deployment's figures and the model's log.
import { type Ctx, readEndpointAndPermissions, sink, becomeReady, checkPermissions, onlyChecking, openScoringConnection } from '../phases.js';
import { ArmError } from '../azure/arm.js';
import { onlineRequirements } from '../permissions/catalog.js';
import { Output, RESPONSE_OUTPUT_LIMIT } from '../constants.js';
import { explainDataPlane } from '../permissions/diagnose.js';
import { readDeployment, type Deployment, type Endpoint } from '../azure/endpoints.js';
import { ActionError, describeThrown } from '../reporting/errors.js';
import { responseFileContent, score, scoringCredential } from './online.js';
import { checkPrivateAccess, hostOf, onlinePrivacy } from '../azure/network.js';
import { readModelLog } from './model-logs.js';
import { scoringFailed } from './scoring-failures.js';
import { explainByEndpointIdentity } from '../permissions/endpoint-identity.js';
import { truncateUtf8 } from '../reporting/format.js';

export async function runOnline(ctx: Ctx): Promise<void> {
  const { inputs, deps, arm, log, session, http } = ctx;
  const { report, core } = deps;
  // Until the endpoint is read its auth mode is unknown: reading it is the one action to check.
  const read = await core.group('Endpoint and permissions', async () => {
    const r = await readEndpointAndPermissions(ctx, onlineRequirements(ctx.scopes, 'key').slice(0, 1));
    const e = r.endpoint;
    const traffic =
      Object.entries(e.traffic)
        .map(([d, w]) => `${d} ${w}%`)
        .join(', ') || 'none';
    log.info(
      `Online endpoint '${e.name}': auth mode ${e.authMode}, ${e.kubernetes ? 'Kubernetes' : 'managed'}, traffic ${traffic}, scoring URI ${e.scoringUri || '(none yet)'}.`,
    );
    return r;
  });
  report.fact('Auth mode', read.endpoint.authMode ?? '?');
  const routed = inputs.deployment ? [inputs.deployment] : Object.keys(read.endpoint.traffic).filter((d) => read.endpoint.traffic[d] > 0);
  if (routed.length === 0) {
    throw new ActionError(
      'input',
      `Set 'deployment' or give a deployment traffic: online endpoint '${read.endpoint.name}' routes no traffic to any deployment.`,
    );
  }
  // The deployments' state and the scoring credential do not depend on each other: once the
  // pre-flight check has passed and the endpoint is ready, both are read at once, so reading the
  // deployments costs the run no round trip.
  const deploymentsRead = readOnlineDeployments(ctx, routed);
  deploymentsRead.catch(() => undefined); // awaited below, unless the pre-flight check stops the run first
  const required = onlineRequirements(ctx.scopes, read.endpoint.authMode!);
  const preflightPassed = await checkPermissions(ctx, read.entries, required);
  let mlToken: string | undefined;
  const credentialFor = (e: Endpoint) => scoringCredential(arm, inputs, e, async () => (mlToken = await session.token(inputs.cloud.mlScope)), core.setSecret);
  const early = inputs.checkPermissions !== 'only' && read.endpoint.provisioningState === 'Succeeded' ? credentialFor(read.endpoint) : undefined;
  early?.catch(() => undefined); // awaited before scoring, unless a deployment stops the run first
  openScoringConnection(ctx, read.endpoint);
  const deployments = await deploymentsRead;
  if (inputs.deployment && !(read.endpoint.traffic[inputs.deployment] > 0)) {
    log.info(`Deployment '${inputs.deployment}' takes 0 % of the endpoint's traffic: it is scored through the azureml-model-deployment header.`);
  }
  report.fact('Deployment', inputs.deployment ? `\`${inputs.deployment}\`` : 'by traffic');
  if (onlyChecking(ctx)) return;
  const endpoint = await becomeReady(ctx, read.endpoint, [...deployments.values()]);
  report.output(Output.scoringUri, endpoint.scoringUri);
  const privacy = onlinePrivacy(endpoint.name, endpoint.publicNetworkAccess);
  await checkPrivateAccess({ privacy, scoringUri: endpoint.scoringUri, runnerEnvironment: deps.env.RUNNER_ENVIRONMENT, log });

  const request = inputs.request!;
  const concurrency = request.jsonl ? inputs.concurrency : 1;
  const result = await core.group(`Score (${request.bodies.length} request${request.bodies.length === 1 ? '' : 's'})`, async () => {
    const credential = await (early ?? credentialFor(endpoint));
    return score({
      http,
      log,
      endpoint,
      deployment: inputs.deployment,
      credential,
      contentType: inputs.contentType,
      bodies: request.bodies,
      concurrency,
    });
  });

  const first = result.results[0];
  const firstFailure = result.results.find((r) => r.status < 200 || r.status >= 300);
  const content = responseFileContent(result.results, request.jsonl);
  const file = deps.writeResponse(request.jsonl ? 'response.jsonl' : 'response.json', content);
  report.output(Output.statusCode, (firstFailure ?? first).status);
  report.output(Output.response, truncateUtf8(content, RESPONSE_OUTPUT_LIMIT));
  report.output(Output.responseFile, file);
  report.output(Output.latencyP50Ms, Math.round(result.p50));
  report.output(Output.latencyP95Ms, Math.round(result.p95));
  report.output(Output.failedRequests, result.failed);
  report.fact('Requests', `${result.results.length} (${result.failed} failed)`);
  report.fact('Latency p50 / p95', `${Math.round(result.p50)} ms / ${Math.round(result.p95)} ms`);
  report.fact('Status code', String((firstFailure ?? first).status));
  report.section(
    [
      '| Requests | Failed | Concurrency | p50 | p95 | max |',
      '| --- | --- | --- | --- | --- | --- |',
      `| ${result.results.length} | ${result.failed} | ${concurrency} | ${Math.round(result.p50)} ms | ${Math.round(result.p95)} ms | ${Math.round(result.max)} ms |`,
    ].join('\n'),
  );
  log.info(`${result.results.length} request(s): ${result.failed} failed, latency p50 ${Math.round(result.p50)} ms, p95 ${Math.round(result.p95)} ms.`);

  if (firstFailure) {
    throw await scoringFailed(
      result.results,
      {
        endpoint: endpoint.name,
        host: hostOf(endpoint.scoringUri),
        deployment: inputs.deployment,
        onlyDeployment: routed.length === 1 ? routed[0] : undefined,
        concurrency,
        privacy,
        figures: async (name) => (routed.includes(name) ? deployments : await readOnlineDeployments(ctx, [name])).get(name)?.figures,
      },
      request,
      {
        sink: sink(ctx),
        readModelLog: (name) => readModelLog(arm, inputs, name),
        endpointIdentity: (name, err) => explainByEndpointIdentity(arm, { ...inputs, workspaceId: ctx.scopes.workspace }, name, err, { onlyMissing: false }),
        authorization: (r) =>
          explainDataPlane(r.status, r.body, {
            ctx: ctx.diag,
            token: mlToken,
            expectedAudience: inputs.cloud.mlScope,
            authMode: endpoint.authMode,
            preflightPassed,
          }),
      },
    );
  }
  if (inputs.maxLatencyMs !== undefined && result.p95 > inputs.maxLatencyMs) {
    throw new ActionError(
      'scoring',
      `Make the model faster or raise max-latency-ms: the p95 latency, ${Math.round(result.p95)} ms, exceeds max-latency-ms ${inputs.maxLatencyMs}.`,
    );
  }
  report.setOutcome(`${result.results.length} request(s) scored`);
}

/**
 * The online deployments a run scores, by name. A deployment that does not exist stops the run,
 * naming those that do; one that cannot be read (its read action is not among those an online
 * invoke needs) is left out: its state and figures stay unknown, and the log says so.
 */
async function readOnlineDeployments(ctx: Ctx, names: string[]): Promise<Map<string, Deployment>> {
  const read = new Map<string, Deployment>();
  const results = await Promise.allSettled(names.map((name) => readDeployment(ctx.arm, ctx.inputs, name)));
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') return void read.set(names[i], r.value);
    const err: unknown = r.reason;
    if (err instanceof ActionError) throw err;
    const why = err instanceof ArmError ? [err.failure.status, err.failure.code].filter(Boolean).join(' ') : describeThrown(err);
    ctx.log.info(`Deployment '${names[i]}' was not read (${why || 'no answer'}); its state and settings are not checked.`);
  });
  return read;
}
