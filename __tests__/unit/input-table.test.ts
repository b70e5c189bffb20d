// The rules the table of inputs drives, for every row: defaults, environment variables, secrets,
// and the inputs refused with the other endpoint type.
import { describe, expect, it } from 'vitest';
import { getInputs, INPUT_TABLE, type InputSource } from '../../src/inputs.js';
import { rawInput, type InputSpec } from '../../src/input-parsing.js';
import { VALID_BATCH } from '../bad-inputs.js';

const VALID_ONLINE: Record<string, string> = { ...VALID_BATCH, 'endpoint-type': 'online', input: '', request: '{}' };
const specs = INPUT_TABLE.flatMap((group) => Object.values(group.inputs));

function source(values: Record<string, string>, env: Record<string, string> = {}): InputSource & { secrets: string[] } {
  const secrets: string[] = [];
  return { get: (name) => values[name] ?? '', env, readFile: () => '{}', setSecret: (v) => secrets.push(v), secrets };
}

const refusal = (values: Record<string, string>) => {
  try {
    getInputs(source(values), JSON.parse);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
};

describe('the table of inputs', () => {
  it('gives each input a default its own parse accepts (a runner expression is the runner’s)', () => {
    const defaulted = specs.filter((s) => s.default !== undefined && !s.default.startsWith('${{'));
    expect(defaulted.length).toBeGreaterThan(10);
    for (const spec of defaulted) expect(() => spec.parse(spec.name, spec.default!), spec.name).not.toThrow();
  });

  it('reads the input, else its environment variable, else its default; trimmed unless verbatim', () => {
    const spec: InputSpec = { name: 'x', env: 'X_ENV', default: 'd', description: '', parse: (_n, raw) => raw };
    expect(rawInput(source({ x: ' given ' }, { X_ENV: 'env' }), spec)).toBe('given');
    expect(rawInput(source({ x: ' ' }, { X_ENV: ' env ' }), spec)).toBe('env');
    expect(rawInput(source({}, {}), spec)).toBe('d');
    expect(rawInput(source({ x: ' given ' }), { ...spec, verbatim: true })).toBe(' given ');
    expect(rawInput(source({}), { ...spec, default: '${{ github.token }}' })).toBe('');
  });

  it('masks every secret input before anything is checked', () => {
    const secrets = specs.filter((s) => s.secret);
    expect(secrets.map((s) => s.name)).toEqual(['client-secret', 'github-token']);
    const s = source({ ...VALID_BATCH, workspace: '', ...Object.fromEntries(secrets.map((spec) => [spec.name, `${spec.name}-value`])) });
    expect(() => getInputs(s, JSON.parse)).toThrow();
    expect(s.secrets).toEqual(['client-secret-value', 'github-token-value']);
  });

  describe('an input of one endpoint type set with the other is refused, naming it', () => {
    const only = (type: 'batch' | 'online') =>
      INPUT_TABLE.filter((g) => g.onlyFor === type)
        .flatMap((g) => Object.values(g.inputs))
        .filter((s) => s.default === undefined)
        .map((s) => s.name);

    it.each(only('batch'))('%s with endpoint-type online', (name) => {
      expect(refusal({ ...VALID_ONLINE, [name]: '1' })).toMatch(new RegExp(`^Input '${name}' is for batch endpoints but endpoint-type is 'online'`));
    });

    it.each(only('online'))('%s with endpoint-type batch', (name) => {
      expect(refusal({ ...VALID_BATCH, [name]: '1' })).toMatch(new RegExp(`^Input '${name}' is for online endpoints but endpoint-type is 'batch'`));
    });

    it('but not one with a default: the runner always passes it', () => {
      const defaulted = INPUT_TABLE.filter((g) => g.onlyFor)
        .flatMap((g) => Object.values(g.inputs))
        .filter((s) => s.default !== undefined);
      expect(defaulted.map((s) => s.name)).toContain('wait');
      for (const spec of defaulted) {
        expect(refusal({ ...VALID_ONLINE, [spec.name]: spec.default! }), spec.name).toBeUndefined();
        expect(refusal({ ...VALID_BATCH, [spec.name]: spec.default! }), spec.name).toBeUndefined();
      }
    });
  });
});
