// One growing log file read a piece at a time: each piece is the bytes from some offset, and out
// come the lines it completes, each once, in order, whatever the pieces' boundaries (a line, or a
// UTF-8 character, split across two reads; a service that sends again bytes already seen). The
// last line waits for its newline until the file is known to be done (flush).

/** A line longer than this is shown in pieces of this size rather than held back. */
export const MAX_LINE_BYTES = 64 * 1024;

const NEWLINE = 0x0a;

function decode(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/** Where a cut at `at` or before it does not split a UTF-8 character. */
function safeCut(bytes: Buffer, at: number): number {
  let cut = at;
  while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--;
  return cut > 0 ? cut : at;
}

/** Moves whole MAX_LINE_BYTES pieces of an over-long line into `out`; returns what is left. */
function cutLong(line: Buffer, out: string[]): Buffer {
  let rest = line;
  while (rest.length > MAX_LINE_BYTES) {
    const cut = safeCut(rest, MAX_LINE_BYTES);
    out.push(decode(rest.subarray(0, cut)));
    rest = rest.subarray(cut);
  }
  return rest;
}

export class LineStream {
  /** Bytes of the file taken in so far: where the next read starts. */
  offset = 0;
  private pending: Buffer = Buffer.alloc(0);

  /**
   * Takes the bytes a read returned from file offset `from` (the whole file from 0 when a service
   * ignored the range asked for) and returns the lines they complete. Bytes before `offset` were
   * seen already and are skipped; bytes after a gap would misplace lines and are refused.
   */
  push(bytes: Buffer, from = this.offset): string[] {
    if (from > this.offset) throw new Error(`read from byte ${from}, past the ${this.offset} bytes taken in`);
    const fresh = bytes.subarray(Math.min(bytes.length, this.offset - from));
    if (fresh.length === 0) return [];
    this.offset += fresh.length;
    let buffer = this.pending.length ? Buffer.concat([this.pending, fresh]) : fresh;
    const lines: string[] = [];
    for (let nl = buffer.indexOf(NEWLINE); nl >= 0; nl = buffer.indexOf(NEWLINE)) {
      const line = cutLong(buffer.subarray(0, nl), lines);
      lines.push(decode(line));
      buffer = buffer.subarray(nl + 1);
    }
    // A copy: the read's buffer is not kept alive by a few pending bytes.
    this.pending = Buffer.from(cutLong(buffer, lines));
    return lines;
  }

  /** The last line, newline or not: called once the file will not grow any more. */
  flush(): string[] {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return rest.length ? [decode(rest)] : [];
  }

  /** Starts over (the file was replaced by a shorter one). */
  reset(): void {
    this.offset = 0;
    this.pending = Buffer.alloc(0);
  }
}
