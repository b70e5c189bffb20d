// What the model behind an online deployment answers. Not an Azure behaviour (a deployment answers
// whatever its score.py returns) but what release gates need to be exercised: versions of one model
// that answer alike on most rows and differently on some, with the noise real answers carry (a
// request id, float jitter between hosts). Everything is a function of the world's seed, the row
// and the deployment, so a run repeats exactly.
import { unitOf, uuidOf } from './prng.js';
import type { ModelSpec, ScoringResponse } from './types.js';

/** The rows of a request: `input_data.data`, `data` or `input_data` when it is an array, else the body as one row. */
export function rowsOf(body: Buffer): unknown[] {
  try {
    const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const data = (json.input_data as { data?: unknown[] } | undefined)?.data ?? json.data ?? (Array.isArray(json.input_data) ? json.input_data : undefined);
    return Array.isArray(data) ? data : [json];
  } catch {
    return [body.toString('utf8')];
  }
}

/** A deployment's model: its answers, and how many it has given (for its request ids). */
export class Model {
  private readonly seed: number;
  private readonly deployment: string;
  private readonly spec: ModelSpec;
  private answered = 0;

  get version(): string {
    return this.spec.version;
  }

  constructor(seed: number, deployment: string, spec: ModelSpec) {
    this.seed = seed;
    this.deployment = deployment;
    this.spec = spec;
  }

  /**
   * One prediction per row: its class (0 or 1) and probability. Every version starts from the same
   * probability for a row (drawn from the seed and the row); a version answers the other class on
   * the share of rows it `changes` (chosen by the row and the version); jitter then moves the
   * probability by up to that relative amount, differently on each deployment.
   */
  answer(body: Buffer): ScoringResponse {
    const { version, changes = 0, jitter = 0, requestId = false } = this.spec;
    const { seed, deployment } = this;
    const probabilities = rowsOf(body).map((r) => {
      const row = JSON.stringify(r) ?? 'null';
      const p = unitOf(`${seed}/model/${row}`);
      const changed = unitOf(`${seed}/version/${version}/${row}`) < changes ? 1 - p : p;
      return changed * (1 + jitter * (2 * unitOf(`${seed}/${deployment}/jitter/${row}`) - 1));
    });
    const answer = { predictions: probabilities.map((p) => (p >= 0.5 ? 1 : 0)), probabilities };
    const n = this.answered++;
    return { status: 200, body: requestId ? { ...answer, request_id: uuidOf(`${seed}/${deployment}/request/${n}`) } : answer };
  }
}
