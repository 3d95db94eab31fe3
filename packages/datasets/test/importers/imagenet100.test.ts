import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildEpisode, getScorer, indexBenchmark } from '@linkboard/core';
import { describe, expect, it } from 'vitest';
import { IMAGENET100_QUERIES_PER_CLASS, importDataset, importImageNet100 } from '../../src';
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

  it('lower-cases class names as the official evaluation, so prompt and target say "english setter"', async () => {
    const { records } = await makeImageNet(['English setter', 'kit fox'], 2, 1);
    const { manifest } = await importImageNet100(records);
    expect(manifest.pairs.map((p) => [p.novel.name, p.familiar.name])).toEqual([
      ['english setter', 'kit fox'],
    ]);
    const index = indexBenchmark(manifest);
    const query = index.queries.find((q) => q.concept === 'english-setter')!;
    const episode = buildEpisode(index, {
      queryImageId: query.id,
      shots: 2,
      draw: 0,
      policy: 'lcl',
    });
    expect(episode.prompt.text).toContain('there is "english setter" in the image. [END EXAMPLE]');
    expect(episode.prompt.text).not.toContain('English');
    // An answer that copies the demonstration's label is right under the official rule.
    const official = getScorer('official');
    const { label, other } = episode.query;
    expect(official.score('there is "english setter" in the image.', label, other)).toMatchObject({
      correct: true,
      outcome: 'correct',
    });
    expect(official.score('there is "English setter" in the image.', label, other).correct).toBe(
      false,
    );
  });

  it('marks every pair as two real classes: no query is novel', async () => {
    const { records } = await makeImageNet(['English setter', 'kit fox', 'tench', 'goldfish']);
    const { manifest } = await importImageNet100(records);
    expect(manifest.pairs.every((p) => p.bothFamiliar === true)).toBe(true);
    const index = indexBenchmark(manifest);
    const classes = index.queries.map(
      (q) =>
        buildEpisode(index, { queryImageId: q.id, shots: 2, draw: 0, policy: 'lcl' }).query
          .queryClass,
    );
    expect(classes).toEqual(['familiar', 'familiar', 'familiar', 'familiar']);
  });

  it(`keeps the first ${IMAGENET100_QUERIES_PER_CLASS} test samples per class by default, and says so`, async () => {
    const { records } = await makeImageNet(['English setter', 'kit fox'], 1, 52);
    const { manifest, warnings } = await importImageNet100(records);
    const queries = manifest.images.filter((i) => i.role === 'query');
    expect(queries).toHaveLength(2 * IMAGENET100_QUERIES_PER_CLASS);
    // File order: test samples 1..50 of each class (file k = 0 is its context sample).
    const kept = new Set(queries.map((q) => q.source));
    expect(kept.has('img/0_50.png')).toBe(true);
    expect(kept.has('img/0_51.png')).toBe(false);
    expect(manifest.origin).toMatchObject({ queriesPerClass: IMAGENET100_QUERIES_PER_CLASS });
    expect(warnings).toEqual([
      expect.stringMatching(/first 50 test samples of each class.*4 left out/),
    ]);
  });

  it('takes another cap, or 0 for all test samples, and refuses a negative one', async () => {
    const { records } = await makeImageNet(['English setter', 'kit fox'], 1, 3);
    const count = async (queriesPerClass: number) =>
      (await importImageNet100(records, { queriesPerClass })).manifest.images.filter(
        (i) => i.role === 'query',
      ).length;
    expect(await count(2)).toBe(4);
    expect(await count(0)).toBe(6);
    await expect(importImageNet100(records, { queriesPerClass: -1 })).rejects.toThrow(
      /whole number from 0/,
    );
  });
});
