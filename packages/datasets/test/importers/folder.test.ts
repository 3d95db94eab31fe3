import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importDataset, importFolder } from '../../src';
import { listing, png, tempDir } from '../helpers';

async function makeFolder() {
  const root = await tempDir();
  let seed = 100;
  const layout: Record<string, Record<string, string[]>> = {
    airstone: {
      airstone: ['a.png', 'b.png', 'query1.png'],
      stone: ['a.png', 'b.png', 'query1.png'],
    },
    icemic: { icemic: ['1.png', '2.png', 'infer1.png'], 'ice cream': ['1.png', '2.png'] },
  };
  for (const [pair, concepts] of Object.entries(layout)) {
    for (const [concept, files] of Object.entries(concepts)) {
      await mkdir(path.join(root, pair, concept), { recursive: true });
      for (const file of files)
        await writeFile(path.join(root, pair, concept, file), await png(seed++));
    }
  }
  await writeFile(path.join(root, 'icemic', 'icemic', 'notes.txt'), 'ignored: not an image');
  const config = {
    name: 'my-concepts',
    pairs: {
      airstone: { novel: 'airstone', descriptions: { airstone: 'a stone that floats' } },
      icemic: { novel: 'icemic' },
    },
  };
  await writeFile(path.join(root, 'pairs.json'), JSON.stringify(config));
  return { root, config };
}

describe('importFolder', () => {
  it('reads <pair>/<concept>/ images, with query… and infer… files as queries', async () => {
    const { root } = await makeFolder();
    const { manifest } = await importFolder(root);
    expect(manifest.benchmark.name).toBe('my-concepts');
    expect(manifest.pairs.map((p) => [p.novel.name, p.familiar.name, p.novel.description])).toEqual(
      [
        ['airstone', 'stone', 'a stone that floats'],
        ['icemic', 'ice cream', undefined],
      ],
    );
    const queries = manifest.images
      .filter((i) => i.role === 'query')
      .map((i) => i.source)
      .sort();
    expect(queries).toEqual([
      'airstone/airstone/query1.png',
      'airstone/stone/query1.png',
      'icemic/icemic/infer1.png',
    ]);
    expect(manifest.images).toHaveLength(11);
  });

  const refusals: [string, (root: string) => Promise<unknown>, RegExp][] = [
    ['a missing pairs.json', (root) => rm(path.join(root, 'pairs.json')), /missing pairs\.json/],
    [
      'a pair folder not listed in pairs.json',
      (root) => mkdir(path.join(root, 'extra', 'a'), { recursive: true }),
      /extra\/: folder is not listed in pairs\.json/,
    ],
    [
      'an empty class folder',
      async (root) => {
        await rm(path.join(root, 'icemic', 'ice cream'), { recursive: true });
        await mkdir(path.join(root, 'icemic', 'ice cream'));
      },
      /icemic\/ice cream\/: no \.jpg, \.png or \.webp images \(an empty class\)/,
    ],
    [
      'a class with queries only',
      async (root) => {
        await rm(path.join(root, 'airstone', 'stone', 'a.png'));
        await rm(path.join(root, 'airstone', 'stone', 'b.png'));
      },
      /airstone\/: concept "stone" has no support images/,
    ],
    [
      'a symlinked image pointing outside',
      async (root) => {
        const outside = path.join(path.dirname(root), `${path.basename(root)}-outside.png`);
        await writeFile(outside, await png(999));
        await symlink(outside, path.join(root, 'airstone', 'stone', 'c.png'));
      },
      /airstone\/stone\/c\.png: image path .* is a symlink to .*outside/,
    ],
    [
      'a novel concept that is not one of the folders',
      (root) =>
        writeFile(
          path.join(root, 'pairs.json'),
          JSON.stringify({ pairs: { airstone: { novel: 'rock' }, icemic: { novel: 'icemic' } } }),
        ),
      /pairs\.json names "rock" as novel, but the concept folders are airstone and stone/,
    ],
    [
      'malformed pairs.json',
      (root) => writeFile(path.join(root, 'pairs.json'), '{"pairs": '),
      /pairs\.json: malformed JSON/,
    ],
  ];

  it.each(refusals)('refuses %s and writes nothing', async (_why, breakIt, message) => {
    const { root } = await makeFolder();
    await breakIt(root);
    const parent = await tempDir();
    await expect(
      importDataset({ format: 'folder', input: root, out: path.join(parent, 'out') }),
    ).rejects.toThrow(message);
    expect(await listing(parent)).toEqual([]);
  });
});
