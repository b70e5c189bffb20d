// The failures the action reports on purpose. Each carries a first line that says what to do and
// optional detail lines; anything else that reaches the top is a bug and is reported as such.

export type FailureKind =
  'input' | 'signin' | 'permission' | 'not-found' | 'not-ready' | 'job-failed' | 'job-canceled' | 'timeout' | 'scoring' | 'network' | 'azure' | 'cancelled';

export class ActionError extends Error {
  readonly kind: FailureKind;
  readonly details: string[];
  /** Markdown for the job summary, when the failure has more to show than its lines. */
  readonly summary?: string;
  /** For permission failures: the actions that are missing (the missing-actions output). */
  readonly missingActions?: string[];

  constructor(kind: FailureKind, message: string, details: string[] = [], extra: { summary?: string; missingActions?: string[] } = {}) {
    super(message);
    this.name = 'ActionError';
    this.kind = kind;
    this.details = details;
    this.summary = extra.summary;
    this.missingActions = extra.missingActions;
  }
}

/** An input that cannot be used: names the input, the value and what is allowed. */
export class InputError extends ActionError {
  constructor(message: string) {
    super('input', message);
    this.name = 'InputError';
  }
}

/**
 * Whether a thrown value is an ActionError. Checked by shape, not instanceof: the entry bundle and
 * the Azure bundle each carry their own copy of the class.
 */
export function isActionError(err: unknown): err is ActionError {
  return err instanceof Error && typeof (err as ActionError).kind === 'string' && Array.isArray((err as ActionError).details);
}

/** Where a run was: the phase (a log group, or just after one) and the last request sent. */
export interface Whereabouts {
  phase?: string;
  /** null: none was sent yet; undefined: not known here. */
  lastRequest?: string | null;
}

/**
 * An error no part of the action explains: a bug. Its first line names the phase and the last
 * request, so that a report of it is enough to find where it happened.
 */
export function unexpectedError(err: unknown, where: Whereabouts = {}): ActionError {
  const at = [
    where.phase ? `in ${where.phase}` : undefined,
    where.lastRequest === null ? 'before any request' : where.lastRequest && `after ${where.lastRequest}`,
  ]
    .filter(Boolean)
    .join(', ');
  return new ActionError('azure', `azureml-invoke stopped on an unexpected error${at ? ` (${at})` : ''}: ${describeThrown(err)}`, [
    'This is a bug in the action; please report it with this message and the log (run with debug logging for details).',
  ]);
}

/** core, recording each log group it opens as the phase of the run (what an unexpected error names). */
export function trackPhases<C extends { group<T>(name: string, fn: () => Promise<T>): Promise<T> }>(core: C, where: Whereabouts): C {
  return {
    ...core,
    group: async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      where.phase = `'${name}'`;
      const result = await core.group(name, fn);
      // A group that throws stays the phase: the error happened in it.
      where.phase = `the step after '${name}'`;
      return result;
    },
  };
}

/** Text of anything thrown, including non-Error throws (a thrown string must not vanish). */
export function describeThrown(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}
