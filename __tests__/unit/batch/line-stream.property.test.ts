// The line stream: however a growing file is cut into reads, every line comes out once, whole and
// in order; bytes sent again (a service that ignored the range) add nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineStream, MAX_LINE_BYTES } from '../../../src/batch/line-stream.js';

/** Lines without newlines, with multi-byte characters and stray carriage returns inside. */
const line = fc.string({ unit: fc.constantFrom('a', 'b', ' ', 'é', '→', '😀', '\r', ':'), maxLength: 30 });
const file = fc.record({ lines: fc.array(line, { maxLength: 20 }), endsWithNewline: fc.boolean(), crlf: fc.boolean() });

function text(f: { lines: string[]; endsWithNewline: boolean; crlf: boolean }): Buffer {
  const eol = f.crlf ? '\r\n' : '\n';
  return Buffer.from(f.lines.join(eol) + (f.endsWithNewline && f.lines.length ? eol : ''), 'utf8');
}

/** What a reader should show: each line once, without its line ending. */
function expected(f: { lines: string[]; endsWithNewline: boolean; crlf: boolean }): string[] {
  const all = text(f).toString('utf8').split('\n');
  if (all.at(-1) === '') all.pop();
  return all.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** Cut points in [0, n], sorted, as reads of a growing file end. */
const cuts = (n: number) => fc.uniqueArray(fc.integer({ min: 0, max: n }), { maxLength: 12 }).map((c) => [...c, n].sort((a, b) => a - b));

describe('LineStream', () => {
  it('any split of a file into reads gives every line exactly once, in order (the last one at flush)', () => {
    fc.assert(
      fc.property(
        file.chain((f) => fc.tuple(fc.constant(f), cuts(text(f).length))),
        ([f, ends]) => {
          const bytes = text(f);
          const s = new LineStream();
          const out: string[] = [];
          for (const end of ends) out.push(...s.push(bytes.subarray(s.offset, end)));
          out.push(...s.flush());
          expect(out).toEqual(expected(f));
          expect(s.offset).toBe(bytes.length);
        },
      ),
    );
  });

  it('a line is given only once its newline has come, or at flush', () => {
    const s = new LineStream();
    expect(s.push(Buffer.from('first\nsec'))).toEqual(['first']);
    expect(s.push(Buffer.from('ond hal'))).toEqual([]);
    expect(s.push(Buffer.from('f\nthird'))).toEqual(['second half']);
    expect(s.flush()).toEqual(['third']);
    expect(s.flush()).toEqual([]);
  });

  it('bytes read again from an earlier offset (a 200 with the whole blob) add nothing twice', () => {
    fc.assert(
      fc.property(
        file.chain((f) => fc.tuple(fc.constant(f), cuts(text(f).length), fc.array(fc.boolean(), { minLength: 13, maxLength: 13 }))),
        ([f, ends, whole]) => {
          const bytes = text(f);
          const s = new LineStream();
          const out: string[] = [];
          ends.forEach((end, i) => out.push(...(whole[i] ? s.push(bytes.subarray(0, end), 0) : s.push(bytes.subarray(s.offset, end)))));
          out.push(...s.flush());
          expect(out).toEqual(expected(f));
        },
      ),
    );
  });

  it('refuses bytes that start past what it has taken in (a gap would misplace lines)', () => {
    const s = new LineStream();
    s.push(Buffer.from('abc'));
    expect(() => s.push(Buffer.from('x'), 10)).toThrow(/past the 3 bytes/);
  });

  it('cuts a line longer than MAX_LINE_BYTES into pieces, never inside a character', () => {
    const long = '→'.repeat(MAX_LINE_BYTES); // 3 bytes each
    const s = new LineStream();
    const out = [...s.push(Buffer.from(`${long}\nend`)), ...s.flush()];
    expect(out.join('')).toBe(`${long}end`);
    expect(out.at(-1)).toBe('end');
    for (const piece of out) {
      expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(MAX_LINE_BYTES);
      expect(piece).not.toContain('\uFFFD');
    }
  });

  it('starts over after reset', () => {
    const s = new LineStream();
    s.push(Buffer.from('a\nb'));
    s.reset();
    expect(s.offset).toBe(0);
    expect([...s.push(Buffer.from('c\n')), ...s.flush()]).toEqual(['c']);
  });
});
