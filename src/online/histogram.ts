// The latency distribution as the job summary shows it: a few buckets of a round width, one column
// per deployment, each count drawn as a bar of Unicode blocks (they render in every summary and
// pull-request comment, where an image or a chart would not).

export interface Bucket {
  /** From `from` (inclusive) to `to` (exclusive; the last bucket holds `to` itself). */
  from: number;
  to: number;
  /** How many values of each series fall in it. */
  counts: number[];
}

/** Buckets of one round width (1, 2 or 5 × 10^k, at least 1) covering every value of every series. */
export function buckets(series: number[][], most = 8): Bucket[] {
  const all = series.flat();
  if (all.length === 0) return [];
  const lo = all.reduce((x, y) => Math.min(x, y));
  const hi = all.reduce((x, y) => Math.max(x, y));
  const width = roundWidth((hi - lo) / most);
  const start = Math.floor(lo / width) * width;
  const count = Math.max(1, Math.floor((hi - start) / width) + 1);
  const out: Bucket[] = Array.from({ length: count }, (_, i) => ({ from: start + i * width, to: start + (i + 1) * width, counts: series.map(() => 0) }));
  series.forEach((values, s) => {
    for (const v of values) out[Math.min(count - 1, Math.floor((v - start) / width))].counts[s]++;
  });
  return out;
}

function roundWidth(atLeast: number): number {
  if (!(atLeast > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(atLeast));
  const step = [1, 2, 5, 10].find((m) => m * power >= atLeast) ?? 10;
  return step * power;
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar `width` blocks long for the largest count, in eighths of a block; any count above 0 shows. */
export function bar(count: number, largest: number, width = 20): string {
  if (count <= 0 || largest <= 0) return '';
  const eighths = Math.max(1, Math.round((count / largest) * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/** A markdown table: one row per bucket, one column of bars per series. */
export function histogramTable(series: { label: string; values: number[] }[]): string {
  const rows = buckets(series.map((s) => s.values));
  const largest = rows.flatMap((r) => r.counts).reduce((x, y) => Math.max(x, y), 0);
  return [
    `| Latency (ms) | ${series.map((s) => s.label).join(' | ')} |`,
    `| --- |${' --- |'.repeat(series.length)}`,
    ...rows.map((r) => `| ${r.from}–${r.to} | ${r.counts.map((c) => `${bar(c, largest)} ${c}`.trim()).join(' | ')} |`),
  ].join('\n');
}
