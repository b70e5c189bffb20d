// Thresholds in k6's grammar, one per line `metric: condition` (`latency: p(95)<800`,
// `failures: rate<0.01`): read, written back, and held against a measured value. Which values a
// run measures is the release gate's business (gate.ts).

/** Trend metrics take avg, min, med, max and p(N); rate metrics take rate and count. */
export const METRICS = {
  latency: 'trend',
  'latency-ratio': 'trend',
  failures: 'rate',
  mismatches: 'rate',
  agreement: 'rate',
} as const;

export type Metric = keyof typeof METRICS;

export type Aggregation = { p: number } | 'avg' | 'min' | 'med' | 'max' | 'rate' | 'count';

export const OPERATORS = ['<=', '>=', '==', '<', '>'] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Threshold {
  metric: Metric;
  aggregation: Aggregation;
  operator: Operator;
  value: number;
}

const AGGREGATIONS = { trend: ['avg', 'min', 'med', 'max', 'p(N)'], rate: ['rate', 'count'] } as const;

const NUMBER = String.raw`-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?`;
const LINE = new RegExp(String.raw`^\s*([\w-]+)\s*:\s*(p\(\s*(${NUMBER})\s*\)|[A-Za-z]+)\s*(<=|>=|==|<|>)\s*(${NUMBER})\s*$`);

/** Reads one line; throws an Error whose message says what is wrong and what is allowed. */
export function parseThreshold(line: string): Threshold {
  const m = LINE.exec(line);
  if (!m) {
    throw new Error(`write 'metric: condition' such as 'latency: p(95)<800' (operators ${OPERATORS.join(' ')})`);
  }
  const [, name, agg, p, op, value] = m;
  if (!Object.hasOwn(METRICS, name)) throw new Error(`'${name}' is not a metric; use one of ${Object.keys(METRICS).join(', ')}`);
  const metric = name as Metric;
  const kind = METRICS[metric];
  const aggregation: Aggregation = p !== undefined ? { p: Number(p) } : (agg as Aggregation);
  const allowed = AGGREGATIONS[kind] as readonly string[];
  if (!allowed.includes(typeof aggregation === 'string' ? aggregation : 'p(N)')) {
    throw new Error(`'${metric}' takes ${allowed.join(', ')}, not '${agg}'`);
  }
  if (typeof aggregation !== 'string' && !(aggregation.p > 0 && aggregation.p <= 100)) throw new Error(`p(${p}) is not a percentile above 0 and up to 100`);
  return { metric, aggregation, operator: op as Operator, value: Number(value) };
}

/** The threshold as a line `parseThreshold` reads back to the same threshold. */
export function formatThreshold(t: Threshold): string {
  return `${t.metric}: ${formatAggregation(t.aggregation)}${t.operator}${t.value}`;
}

export function formatAggregation(a: Aggregation): string {
  return typeof a === 'string' ? a : `p(${a.p})`;
}

/** Whether the measured value meets the threshold's condition. */
export function holds(t: Threshold, measured: number): boolean {
  switch (t.operator) {
    case '<':
      return measured < t.value;
    case '<=':
      return measured <= t.value;
    case '>':
      return measured > t.value;
    case '>=':
      return measured >= t.value;
    case '==':
      return measured === t.value;
  }
}
