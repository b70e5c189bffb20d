// Reads what Azure said when a call failed: the resource manager's JSON error, a data plane's
// JSON or plain-text body, and the principal/action/scope an authorization failure names.

export interface AzureFailure {
  status?: number;
  /** error.code of the body, or the transport's code (ECONNRESET…). */
  code?: string;
  message: string;
}

export interface Denial {
  action: string;
  scope: string;
  clientId?: string;
  objectId?: string;
  linked: boolean;
}

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  message?: string;
  response?: { status?: number; bodyAsText?: string | null };
}

/** The error body's code and message: `{"error":{"code","message"}}`, `{"message"}` or plain text. */
export function parseErrorBody(body: string | null | undefined): { code?: string; message?: string } {
  if (!body) return {};
  const text = body.trim();
  try {
    const json: unknown = JSON.parse(text);
    if (json && typeof json === 'object') {
      const o = json as Record<string, unknown>;
      const inner = (o.error && typeof o.error === 'object' ? o.error : o) as Record<string, unknown>;
      const code = typeof inner.code === 'string' ? inner.code : typeof o.error === 'string' ? o.error : undefined;
      const message =
        typeof inner.message === 'string'
          ? inner.message
          : typeof o.error_description === 'string'
            ? o.error_description
            : typeof o.message === 'string'
              ? o.message
              : undefined;
      return { code, message };
    }
    if (typeof json === 'string') return { message: json };
  } catch {
    // plain text, e.g. "key_auth_access_denied" or "Microsoft Entra Token denied by policy"
  }
  return { message: text.slice(0, 2000) };
}

/** Normalizes anything an Azure client threw. */
export function toAzureFailure(err: unknown): AzureFailure {
  const e = (err ?? {}) as RestErrorLike;
  const status = e.statusCode ?? e.response?.status;
  const fromBody = parseErrorBody(e.response?.bodyAsText);
  const code = e.code ?? fromBody.code;
  const message = fromBody.message ?? e.message ?? String(err);
  return { status, code, message };
}

/** A failure in a few words for a one-line note: "HTTP 403 AuthorizationFailed", "ECONNRESET", "no answer". */
export function briefly(f: AzureFailure): string {
  // Without a status or a code the message is all there is: a failure of the action's own (a bug) is
  // then named by its text, not passed off as "no answer".
  return [f.status ? `HTTP ${f.status}` : undefined, f.code].filter(Boolean).join(' ') || f.message.split('\n')[0] || 'no answer';
}

const AUTHORIZATION_FAILED = /The client '([^']*)' with object id '([^']*)' does not have authorization to perform action '([^']+)' over scope '([^']+)'/i;
const LINKED_AUTHORIZATION_FAILED =
  /The client '([^']*)' with object id '([^']*)' has permission to perform action '[^']+' on scope '[^']+'; however, it does not have permission to perform action(?:\(s\))? '([^']+)' on the linked scope\(s\) '([^']+)'/i;

/** The principal, action and scope an AuthorizationFailed / LinkedAuthorizationFailed message names. */
export function parseDenial(message: string): Denial | undefined {
  const linked = LINKED_AUTHORIZATION_FAILED.exec(message);
  if (linked) {
    return { clientId: linked[1] || undefined, objectId: linked[2] || undefined, action: linked[3], scope: linked[4].split(/',\s*'/)[0], linked: true };
  }
  const m = AUTHORIZATION_FAILED.exec(message);
  if (!m) return undefined;
  return { clientId: m[1] || undefined, objectId: m[2] || undefined, action: m[3], scope: m[4], linked: false };
}
