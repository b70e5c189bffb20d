// Reactive diagnosis: what a refusal from the resource manager or a data plane means, in the same
// form as the pre-flight report — the principal, the action, the scope and the fix.
import { ArmError } from '../azure/arm.js';
import { parseDenial, type Denial } from '../azure/azure-errors.js';
import { SCORE_ACTION } from './catalog.js';
import { ActionError } from '../reporting/errors.js';
import { claim, decodeClaims } from '../signin/jwt.js';
import { isRetryableStatus } from '../azure/retry.js';
import { permissionError, type PermissionReport, type Principal, type ReportContext } from './permissions.js';

export interface DiagnoseContext extends ReportContext {
  principal: Principal;
  cloudName: string;
  subscriptionId: string;
  tenantId?: string;
}

function deniedReport(denial: Denial, ctx: DiagnoseContext): PermissionReport {
  return {
    principal: { clientId: denial.clientId ?? ctx.principal.clientId, objectId: denial.objectId ?? ctx.principal.objectId },
    missing: [{ action: denial.action, scope: denial.scope }],
    source: 'denied',
    note: denial.linked
      ? 'Azure checked this action on a linked resource the call depends on.'
      : "Azure answers the same way when 'resource-group' or 'workspace' is misspelled (it does not say whether a scope you may not read exists): check them too.",
  };
}

/** Explains a resource manager failure; anything else passes through untouched. */
export function explain(err: unknown, ctx: DiagnoseContext): unknown {
  if (!(err instanceof ArmError)) return err;
  const f = err.failure;
  if (f.status === 403 || /AuthorizationFailed/i.test(f.code ?? '')) {
    const denial = parseDenial(f.message);
    if (denial) return permissionError(deniedReport(denial, ctx), ctx);
    return new ActionError('permission', `Grant the signed-in identity access: Azure refused to ${err.what} (${f.code ?? 'HTTP 403'}).`, [
      `Azure said: ${f.message}`,
    ]);
  }
  if (f.status === 401) {
    if (/InvalidAuthenticationTokenTenant/i.test(f.code ?? '')) {
      return new ActionError(
        'signin',
        `Check 'tenant-id': subscription ${ctx.subscriptionId} belongs to another tenant than ${ctx.tenantId ?? 'the one signed in to'}.`,
        [`Azure said: ${f.message}`],
      );
    }
    if (/Audience/i.test(f.code ?? '')) {
      return new ActionError('signin', `Check 'cloud' (${ctx.cloudName}): the resource manager rejected the token's audience.`, [`Azure said: ${f.message}`]);
    }
    return new ActionError('signin', `Re-run the job: the resource manager rejected the sign-in token (${f.code ?? 'HTTP 401'}).`, [
      `Azure said: ${f.message}`,
    ]);
  }
  if (f.status === 404) return new ActionError('not-found', `Azure found nothing to ${err.what}: ${f.message}`);
  if (isRetryableStatus(f.status)) {
    return new ActionError(
      'azure',
      `Re-run later: Azure did not answer to ${err.what} after several retries (${f.status ? `HTTP ${f.status}` : (f.code ?? 'network error')}: ${f.message}).`,
    );
  }
  return new ActionError('azure', `Azure refused to ${err.what} (HTTP ${f.status}${f.code ? ` ${f.code}` : ''}): ${f.message}`);
}

/**
 * A 401/403 from a scoring URI. A 403 that names an action is reported like a resource manager
 * denial. A 401 does not say which action is missing: check the token that was sent first (wrong
 * audience), then, for Entra-token auth, the action Azure checks (score/action for online
 * endpoints; the batch-invocation actions for batch).
 */
export function explainDataPlane(
  status: number,
  body: string,
  p: { ctx: DiagnoseContext; token?: string; expectedAudience: string; authMode?: string; preflightPassed: boolean },
): ActionError {
  const said = body.trim() ? `The endpoint said: ${body.trim().slice(0, 500)}` : 'The endpoint gave no reason.';
  const denial = parseDenial(body);
  if (denial) return permissionError(deniedReport(denial, p.ctx), p.ctx);
  const aud = claim(decodeClaims(p.token), 'aud');
  const expected = p.expectedAudience.replace(/\/\.default$/, '');
  if (aud && aud.replace(/\/+$/, '') !== expected.replace(/\/+$/, '')) {
    return new ActionError(
      'signin',
      `Check 'cloud': the endpoint rejected a token for audience '${aud}'; it takes tokens for '${expected}' (HTTP ${status}).`,
      [said],
    );
  }
  if (p.ctx.endpointType === 'online' && p.authMode === 'aad_token') {
    if (p.preflightPassed) {
      return new ActionError(
        'permission',
        `Wait a few minutes and re-run: the endpoint refused the Entra token (HTTP ${status}) although the identity holds '${SCORE_ACTION}'; new role assignments take up to 10 minutes to apply.`,
        [said],
      );
    }
    const report: PermissionReport = {
      principal: p.ctx.principal,
      missing: [{ action: SCORE_ACTION, scope: p.ctx.scopes.endpoint }],
      source: 'denied',
      note: `The scoring URI answered ${status} to a valid Microsoft Entra token: an identity without '${SCORE_ACTION}' gets this answer (it does not name the action; run with check-permissions: true to confirm). ${said}`,
    };
    return permissionError(report, p.ctx);
  }
  if (p.ctx.endpointType === 'online') {
    return new ActionError(
      'scoring',
      `Re-run the job: online endpoint '${p.ctx.endpoint}' refused the ${p.authMode === 'key' ? 'key' : 'token'} this run just obtained (HTTP ${status}); it may have been regenerated meanwhile.`,
      [said],
    );
  }
  return new ActionError(
    'permission',
    `Grant the identity the batch-invocation actions (run with check-permissions: true to list the missing ones): batch endpoint '${p.ctx.endpoint}' refused the job (HTTP ${status}).`,
    [said],
  );
}
