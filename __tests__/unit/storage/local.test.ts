import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentHash, looksLocal, readLocalInput } from '../../../src/storage/local.js';

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'local-'));
  mkdirSync(join(dir, 'heart', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'heart', 'b.csv'), 'age,chol\n37,250\n');
  writeFileSync(join(dir, 'heart', 'A.csv'), 'age,chol\n63,233\n');
  writeFileSync(join(dir, 'heart', 'sub', 'c.csv'), 'x\n');
  writeFileSync(join(dir, 'one.csv'), 'age,chol\n63,233\n');
  return dir;
}

describe('local inputs', () => {
  it('lists a folder in azure-ai-ml order (lower-cased, folder by folder), sizes summed', () => {
    const tree = readLocalInput('input', 'heart', 'uri_folder', workspace());
    expect(tree.name).toBe('heart');
    expect(tree.files.map((f) => f.rel)).toEqual(['A.csv', 'b.csv', 'sub/c.csv']);
    expect(tree.entries.map((e) => e.name)).toEqual(['A.csv', 'b.csv', 'sub', 'c.csv']);
    expect(tree.bytes).toBe(16 + 16 + 2);
  });

  // Known answers: azure-ai-ml 1.4's _asset_utils.get_object_hash on the same files.
  it("hashes content as azure-ai-ml does, so an upload prefix is the SDK's", async () => {
    const dir = workspace();
    expect(await contentHash(readLocalInput('input', 'heart', 'uri_folder', dir))).toBe('c0496c18047b1809ccc37200bc026f4b');
    expect(await contentHash(readLocalInput('input', 'one.csv', 'uri_file', dir))).toBe('34d90a6470a43dd5c2b750ff53dda7ae');
  });

  it('takes as local what has no scheme', () => {
    expect(['data/heart', './x.csv', '/abs/path', 'C:\\data', 'heart'].map(looksLocal)).toEqual([true, true, true, true, true]);
    expect(['https://a/b', 'azureml://datastores/x/paths/y', 'azureml:heart:1', 'http://x'].map(looksLocal)).toEqual([false, false, false, false]);
  });
});
