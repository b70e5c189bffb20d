// The model's own log, read as `az ml online-deployment get-logs` reads it: the online deployment's
// getLogs operation through the resource manager (POST …/deployments/{d}/getLogs with
// {containerType: InferenceServer, tail}, mfe.json OnlineDeployments_GetLogs). Shown in a log
// group and the job summary; a log that cannot be read is one line, never a second failure.
import type { Arm } from '../azure/arm.js';
import { armCall, ArmError } from '../azure/arm.js';
import { briefly, parseDenial } from '../azure/azure-errors.js';
import type { Inputs } from '../inputs.js';
import { DIAGNOSTIC_ACTIONS } from '../permissions/catalog.js';

/** Lines of the log shown at most. */
export const MODEL_LOG_LINES = 100;
/** Lines of it repeated in the error annotation at most. */
const ANNOTATION_LINES = 10;

export type ModelLog = { deployment: string; lines: string[] } | { deployment: string; unavailable: string };

/** The log's lines, split as the CLI prints them (it turns escaped line breaks into real ones). */
export function logLines(content: string, max = MODEL_LOG_LINES): string[] {
  const lines = content.replace(/\\n/g, '\n').split(/\r?\n/);
  while (lines.at(-1)?.trim() === '') lines.pop();
  return lines.slice(-max);
}

/** The lines of a log that name an error: error-level lines, exceptions, tracebacks. */
export function errorLines(lines: string[], max = ANNOTATION_LINES): string[] {
  return lines.filter((l) => /^\S+ \S+ E \[|Traceback|Exception|Error\b/.test(l)).slice(-max);
}

export async function readModelLog(
  arm: Arm,
  inputs: Pick<Inputs, 'resourceGroup' | 'workspace' | 'endpoint'>,
  deployment: string,
  max = MODEL_LOG_LINES,
): Promise<ModelLog> {
  try {
    const logs = await armCall(`read the log of deployment '${deployment}'`, () =>
      arm.ml.onlineDeployments.getLogs(inputs.resourceGroup, inputs.workspace, inputs.endpoint, deployment, { containerType: 'InferenceServer', tail: max }),
    );
    return { deployment, lines: logLines(logs.content ?? '', max) };
  } catch (err) {
    const f: { message: string; status?: number; code?: string } = err instanceof ArmError ? err.failure : { message: String(err) };
    if (f.status === 403 || /AuthorizationFailed/i.test(f.code ?? '')) {
      const action = parseDenial(f.message)?.action ?? DIAGNOSTIC_ACTIONS.modelLogs;
      return {
        deployment,
        unavailable: `The model's log was not read: the identity lacks '${action}' on deployment '${deployment}' (AzureML Data Scientist includes it).`,
      };
    }
    return { deployment, unavailable: `The model's log was not read (${briefly(f)}: ${f.message}).` };
  }
}

export interface LogSink {
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  info(message: string): void;
  warning(message: string): void;
  section(markdown: string): void;
}

/**
 * Prints the log in a group and the summary; returns the lines for the error annotation: the
 * log's error lines, or the one line saying why there is no log.
 */
export async function showModelLog(sink: LogSink, log: ModelLog): Promise<string[]> {
  if ('unavailable' in log) {
    sink.warning(log.unavailable);
    return [log.unavailable];
  }
  const title = `Model log: deployment '${log.deployment}' (last ${log.lines.length} lines)`;
  // eslint-disable-next-line @typescript-eslint/require-await -- group takes an async callback
  await sink.group(title, async () => {
    for (const line of log.lines) sink.info(line);
    if (log.lines.length === 0) sink.info('(the log is empty: the container may not have started)');
  });
  sink.section([`### ${title}`, '', '```text', ...log.lines, '```'].join('\n'));
  const errors = errorLines(log.lines);
  return errors.length
    ? ["The model's log names the error:", ...errors.map((l) => `  ${l}`)]
    : [`The model's log names no error; its last ${log.lines.length} lines are in the log group and the job summary.`];
}
