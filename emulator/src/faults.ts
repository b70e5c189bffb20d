// Fault injection, deterministic from a seed: rules first (in order, counting their matches), then
// a random draw with the plan's rate. The same plan and request order give the same faults.
import { Prng } from './prng.js';
import type { FaultKind, FaultPlan, FaultRule, Service } from './types.js';

const RANDOM_KINDS: FaultKind[] = ['429', '429-no-retry-after', '500', '502', '503', '504', 'reset', 'lost-response'];

export class Faults {
  private readonly prng: Prng;
  private readonly seen = new Map<FaultRule, number>();
  private readonly fired = new Map<FaultRule, number>();
  private last: FaultRule | undefined;
  private readonly plan: FaultPlan;

  constructor(plan: FaultPlan, seed: number) {
    this.plan = plan;
    this.prng = new Prng(plan.seed ?? seed);
  }

  private matches(rule: FaultRule, service: Service, method: string, path: string): boolean {
    if (rule.service && rule.service !== service) return false;
    if (rule.method && rule.method.toUpperCase() !== method) return false;
    if (rule.path instanceof RegExp) return rule.path.test(path);
    if (typeof rule.path === 'string') return path.toLowerCase().includes(rule.path.toLowerCase());
    return true;
  }

  /** The fault for this request, if any. */
  draw(service: Service, method: string, path: string): FaultKind | undefined {
    this.last = undefined;
    for (const rule of this.plan.rules ?? []) {
      if (!this.matches(rule, service, method, path)) continue;
      const seen = (this.seen.get(rule) ?? 0) + 1;
      this.seen.set(rule, seen);
      if (seen <= (rule.after ?? 0)) continue;
      const fired = this.fired.get(rule) ?? 0;
      if (fired >= (rule.times ?? 1)) continue;
      this.fired.set(rule, fired + 1);
      this.last = rule;
      return rule.kind;
    }
    const rate = this.plan.rate ?? 0;
    if (rate <= 0 || (this.plan.exclude ?? []).includes(service)) return undefined;
    // Two draws per request always, so the sequence does not depend on which requests are faulted.
    const hit = this.prng.next() < rate;
    const kind = this.prng.pick(this.plan.kinds ?? RANDOM_KINDS);
    return hit ? kind : undefined;
  }

  /** Retry-After of the fault the last draw returned: its rule's, else 1. */
  retryAfterSeconds(): number {
    return this.last?.retryAfterSeconds ?? 1;
  }

  /** Delay of the 'slow' fault the last draw returned: its rule's, else 2 s. */
  delayMs(): number {
    return this.last?.delayMs ?? 2000;
  }
}
