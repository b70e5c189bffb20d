// action.yml's inputs are the one table of inputs (src/inputs.ts, each concern's rows in its
// folder's inputs.ts), as npm run docs writes them: any drift fails here.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionYml, ROOT } from '../../scripts/runner.js';
import { withInputs } from '../../scripts/action-inputs.js';
import { Input } from '../../src/constants.js';
import { INPUT_TABLE } from '../../src/inputs.js';

const text = readFileSync(join(ROOT, 'action.yml'), 'utf8');
const specs = INPUT_TABLE.flatMap((group) => Object.values(group.inputs));

describe('the table of inputs', () => {
  it('is what action.yml declares, as npm run docs writes it', () => {
    expect(text).toBe(withInputs(text));
  });

  it('reads back from action.yml the same: names in order, descriptions, required, defaults', () => {
    expect(Object.entries(actionYml.inputs)).toEqual(
      specs.map((s) => [s.name, { description: s.description, required: s.required === true, ...(s.default === undefined ? {} : { default: s.default }) }]),
    );
  });

  it('fails on an action.yml edited by hand (the check can fail)', () => {
    const edits = [
      text.replace('    description: Endpoint name.', '    description: The endpoint name.'),
      text.replace("    default: '60'", "    default: '30'"),
      text.replace('  endpoint:\n    description: Endpoint name.\n    required: true', '  endpoint:\n    description: Endpoint name.\n    required: false'),
      text.replace('\noutputs:', '  extra:\n    description: Not in the table.\n    required: false\n\noutputs:'),
    ];
    for (const edited of edits) {
      expect(edited).not.toBe(text);
      expect(withInputs(edited)).toBe(text);
    }
  });

  it('names every input once, each declared in the folder of its concern', () => {
    expect(specs.map((s) => s.name).sort()).toEqual(Object.values(Input).sort());
    for (const group of INPUT_TABLE) {
      const file = join(ROOT, 'src', group.concern, 'inputs.ts');
      expect(existsSync(file), file).toBe(true);
      const source = readFileSync(file, 'utf8');
      for (const spec of Object.values(group.inputs)) {
        const key = Object.entries(Input).find(([, name]) => name === spec.name)?.[0];
        expect(source, `${spec.name} in src/${group.concern}/inputs.ts`).toContain(`name: Input.${key},`);
      }
    }
  });

  it('says in the description of an input read from the environment which variable it is', () => {
    for (const spec of specs.filter((s) => s.env)) expect(spec.description, spec.name).toContain(`Defaults to the ${spec.env} environment variable.`);
  });
});
