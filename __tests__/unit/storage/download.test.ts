import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { previewTable } from '../../../src/storage/download.js';

const file = (name: string, content: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'preview-')), name);
  writeFileSync(path, content);
  return path;
};

describe('the predictions preview', () => {
  it('shows a CSV with its header, quotes honoured, at most 10 rows and 8 columns', () => {
    const rows = Array.from({ length: 15 }, (_, i) => `${i},"a, ""quoted"" ${i}",${'x,'.repeat(8)}end`);
    const table = previewTable(file('p.csv', ['id,text,c1,c2,c3,c4,c5,c6,c7,c8,c9', ...rows].join('\n')))!;
    const lines = table.split('\n');
    expect(lines).toHaveLength(12);
    expect(lines[0]).toBe('| id | text | c1 | c2 | c3 | c4 | c5 | c6 |');
    expect(lines[1]).toBe('| --- | --- | --- | --- | --- | --- | --- | --- |');
    expect(lines[2]).toBe('| 0 | a, "quoted" 0 | x | x | x | x | x | x |');
  });

  it('shows JSON lines with their keys as columns, and nothing for other files', () => {
    expect(previewTable(file('p.jsonl', '{"file":"a.csv","prediction":1}\n{"file":"b|c","prediction":0,"extra":[1]}\n'))).toBe(
      ['| file | prediction | extra |', '| --- | --- | --- |', '| a.csv | 1 |  |', '| b\\|c | 0 | [1] |'].join('\n'),
    );
    expect(previewTable(file('model.bin', 'abc'))).toBeUndefined();
    expect(previewTable(file('bad.jsonl', 'not json\n'))).toBeUndefined();
  });
});
