// Reads and validates every input up front, before any request is made. Each concern declares its
// inputs and parses them in its own folder (signin/, azure/, storage/, batch/, online/,
// permissions/, github/: each folder's inputs.ts); this file composes them: the one table of inputs
// (npm run docs writes action.yml's inputs and the README's table from it), and the checks that
// span concerns.
import { Input } from './constants.js';
import { reader, rawInput, type InputGroup, type InputSource } from './input-parsing.js';
import { InputError } from './reporting/errors.js';
import { parseSignIn, SIGN_IN_INPUTS, type SignInInputs } from './signin/inputs.js';
import { AZURE_INPUTS, parseTarget, type EndpointType, type TargetInputs } from './azure/inputs.js';
import { DATA_INPUTS } from './storage/inputs.js';
import { BATCH_INPUTS, noBatchJob, parseAttach, parseBatchJob, type BatchJobInputs, type FollowInputs } from './batch/inputs.js';
import { noOnlineInvoke, ONLINE_INPUTS, parseOnlineInvoke, type OnlineInputs, type OnlineInvokeInputs } from './online/inputs.js';
import { PERMISSION_INPUTS, type CheckPermissions } from './permissions/inputs.js';
import { GITHUB_INPUTS, type CommentOnPr } from './github/inputs.js';

export type { InputSource } from './input-parsing.js';
export { parseBatchInput } from './storage/inputs.js';

/** Every input, by concern, in action.yml's order. */
export const INPUT_TABLE: readonly InputGroup[] = [SIGN_IN_INPUTS, AZURE_INPUTS, DATA_INPUTS, BATCH_INPUTS, ONLINE_INPUTS, PERMISSION_INPUTS, GITHUB_INPUTS];

export type Inputs = SignInInputs &
  TargetInputs &
  BatchJobInputs &
  FollowInputs &
  OnlineInvokeInputs &
  OnlineInputs & {
    checkPermissions: CheckPermissions;
    commentOnPr: CommentOnPr;
    /** For the pull-request comment; masked when read. */
    githubToken?: string;
  };

/** Every input of action.yml, parsed and checked; throws InputError on the first bad one. */
export function getInputs(source: InputSource, parseYaml: (text: string) => unknown): Inputs {
  maskSecrets(source);
  const read = reader(source);
  const signIn = parseSignIn(read);
  const attach = parseAttach(read, (name) => source.get(name).trim());
  const target = parseTarget(read, Boolean(attach.jobName));
  // Read whatever the endpoint type, in the order they have always been checked (of two bad inputs,
  // the same one is named). An input added since belongs in its concern's parse function.
  const checkPermissions = read(PERMISSION_INPUTS.inputs.checkPermissions);
  const commentOnPr = read(GITHUB_INPUTS.inputs.commentOnPr);
  const wait = read(BATCH_INPUTS.inputs.wait);
  const timeoutMs = read(BATCH_INPUTS.inputs.timeoutMinutes);
  const contentType = read(ONLINE_INPUTS.inputs.contentType);
  const concurrency = read(ONLINE_INPUTS.inputs.concurrency);
  const waitForReadyMs = read(AZURE_INPUTS.inputs.waitForReady);
  const stuckAfterMs = read(BATCH_INPUTS.inputs.stuckAfterMinutes);
  const maxLatencyMs = read(ONLINE_INPUTS.inputs.maxLatencyMs);
  refuseOtherEndpointType(source, target.endpointType);
  // Without a default, so set on an online run it is refused above. A job this step did not create
  // is cancelled only when asked in so many words.
  const cancelOnTimeout = read(BATCH_INPUTS.inputs.cancelOnTimeout) ?? !attach.jobName;

  // check-permissions: only invokes nothing and job-name follows a job that has its data, so neither
  // needs any. Local paths are relative to the checkout, as every path of a workflow step is.
  const needsData = checkPermissions !== 'only' && !attach.jobName;
  const workspaceDir = source.env.GITHUB_WORKSPACE || process.cwd();
  const batch = target.endpointType === 'batch';
  const job = batch ? parseBatchJob(read, { parseYaml, workspaceDir, needsData, wait }) : noBatchJob();
  const gate = { deployment: target.deployment, maxLatencyMs, workspaceDir };
  const invoke = batch ? noOnlineInvoke() : parseOnlineInvoke(read, (path) => source.readFile(path), contentType, needsData, gate);
  return {
    ...signIn,
    ...target,
    ...job,
    ...invoke,
    ...attach,
    wait,
    timeoutMs,
    cancelOnTimeout,
    contentType,
    concurrency,
    maxLatencyMs,
    checkPermissions,
    waitForReadyMs,
    stuckAfterMs,
    commentOnPr,
    githubToken: read(GITHUB_INPUTS.inputs.githubToken),
  };
}

/** A secret is masked the moment it is read, before any check could echo it. */
function maskSecrets(source: InputSource): void {
  for (const spec of INPUT_TABLE.flatMap((group) => Object.values(group.inputs))) {
    const secret = spec.secret ? rawInput(source, spec) : '';
    if (secret) source.setSecret(secret);
  }
}

/**
 * An input of the other endpoint type is a mistake worth stopping for. Those with a default are
 * always set (the runner passes the default), so only those without one can tell.
 */
function refuseOtherEndpointType(source: InputSource, endpointType: EndpointType): void {
  const misplaced = INPUT_TABLE.filter((group) => group.onlyFor && group.onlyFor !== endpointType)
    .flatMap((group) => Object.values(group.inputs))
    .find((spec) => spec.default === undefined && source.get(spec.name).trim());
  if (!misplaced) return;
  throw new InputError(
    endpointType === 'online'
      ? `Input '${misplaced.name}' is for batch endpoints but endpoint-type is 'online': use '${Input.request}' or '${Input.requestFile}', or set endpoint-type: batch.`
      : `Input '${misplaced.name}' is for online endpoints but endpoint-type is 'batch': use '${Input.input}' or '${Input.inputs}', or set endpoint-type: online.`,
  );
}
