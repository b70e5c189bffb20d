// The phases both kinds of run share, in the order main.ts calls them: the endpoint read with the
// identity's permissions, the pre-flight check, and waiting for the endpoint to be ready.
import { type Arm } from './azure/arm.js';
import { DIAGNOSTIC_ACTIONS, type Requirement, type Scopes } from './permissions/catalog.js';
import { Output } from './constants.js';
import { explain, type DiagnoseContext } from './permissions/diagnose.js';
import { readDeployment, readEndpoint, type Deployment, type Endpoint } from './azure/endpoints.js';
import { ActionError } from './reporting/errors.js';
import { type Http, type Log } from './azure/http.js';
import type { Inputs } from './inputs.js';
import type { Clock } from './clock.js';
import type { RunContext } from './github/context.js';
import { operationError, readinessOf, waitUntilReady, type Watched } from './azure/readiness.js';
import { explainByEndpointIdentity } from './permissions/endpoint-identity.js';
import { readModelLog, showModelLog, type LogSink } from './online/model-logs.js';
import { findMissing, permissionError, readPermissions } from './permissions/permissions.js';
import type { PermissionEntry } from './permissions/rbac.js';
import type { CoreLike, Report } from './reporting/report.js';
import { type Session } from './signin/signin.js';
import type { Warm } from './azure/warm.js';
import { briefly, toAzureFailure } from './azure/azure-errors.js';

