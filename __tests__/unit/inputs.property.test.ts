// Input validation, for thousands of random values of every input of action.yml: the inputs are
// read and accepted, or refused with one line that names a declared input, carries no stack trace
// and no secret; and nothing is sent anywhere while they are read.
import http from 'node:http';
import https from 'node:https';
import fc from 'fast-check';
import { CORE_SCHEMA, load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getInputs, type InputSource } from '../../src/inputs.js';
import { InputError } from '../../src/reporting/errors.js';
import { actionYml } from '../../scripts/runner.js';
import { VALID_BATCH } from '../bad-inputs.js';

const SECRET = 's3cr3t-value-that-must-not-print';
const batch = VALID_BATCH;
const online: Record<string, string> = { ...batch, 'endpoint-type': 'online', endpoint: 'score-key', input: '', request: '{"data": [1]}' };
const names = Object.keys(actionYml.inputs);

/** Values an input is most likely to break on: valid ones of other inputs, near misses, odd text. */
const interesting = [
  ...new Set([
    ...Object.values(batch),
    ...Object.values(online),
    ...Object.values(actionYml.inputs).flatMap((s) => (s.default === undefined ? [] : [s.default])),
  ]),
  'online',
  'BATCH',
  'client-secret',
  'managed-identity',
  'azure-cli',
  'warn',
  'only',
  'uri_file',
  'AzureChinaCloud',
  '0',
  '-1',
  '1e309',
  'NaN',
  'http://example.com/',
  'https://h/p?q=1',
  'azureml:asset@latest',
  'azureml://datastores/ds/paths/p',
  'requests.jsonl',
  'a: {type: string, value: x}',
  '{',
  '- a',
  ' ',
  '\n',
  'x\ny',
  `${'a'.repeat(300)}`,
  'é',
  '😀',
  '\u2028',
  '%0A',
  '::error::x',
  '${{ secrets.X }}',
];
const value = fc.oneof(
  fc.constantFrom(...interesting),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.string({ unit: fc.constantFrom('a', '-', '_', '.', ':', '/', ' ', '\n', '\t', '1', 'Z'), maxLength: 40 }),
);

function source(values: Record<string, string>): InputSource {
  return {
    get: (name) => values[name] ?? '',
    env: {},
    readFile: (path) => {
      if (path === 'requests.jsonl') return '{"a": 1}\n{"a": 2}\n';
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    },
    setSecret: () => undefined,
  };
}
const parseYaml = (text: string) => load(text, { schema: CORE_SCHEMA });

/** The error getInputs throws, or undefined when the inputs are accepted. */
function refusal(values: Record<string, string>): unknown {
  try {
    getInputs(source(values), parseYaml);
    return undefined;
  } catch (err) {
    return err;
  }
}

function expectOneLineNamingAnInput(err: unknown, secret?: string): void {
  expect(err).toBeInstanceOf(InputError);
  const message = (err as InputError).message;
  expect(message).not.toMatch(/[\r\n\u2028\u2029]/);
  expect(message).not.toMatch(/\bat .*:\d+:\d+|node:internal|\.ts:\d+/);
  expect(
    names.some((n) => message.includes(`'${n}'`) || message.includes(`'${n}.`)),
    message,
  ).toBe(true);
  if (secret) expect(message).not.toContain(secret);
}

const sockets = { requests: 0 };
beforeAll(() => {
  const count = () => {
    sockets.requests++;
    throw new Error('a request while reading inputs');
  };
  vi.spyOn(http, 'request').mockImplementation(count);
  vi.spyOn(https, 'request').mockImplementation(count);
  vi.spyOn(globalThis, 'fetch').mockImplementation(count);
});
afterAll(() => {
  vi.restoreAllMocks();
  expect(sockets.requests).toBe(0);
});

describe('every input, random values (fast-check)', () => {
  it.each(names)('%s', (name) => {
    fc.assert(
      fc.property(fc.constantFrom(batch, online), value, (base, v) => {
        const err = refusal({ ...base, [name]: v });
        if (err !== undefined) expectOneLineNamingAnInput(err);
      }),
      { numRuns: 2000 },
    );
  });

  it('a client secret never appears in a refusal, whatever else is wrong', () => {
    fc.assert(
      fc.property(fc.constantFrom(...names), value, fc.constantFrom('client-secret', 'oidc'), (name, v, authType) => {
        const err = refusal({ ...batch, 'auth-type': authType, 'client-secret': SECRET, [name]: name === 'client-secret' ? SECRET : v });
        if (err !== undefined) expectOneLineNamingAnInput(err, SECRET);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('choices: a value outside the allowed ones is named, with what is allowed', () => {
  const choices: Record<string, string[]> = {
    'auth-type': ['oidc', 'client-secret', 'managed-identity', 'azure-cli'],
    cloud: ['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud'],
    'endpoint-type': ['batch', 'online'],
    'check-permissions': ['true', 'false', 'warn', 'only'],
    'input-type': ['uri_folder', 'uri_file'],
    wait: ['true', 'false'],
    'cancel-on-timeout': ['true', 'false'],
  };
  it.each(Object.entries(choices))('%s', (name, allowed) => {
    const outside = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 60 })
      .filter((s) => s.trim() !== '' && !allowed.some((a) => a.toLowerCase() === s.trim().toLowerCase()));
    fc.assert(
      fc.property(outside, (v) => {
        const err = refusal({ ...batch, [name]: v });
        expectOneLineNamingAnInput(err);
        const message = (err as InputError).message;
        expect(message).toContain(`Input '${name}' is '`);
        for (const a of allowed) expect(message).toContain(`'${a}'`);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('audience and github-token: refused with a space or a control character inside, accepted without', () => {
  // What a header or a token claim can carry: visible ASCII. Spaces, tabs, line breaks and other
  // control characters (C0, DEL, C1, U+2028) are what a pasted or templated value picks up.
  const visible = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 60 });
  const stray = fc.constantFrom(' ', '\t', '\n', '\r', '\0', '\u0001', '\u001b', '\u007f', '\u0085', '\u00a0', '\u2028', '\u3000');
  const spoiled = fc.tuple(visible, stray, visible).map(([a, s, b]) => `${a}${s}${b}`);

  it.each(['audience', 'github-token'])('%s', (name) => {
    fc.assert(
      fc.property(fc.constantFrom(batch, online), visible, spoiled, (base, clean, bad) => {
        expect(refusal({ ...base, [name]: clean })).toBeUndefined();
        const err = refusal({ ...base, [name]: bad });
        expectOneLineNamingAnInput(err, name === 'github-token' ? bad : undefined);
        expect((err as InputError).message).toContain(`Input '${name}'`);
      }),
      { numRuns: 1000 },
    );
  });

  it('an audience of up to 600 characters, as Microsoft Entra allows', () => {
    expect(refusal({ ...batch, audience: `api://${'a'.repeat(594)}` })).toBeUndefined();
    expectOneLineNamingAnInput(refusal({ ...batch, audience: `api://${'a'.repeat(595)}` }));
  });
});
