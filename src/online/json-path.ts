// The JSON paths `ignore-fields` takes, a small subset of JSONPath (RFC 9535): `$.a.b`, `$.a[0]`,
// `$.a[*].b`, `$..b` (any depth) and `$['a b']`, and how an answer's own paths are written in the
// lines that name a mismatch (in the same notation, so a line's path can be pasted into ignore-fields).

/** Where a value sits in an answer: object keys and array indices from the top. */
export type Path = (string | number)[];

/** One step of a path pattern: a member name, an array index or any child; `deep`: at any depth below (`..`). */
export interface Step {
  select: { name: string } | { index: number } | 'any';
  deep: boolean;
}

export type PathPattern = Step[];

/** A name written after a dot; anything else is written in brackets and quotes. */
const DOT_NAME = /^[A-Za-z_$][\w$-]*$/;

/** `$.predictions[0]`, `$['a b']`: how the lines of a mismatch name a place in an answer. */
export function formatPath(path: Path): string {
  return `$${path.map((k) => (typeof k === 'number' ? `[${k}]` : DOT_NAME.test(k) ? `.${k}` : `['${k.replace(/[\\']/g, '\\$&')}']`)).join('')}`;
}

/** Reads one path; throws an Error whose message says what is wrong with it. */
export function parsePath(text: string): PathPattern {
  const src = text.trim();
  if (!src.startsWith('$')) throw new Error("it does not start with '$'");
  const steps: PathPattern = [];
  let i = 1;
  while (i < src.length) {
    const deep = src.startsWith('..', i);
    if (deep) i += 2;
    else if (src[i] === '.') i += 1;
    else if (src[i] !== '[') throw new Error(`it has '${src[i]}' where '.' or '[' belongs (at ${i + 1})`);
    const read = src[i] === '[' ? bracket(src, i) : dotted(src, i);
    steps.push({ select: read.select, deep });
    i = read.end;
  }
  if (steps.length === 0) throw new Error("it names the whole answer; name a field in it, e.g. '$.request_id'");
  return steps;
}

function dotted(src: string, at: number): { select: Step['select']; end: number } {
  if (src[at] === '*') return { select: 'any', end: at + 1 };
  const m = /^[^.[\]\s'"*,]+/.exec(src.slice(at));
  if (!m) throw new Error(`it has no name after '.' (at ${at + 1})`);
  return { select: { name: m[0] }, end: at + m[0].length };
}

function bracket(src: string, at: number): { select: Step['select']; end: number } {
  const rest = src.slice(at);
  const m = /^\[\s*(?:(\*)|(\d+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]/.exec(rest);
  if (!m) throw new Error(`it has a bracket that is not [<index>], [*] or ['<name>'] (at ${at + 1})`);
  const end = at + m[0].length;
  if (m[1]) return { select: 'any', end };
  if (m[2] !== undefined) return { select: { index: Number(m[2]) }, end };
  return { select: { name: (m[3] ?? m[4]).replace(/\\(.)/g, '$1') }, end };
}

/**
 * Whether the pattern names the place at `path` or one of its parents: what a pattern leaves out
 * is the value it names, everything inside it included.
 */
export function covers(pattern: PathPattern, path: Path): boolean {
  const from = (p: number, k: number): boolean => {
    if (p === pattern.length) return true;
    const step = pattern[p];
    if (!step.deep) return k < path.length && selects(step, path[k]) && from(p + 1, k + 1);
    for (let j = k; j < path.length; j++) if (selects(step, path[j]) && from(p + 1, j + 1)) return true;
    return false;
  };
  return from(0, 0);
}

function selects(step: Step, key: string | number): boolean {
  const s = step.select;
  if (s === 'any') return true;
  return 'name' in s ? s.name === key : s.index === key;
}