export interface MainCore extends CoreLike {
  // Function properties, not methods: they are handed on detached from core.
  setSecret: (value: string) => void;
  getIDToken: (audience: string) => Promise<string>;
  saveState: (name: string, value: string) => void;
  notice: (message: string) => void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export interface RunDeps {
  core: MainCore;
  report: Report;
  env: Record<string, string | undefined>;
  /** The workflow run (read by the entry bundle from @actions/github's Context). */
  run: RunContext;
  clock: Clock;
  /** Aborted when the workflow is cancelled (SIGINT/SIGTERM). */
  signal: AbortSignal;
  prefetchedAssertion?: Promise<string>;
  /** Connections opened ahead, and the authority's metadata read ahead (warm.ts). */
  warm?: Warm;
  writeResponse(name: string, content: string): string;
}

export interface Ctx {
  inputs: Inputs;
  deps: RunDeps;
  log: Log;
  http: Http;
  session: Session;
  arm: Arm;
  scopes: Scopes;
  diag: DiagnoseContext;
  /** Whether the workspace is private (publicNetworkAccess Disabled), read once when first asked. */
  workspacePrivate(): Promise<boolean | undefined>;
}

/** Reads the endpoint and, unless turned off, the identity's permissions at its scope, together (readWithPermissions). */
export async function readEndpointAndPermissions(ctx: Ctx, requiredBeforeRead: Requirement[]): Promise<{ endpoint: Endpoint; entries?: PermissionEntry[] }> {
  const r = await readWithPermissions(ctx, () => readEndpoint(ctx.arm, ctx.inputs), requiredBeforeRead);
  return { endpoint: r.value, entries: r.entries };
}

/**
 * Reads what the run starts from (the endpoint, or the job it attaches to) and, unless turned off,
 * the identity's permissions, together. A permissions API that cannot be read is one warning, not
 * a failure: Azure's own answers will then say what is missing. When the read itself fails, a
 * missing resource is reported first, then the whole list of missing actions, then the single denial.
 */
export async function readWithPermissions<T>(
  ctx: Ctx,
  read: () => Promise<T>,
  requiredBeforeRead: Requirement[],
): Promise<{ value: T; entries?: PermissionEntry[] }> {
  const { inputs, arm, log } = ctx;
  const [value, permissions] = await Promise.allSettled([
    read(),
    inputs.checkPermissions === 'false' ? Promise.resolve(undefined) : readPermissions(arm.authz, inputs),
  ]);
  let entries: PermissionEntry[] | undefined;
  if (permissions.status === 'fulfilled') entries = permissions.value;
  else {
    const f = toAzureFailure(permissions.reason);
    // The permissions API needs no role, so it can tell a missing resource group from a denial.
    if (f.code === 'ResourceGroupNotFound') {
      throw new ActionError('not-found', `Check 'resource-group': subscription ${inputs.subscriptionId} has no resource group '${inputs.resourceGroup}'.`);
    }
    const why = briefly(f);
    if (inputs.checkPermissions === 'only') {
      throw new ActionError(
        'permission',
        `Grant the identity 'Microsoft.Authorization/permissions/read' or run the check as a user who can: its permissions could not be read (${why}).`,
        [f.message],
      );
    }
    log.warning(
      `Could not read this identity's permissions (Microsoft.Authorization/permissions: ${why}); skipping the pre-flight check, Azure's own answers will name anything missing.`,
    );
  }
  if (value.status === 'rejected') throw preflightFirst(ctx, value.reason, entries, requiredBeforeRead);
  return { value: value.value, entries };
}

/** A read that failed: when it was denied, the whole list of missing actions is reported first. */
export function preflightFirst(ctx: Ctx, err: unknown, entries: PermissionEntry[] | undefined, required: Requirement[]): unknown {
  const failure = explain(err, ctx.diag);
  if (failure instanceof ActionError && failure.kind === 'permission' && entries && ctx.inputs.checkPermissions !== 'warn') preflight(ctx, entries, required);
  return failure;
}

/** Where a model log and other diagnostics are shown: a log group, the log and the summary. */
export function sink(ctx: Ctx): LogSink {
  const { core, report } = ctx.deps;
  return { group: (name, fn) => core.group(name, fn), info: (m) => core.info(m), warning: (m) => core.warning(m), section: (md) => report.section(md) };
}

/**
 * Waits (wait-for-ready) until the endpoint and its deployments are ready; a failed one stops the
 * run with its own error: its last operation's, else (online) the model's log. Returns the
 * endpoint as last read (its scoring URI is set only once it exists).
 */
export async function becomeReady(ctx: Ctx, endpoint: Endpoint, deployments: Deployment[]): Promise<Endpoint> {
  const { inputs, arm, deps } = ctx;
  let current = endpoint;
  const resources: Watched[] = [
    {
      kind: `${inputs.endpointType} endpoint`,
      name: endpoint.name,
      state: endpoint.provisioningState,
      operationUri: endpoint.operationUri,
      read: async () => (current = await readEndpoint(arm, inputs)).provisioningState,
    },
    ...deployments.map((d) => ({
      kind: 'deployment',
      name: d.name,
      state: d.provisioningState,
      operationUri: d.operationUri,
      read: async () => Object.assign(d, await readDeployment(arm, inputs, d.name)).provisioningState,
    })),
  ];
  await waitUntilReady({
    resources,
    waitMs: inputs.waitForReadyMs,
    clock: deps.clock,
    signal: deps.signal,
    log: ctx.log,
    whyFailed: async (r) => {
      const op = await operationError(arm, r.operationUri, inputs.resourceManagerEndpoint);
      if (op.reason) return { reason: op.reason, details: [] };
      const details: string[] = [];
      if (op.unread)
        details.push(
          `Its last operation's status was not read (${op.unread})${/403/.test(op.unread) ? `: grant '${DIAGNOSTIC_ACTIONS.operationStatus}' to see Azure's error here` : ''}.`,
        );
      if (inputs.endpointType === 'online' && r.kind === 'deployment') {
        details.push(...(await showModelLog(sink(ctx), await readModelLog(arm, inputs, r.name))));
        details.push(
          `More: az ml online-deployment get-logs --name ${r.name} --endpoint-name ${inputs.endpoint} --resource-group ${inputs.resourceGroup} --workspace-name ${inputs.workspace}`,
        );
      } else details.push(`Its provisioning error is shown in the studio, on the ${r.kind}'s page.`);
      return { details };
    },
    // An online deployment runs as its endpoint's identity: a role it lacks is why it cannot start.
    amend: (r, err) =>
      inputs.endpointType === 'online' && r.kind === 'deployment'
        ? explainByEndpointIdentity(arm, { ...inputs, workspaceId: ctx.scopes.workspace }, r.name, err, { onlyMissing: readinessOf(r.state) !== 'failed' })
        : Promise.resolve(err),
  });
  // The scoring URI is read-only and optional in the endpoint's model: one that is not there yet cannot be invoked.
  if (!current.scoringUri) {
    throw new ActionError(
      'not-ready',
      `Check ${inputs.endpointType} endpoint '${current.name}': it reports no scoring URI (provisioning state ${current.provisioningState ?? 'not given'}), so it cannot be invoked yet.`,
    );
  }
  return current;
}

/**
 * Applies the pre-flight result: fail, warn or go on, as check-permissions says. `more` is what a
 * check elsewhere (storage accounts) found missing. Returns whether all is allowed.
 */
function preflight(ctx: Ctx, entries: PermissionEntry[] | undefined, required: Requirement[], more: Requirement[] = []): boolean {
  const { inputs, deps, log, session } = ctx;
  if (!entries && more.length === 0) return false;
  const missing = [...(entries ? findMissing(entries, required) : []), ...more];
  if (missing.length === 0) {
    log.info(`All ${required.length} required actions are allowed.`);
    return true;
  }
  const gap = permissionError({ principal: session.principal, missing, source: 'pre-flight' }, ctx.diag);
  if (inputs.checkPermissions !== 'warn') throw gap;
  // warn: the same report the failure would give, as a warning, and the run goes on.
  deps.report.output(Output.missingActions, JSON.stringify(gap.missingActions));
  deps.core.warning([gap.message, '', ...gap.details].join('\n'));
  if (gap.summary) deps.report.section(gap.summary);
  return false;
}

/** The Permissions phase; returns whether the check ran and found nothing missing. `more` checks elsewhere (storage). */
export function checkPermissions(
  ctx: Ctx,
  entries: PermissionEntry[] | undefined,
  required: Requirement[],
  more?: () => Promise<Requirement[]>,
): Promise<boolean> {
  return ctx.deps.core.group('Permissions', async () => {
    if (ctx.inputs.checkPermissions === 'false') {
      ctx.log.info('Pre-flight permission check skipped (check-permissions: false).');
      return false;
    }
    return preflight(ctx, entries, required, more ? await more() : []);
  });
}

/** check-permissions: only ends the run after the check. */
export function onlyChecking(ctx: Ctx): boolean {
  if (ctx.inputs.checkPermissions !== 'only') return false;
  ctx.deps.report.setOutcome('permissions verified');
  ctx.log.info('check-permissions: only: nothing was invoked.');
  return true;
}

/**
 * Opens the connection to the scoring host as soon as the endpoint names it, so that its
 * handshakes overlap the reads still to come (warm.ts); not when nothing will be scored.
 */
export function openScoringConnection(ctx: Ctx, endpoint: Endpoint): void {
  if (ctx.inputs.checkPermissions !== 'only' && endpoint.scoringUri) ctx.deps.warm?.preconnect(endpoint.scoringUri);
}
