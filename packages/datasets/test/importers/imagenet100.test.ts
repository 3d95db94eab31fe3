import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importDataset, importImageNet100 } from '../../src';
import { listing, png, tempDir } from '../helpers';

/** Writes `classes` rows with `support` context and `queries` test images each. */
async function makeImageNet(classes: string[], support = 3, queries = 1) {
  const dir = await tempDir();
  await mkdir(path.join(dir, 'img'));
  const rows: string[] = [];
  let seed = 1;
  for (const [i, name] of classes.entries()) {
    const context: string[] = [];
    const test: string[] = [];
    for (let k = 0; k < support + queries; k++) {
      const file = `img/${i}_${k}.png`;
      await writeFile(path.join(dir, file), await png(seed++));
      (k < support ? context : test).push(file);
    }
    rows.push(
      JSON.stringify({
        class_id: i,
        class_name: name,
        context_samples: context,
        test_samples: test,
      }),
    );
  }
  const records = path.join(dir, 'imagenet100.jsonl');
  await writeFile(records, `${rows.join('\n')}\n`);
  return { dir, records };
}

describe('importImageNet100', () => {
  it('pairs rows 2k and 2k+1, with context samples as pools and test samples as queries', async () => {
    const { records } = await makeImageNet([
      'tench',
      'goldfish',
      'great white shark',
      'tiger shark',
    ]);
    const { manifest } = await importImageNet100(records);
    expect(manifest.pairs.map((p) => [p.novel.name, p.familiar.name])).toEqual([
      ['great white shark', 'tiger shark'],
      ['tench', 'goldfish'],
    ]);
    const roles = manifest.images
      .filter((i) => i.concept === 'goldfish')
      .map((i) => i.role)
      .sort();
    expect(roles).toEqual(['query', 'support', 'support', 'support']);
  });

  it('refuses an odd number of classes, naming the last line, and writes nothing', async () => {
    const { records } = await makeImageNet(['tench', 'goldfish', 'orphan']);
    const parent = await tempDir();
    await expect(
      importDataset({ format: 'imagenet100', input: records, out: path.join(parent, 'o') }),
    ).rejects.toThrow(/imagenet100\.jsonl:3: 3 classes: rows pair up 2k with 2k\+1/);
    expect(await listing(parent)).toEqual([]);
  });

  it('refuses an empty class (no context samples), naming its line', async () => {
    const { records } = await makeImageNet(['tench', 'goldfish'], 0, 1);
    await expect(importImageNet100(records)).rejects.toThrow(
      /imagenet100\.jsonl:1: concept "tench" has no support images/,
    );
  });
});
