// npm run docs: the README's inputs and outputs tables, made from the one table of inputs
// (src/inputs.ts) and action.yml's outputs, and action.yml's inputs (action-inputs.ts). Tests check
// the README and action.yml still match, so none can drift.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INPUT_TABLE } from '../src/inputs.js';
import { withInputs } from './action-inputs.js';
import { actionYml, ROOT } from './runner.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

function inputsTable(): string {
  const rows = INPUT_TABLE.flatMap((group) => Object.values(group.inputs)).map((spec) => {
    const dflt = spec.required ? '**required**' : spec.default !== undefined ? `\`${spec.default}\`` : spec.env ? `env \`${spec.env}\`` : '';
    return `| \`${spec.name}\` | ${dflt} | ${cell(spec.description)} |`;
  });
  return ['| input | default | what it does |', '| --- | --- | --- |', ...rows].join('\n');
}

function outputsTable(): string {
  const rows = Object.entries(actionYml.outputs).map(([name, spec]) => `| \`${name}\` | ${cell(spec.description)} |`);
  return ['| output | what it holds |', '| --- | --- |', ...rows].join('\n');
}

export function withTables(readme: string): string {
  return readme
    .replace(/<!-- inputs:start -->[\s\S]*<!-- inputs:end -->/, `<!-- inputs:start -->\n${inputsTable()}\n<!-- inputs:end -->`)
    .replace(/<!-- outputs:start -->[\s\S]*<!-- outputs:end -->/, `<!-- outputs:start -->\n${outputsTable()}\n<!-- outputs:end -->`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // action.yml first: the outputs table is read from it.
  for (const [file, write] of [
    ['action.yml', withInputs],
    ['README.md', withTables],
  ] as const) {
    const path = join(ROOT, file);
    writeFileSync(path, write(readFileSync(path, 'utf8')));
  }
}
