// The README's inputs and outputs tables, made from action.yml (npm run docs writes them; a test
// checks the README still matches, so the two cannot drift).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { actionYml, ROOT } from './runner.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

function inputsTable(): string {
  const rows = Object.entries(actionYml.inputs).map(([name, spec]) => {
    const fromEnv = /Defaults to the (\w+) environment variable/.exec(spec.description)?.[1];
    const dflt = spec.required ? '**required**' : spec.default !== undefined ? `\`${spec.default}\`` : fromEnv ? `env \`${fromEnv}\`` : '';
    return `| \`${name}\` | ${dflt} | ${cell(spec.description)} |`;
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
  const path = join(ROOT, 'README.md');
  writeFileSync(path, withTables(readFileSync(path, 'utf8')));
}
