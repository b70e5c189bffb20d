// How the log and the summary write a length of time, and cut text to a size in bytes.

/** "45 s", "3 min 5 s", "2 h 10 min". */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** At most `limit` bytes of UTF-8, never cutting a character in half. */
export function truncateUtf8(text: string, limit: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= limit) return text;
  return bytes
    .subarray(0, limit)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
}
