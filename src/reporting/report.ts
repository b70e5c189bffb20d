// What the user reads: step outputs, the job summary and, on failure, one error annotation whose
// first line says what to do. The summary is written even when the run fails, and writing it never
// fails the step.
import { Output } from '../constants.js';
import { describeThrown, isActionError, unexpectedError, type ActionError, type Whereabouts } from './errors.js';
import { duration } from './format.js';

export interface CoreLike {
  setOutput(name: string, value: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string, properties?: { title?: string }): void;
  debug(message: string): void;
  isDebug(): boolean;
  summary: { addRaw(text: string, addEOL?: boolean): unknown; write(): Promise<unknown> };
}

interface TimelineEntry {
  status: string;
  at: number;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export class Report {
  private readonly facts: [string, string][] = [];
  private readonly timeline: TimelineEntry[] = [];
  private readonly sections: string[] = [];
  private title = 'azureml-invoke';
  private outcome: string | undefined;
  private failure: ActionError | undefined;
  private readonly core: CoreLike;
  private readonly now: () => number;
  private readonly startedAt: number;

  constructor(core: CoreLike, now: () => number, startedAt: number = now()) {
    this.core = core;
    this.now = now;
    this.startedAt = startedAt;
  }

  setTitle(title: string): void {
    this.title = title;
  }

  /** Sets a step output (and nothing else: outputs are the contract, see action.yml). */
  output(name: (typeof Output)[keyof typeof Output], value: string | number): void {
    this.core.setOutput(name, String(value));
  }

  fact(label: string, value: string): void {
    const existing = this.facts.find(([l]) => l === label);
    if (existing) existing[1] = value;
    else this.facts.push([label, value]);
  }

  status(status: string, at: number): void {
    this.timeline.push({ status, at });
    this.outcome = status;
  }

  setOutcome(outcome: string): void {
    this.outcome = outcome;
  }

  section(markdown: string): void {
    this.sections.push(markdown);
  }

  /** Records the failure and raises the one error annotation; `where` the run was names an unexpected one. */
  fail(err: unknown, where?: Whereabouts): void {
    const failure = isActionError(err) ? err : unexpectedError(err, where);
    if (!isActionError(err) && err instanceof Error && this.core.isDebug()) this.core.debug(err.stack ?? '');
    this.failure = failure;
    const text = [failure.message, ...(failure.details.length ? ['', ...failure.details] : [])].join('\n');
    this.core.error(text, { title: `azureml-invoke: ${failure.kind === 'input' ? 'invalid input' : failure.kind.replace('-', ' ')}` });
    if (failure.summary) this.section(failure.summary);
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  markdown(): string {
    const outcome = this.failure ? `failed` : (this.outcome ?? 'done');
    const lines = [`## ${this.failure ? '❌' : '✅'} ${this.title}: ${outcome}`, ''];
    if (this.failure) lines.push(`> ${cell(this.failure.message)}`, '');
    if (this.facts.length) {
      lines.push('| | |', '| --- | --- |', ...this.facts.map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`), '');
    }
    if (this.timeline.length) {
      lines.push('| Status | Since start | Lasted |', '| --- | --- | --- |');
      this.timeline.forEach((t, i) => {
        const next = this.timeline[i + 1];
        const lasted = next ? duration(next.at - t.at) : '';
        lines.push(`| ${t.status} | ${duration(t.at)} | ${lasted} |`);
      });
      lines.push('');
    }
    lines.push(...this.sections.flatMap((s) => [s, '']));
    return lines.join('\n');
  }

  /** Duration output and the job summary; never throws. */
  async finish(): Promise<void> {
    const seconds = (this.now() - this.startedAt) / 1000;
    this.output(Output.durationSeconds, seconds.toFixed(1));
    this.fact('Duration', duration(seconds * 1000));
    try {
      this.core.summary.addRaw(this.markdown(), true);
      await this.core.summary.write();
    } catch (err) {
      this.core.debug(`Job summary not written: ${describeThrown(err)}`);
    }
  }
}
