// What every concern's inputs share: the row each input is declared with (each folder's inputs.ts
// holds its own rows and their parse; src/inputs.ts composes them into the one table that
// `npm run docs` writes action.yml's inputs and the README's table from), the reader that applies a
// row's environment variable and default, and the parsers. Nothing here touches the network: a bad
// input fails with one line naming the input, the value and what is allowed.
import { InputError } from './reporting/errors.js';

export interface InputSource {
  /** The raw input as the runner passes it ('' when not set). */
  get(name: string): string;
  env: Record<string, string | undefined>;
  readFile(path: string): string;
  /** Called with every secret the moment it is read. */
  setSecret(value: string): void;
}

/** The folder of src/ that declares, parses and uses the input. */
type Concern = 'signin' | 'azure' | 'storage' | 'batch' | 'online' | 'permissions' | 'github';

/** One row of the table: one input of action.yml. */
export interface InputSpec<T = unknown> {
  /** Its name in action.yml (constants.ts `Input`). */
  name: string;
  /** action.yml's description, and the README's. */
  description: string;
  /** `required: true` in action.yml; its parse still names it when it is empty. */
  required?: true;
  /** action.yml's default, applied by the reader as well (a `${{ }}` expression only by the runner). */
  default?: string;
  /** The environment variable read when the input is empty. */
  env?: string;
  /** Masked before any input is checked. */
  secret?: true;
  /** Passed as given, not trimmed (a secret, a request body). */
  verbatim?: true;
  /** The value from the raw text ('' when unset); throws InputError, through `bad`, on a bad one. */
  parse: (name: string, raw: string) => T;
}

/** One concern's rows, in the order action.yml lists them. */
export interface InputGroup {
  concern: Concern;
  /** Its inputs apply to this endpoint type only: set with the other, those without a default are refused. */
  onlyFor?: 'batch' | 'online';
  inputs: Record<string, InputSpec>;
}

/** Reads one row's value: its raw text (or environment variable, or default), parsed. */
export type Read = <T>(spec: InputSpec<T>) => T;

const isExpression = (value: string) => value.startsWith('${{');

/** The text a row's parse gets: the input, else its environment variable, else its default, else ''. */
export function rawInput(source: InputSource, spec: InputSpec): string {
  const given = spec.verbatim ? source.get(spec.name) : source.get(spec.name).trim();
  const fromEnv = spec.env ? source.env[spec.env]?.trim() : undefined;
  const fallback = spec.default !== undefined && !isExpression(spec.default) ? spec.default : '';
  return given || fromEnv || fallback;
}

export function reader(source: InputSource): Read {
  return (spec) => spec.parse(spec.name, rawInput(source, spec));
}

/** The text itself: the concern's own code checks it, with what it depends on. */
export const text = (_name: string, raw: string): string => raw;

/** Left out ('' gives undefined), or parsed. */
export function optional<T>(parse: (name: string, raw: string) => T): (name: string, raw: string) => T | undefined {
  return (name, raw) => (raw ? parse(name, raw) : undefined);
}

export function bad(name: string, value: string, allowed: string): never {
  // One line, always: a parser's message may quote the text it read, newlines and all.
  throw new InputError(`Input '${name}' ${value === '' ? 'is required' : `is '${truncate(value)}'`}: ${allowed.replace(/\s+/g, ' ')}`);
}

function truncate(value: string): string {
  const oneLine = value.replace(/\s+/g, ' ');
  return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}

/** A file an input names (request-file, expected-file), read; one that cannot be is the input's error. */
export function readInputFile(name: string, file: string, readFile: (path: string) => string): string {
  try {
    return readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String(code ?? err);
    return bad(name, file, `cannot read it (${why}); give a path relative to the workspace checkout.`);
  }
}

export function oneOf<T extends string>(name: string, raw: string, allowed: readonly T[]): T {
  const hit = allowed.find((a) => a.toLowerCase() === raw.toLowerCase());
  if (!hit) bad(name, raw, `use one of ${allowed.map((a) => `'${a}'`).join(', ')}.`);
  return hit;
}

export function matches(name: string, raw: string, pattern: RegExp, rule: string): string {
  if (!pattern.test(raw)) bad(name, raw, rule);
  return raw;
}

export function boolean(name: string, raw: string): boolean {
  if (/^(true)$/i.test(raw)) return true;
  if (/^(false)$/i.test(raw)) return false;
  return bad(name, raw, "use 'true' or 'false'.");
}

export function wholeNumber(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || n < min || n > max) bad(name, raw, `use a whole number from ${min} to ${max}.`);
  return n;
}

export function positiveNumber(name: string, raw: string, opts: { integer?: boolean; max?: number } = {}): number {
  const n = Number(raw);
  const ok = raw.trim() !== '' && Number.isFinite(n) && n > 0 && (!opts.integer || Number.isInteger(n));
  if (!ok || (opts.max !== undefined && n > opts.max)) {
    bad(name, raw, `use a ${opts.integer ? 'whole ' : ''}number greater than 0${opts.max !== undefined ? ` and at most ${opts.max}` : ''}.`);
  }
  return n;
}

export function nonNegativeNumber(name: string, raw: string, max: number): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > max) bad(name, raw, `use a number of minutes from 0 to ${max}.`);
  return n;
}

/** Minutes, as the milliseconds the code waits. */
export const minutesToMs = (minutes: number): number => Math.round(minutes * 60_000);

const MAP_KEY = /^[a-zA-Z_][a-zA-Z0-9_]{0,254}$/;

/** A YAML or JSON map of named entries (the `inputs` and `outputs` inputs), not empty, each name valid. */
export function parseMap(name: string, raw: string, parseYaml: (text: string) => unknown, example: string, item: 'input' | 'output'): Record<string, unknown> {
  let doc: unknown;
  const trimmed = raw.trim();
  try {
    doc = trimmed.startsWith('{') ? JSON.parse(trimmed) : parseYaml(trimmed);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return bad(name, raw, `write a YAML or JSON map (${why}).`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || Object.keys(doc).length === 0) return bad(name, raw, example);
  for (const key of Object.keys(doc)) {
    if (!MAP_KEY.test(key)) bad(name, key, `name each ${item} with letters, digits and underscores, starting with a letter or underscore.`);
  }
  return doc as Record<string, unknown>;
}
