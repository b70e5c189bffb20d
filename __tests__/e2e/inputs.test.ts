// Every bad input, as the runner runs it: one line naming the input and the fix,
// no stack trace, exit code 1, and not a single network request.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_INPUTS, layFiles } from '../bad-inputs.js';
import { emulator, step, type Emulator } from './helpers.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await emulator();
});
afterAll(() => emu.close());

const valid = { 'endpoint-type': 'batch', endpoint: 'score-batch', input: 'https://example.blob.core.windows.net/data/' };

describe('bad inputs', () => {
  it('the table has at least 30 rows', () => expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(30));

  it.each(BAD_INPUTS)('%s', async (_name, override, message, files = {}) => {
    const cwd = mkdtempSync(join(tmpdir(), 'bad-input-'));
    layFiles(cwd, files);
    emu.clearLog();
    const r = await step(emu, { ...valid, ...override }, { cwd });
    expect(r.code).toBe(1);
    const errors = r.annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(message);
    expect(errors[0].message).not.toContain('\n');
    expect(errors[0].title).toBe('azureml-invoke: invalid input');
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(/^\s+at /m);
    expect(emu.log).toEqual([]);
    expect(r.summary).toContain(errors[0].message);
  });
});
