// action.yml's inputs, written from the one table of inputs (src/inputs.ts, each concern's rows in
// its folder's inputs.ts) by npm run docs; __tests__/repo/inputs-table.test.ts fails when they differ.
import { load } from 'js-yaml';
import { INPUT_TABLE } from '../src/inputs.js';

const HEADER = '# Written from the input tables of src/<concern>/inputs.ts by `npm run docs`: edit those, not this list.';

/** A YAML scalar as the house writes it: plain where it reads back the same, else quoted as Prettier keeps it. */
function scalar(value: string): string {
  let plain = false;
  try {
    plain = (load(`k: ${value}`) as { k: unknown }).k === value;
  } catch {
    // Not a plain scalar.
  }
  if (plain) return value;
  return value.includes("'") ? JSON.stringify(value) : `'${value}'`;
}

function inputsBlock(): string {
  const lines = [HEADER, 'inputs:'];
  for (const group of INPUT_TABLE) {
    lines.push(`  # src/${group.concern}/inputs.ts`);
    for (const spec of Object.values(group.inputs)) {
      lines.push(`  ${spec.name}:`, `    description: ${scalar(spec.description)}`, `    required: ${spec.required === true}`);
      if (spec.default !== undefined) lines.push(`    default: ${scalar(spec.default)}`);
    }
  }
  return `${lines.join('\n')}\n\n`;
}

/** action.yml with its inputs (and the comment above them) replaced by the table's. */
export function withInputs(actionYml: string): string {
  return actionYml.replace(/(?:^#.*\n)*^inputs:\n(?:(?: .*)?\n)*/m, inputsBlock());
}
