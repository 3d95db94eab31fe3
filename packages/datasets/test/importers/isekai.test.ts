import { execFileSync } from 'node:child_process';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildEpisode, indexBenchmark } from '@linkboard/core';
import { describe, expect, it } from 'vitest';
import { ImportError, importDataset, importIsekai, loadDataset } from '../../src';
import { ISEKAI_SAMPLE, isekaiCopy, listing, SAMPLE_RECORDS, tempDir } from '../helpers';

const RECORDS = path.join(ISEKAI_SAMPLE, 'ISEKAI-sample.json');

describe('importIsekai on the real ISEKAI sample', () => {
  it('reads the official records: three pairs, their pools and queries', async () => {
    const { manifest, files } = await importIsekai(RECORDS, {
      images: path.join(ISEKAI_SAMPLE, 'images'),
    });
    expect(manifest.pairs.map((p) => [p.novel.name, p.familiar.name])).toEqual([
      ['cactihog', 'hedgehog'],
      ['cctovac', 'octopus'],
      ['icemic', 'ice cream'],
    ]);
    expect(manifest.images).toHaveLength(9);
    const queries = manifest.images.filter((i) => i.role === 'query');
    expect(queries.map((q) => q.source).sort()).toEqual([
      'cactihog/infer1.jpg',
      'cctovac/infer1.jpg',
      'icemic/infer1.jpg',
    ]);
    expect(
      queries.every(
        (q) => q.concept === manifest.pairs.find((p) => p.novel.id === q.concept)?.novel.id,
      ),
    ).toBe(true);
    expect(manifest.images.every((i) => i.width === 448 && i.mediaType === 'image/jpeg')).toBe(
      true,
    );
    expect(files.size).toBe(9);
  });

  it('writes manifest.json and content-addressed images that a 2-shot lcl episode can use', async () => {
    const out = path.join(await tempDir(), 'sample');
    await importDataset({
      format: 'isekai',
      input: RECORDS,
      images: path.join(ISEKAI_SAMPLE, 'images'),
      out,
    });
    const dataset = await loadDataset(out);
    const query = dataset.manifest.images.find((i) => i.source === 'cactihog/infer1.jpg')!;
    const original = await readFile(path.join(ISEKAI_SAMPLE, 'images/cactihog/infer1.jpg'));
    expect(await dataset.store.read(query.id)).toEqual(original);
    const episode = buildEpisode(indexBenchmark(dataset.manifest), {
      queryImageId: query.id,
      shots: 2,
      draw: 0,
      policy: 'lcl',
    });
    expect(episode.support.map((s) => s.label).sort()).toEqual(['cactihog', 'hedgehog']);
    expect(episode.query.label).toBe('cactihog');
  });

  it('gives the same manifest hash on every import (deterministic)', async () => {
    const images = path.join(ISEKAI_SAMPLE, 'images');
    const a = await importIsekai(RECORDS, { images });
    const b = await importIsekai(RECORDS, { images });
    expect(a.manifest.manifestHash).toBe(b.manifest.manifestHash);
  });

  it('reads a JSON array as well as JSONL, to the same pairs and images', async () => {
    const dir = await isekaiCopy();
    const lines = (await readFile(path.join(dir, 'ISEKAI-sample.json'), 'utf8')).trim().split('\n');
    await writeFile(path.join(dir, 'array.json'), `[\n${lines.join(',\n')}\n]\n`);
    const images = path.join(dir, 'images');
    const jsonl = await importIsekai(path.join(dir, 'ISEKAI-sample.json'), { images });
    const array = await importIsekai(path.join(dir, 'array.json'), { images });
    expect(array.manifest.pairs).toEqual(jsonl.manifest.pairs);
    expect(array.manifest.images).toEqual(jsonl.manifest.images);
  });
});

const { good, other } = SAMPLE_RECORDS;

type Setup = (dir: string) => Promise<string | undefined>;
const jsonl = (...records: unknown[]) => records.map((r) => JSON.stringify(r)).join('\n');

describe('importIsekai refusals (each names file and line, and writes nothing)', () => {
  const cases: [string, string, Setup, RegExp][] = [
    [
      'a missing image',
      jsonl(good, { ...other, positive_list: ['icemic/nope.jpg'] }),
      async () => undefined,
      /records\.jsonl:2: image "icemic\/nope\.jpg" is missing/,
    ],
    [
      'an unreadable image',
      jsonl(good, { ...other, positive_list: ['icemic/broken.jpg'] }),
      async (dir) => {
        await writeFile(path.join(dir, 'images/icemic/broken.jpg'), 'not a jpeg');
        return undefined;
      },
      /records\.jsonl:2: .*broken\.jpg is not a readable image/,
    ],
    [
      'a truncated JPEG (its header reads fine; its pixels do not)',
      jsonl(good, { ...other, positive_list: ['icemic/cut.jpg'] }),
      async (dir) => {
        const whole = await readFile(path.join(dir, 'images/icemic/pos1.jpg'));
        await writeFile(
          path.join(dir, 'images/icemic/cut.jpg'),
          whole.subarray(0, whole.length / 2),
        );
        return undefined;
      },
      /records\.jsonl:2: .*cut\.jpg is not a readable image/,
    ],
    [
      'a FIFO named like an image (reading it would wait forever)',
      jsonl(good, { ...other, positive_list: ['icemic/pipe.jpg'] }),
      async (dir) => {
        execFileSync('mkfifo', [path.join(dir, 'images/icemic/pipe.jpg')]);
        return undefined;
      },
      /records\.jsonl:2: .*pipe\.jpg is not a regular file/,
    ],
    [
      'a path escaping the image folder',
      jsonl({ ...good, negative_list: ['../ISEKAI-sample.json'] }),
      async () => undefined,
      /records\.jsonl:1: image path "\.\.\/ISEKAI-sample\.json" escapes the image folder/,
    ],
    [
      'an absolute path',
      jsonl({ ...good, negative_list: ['/etc/hostname'] }),
      async () => undefined,
      /records\.jsonl:1: image path "\/etc\/hostname" is absolute/,
    ],
    [
      'a symlink out of the image folder',
      jsonl({ ...good, negative_list: ['cactihog/link.jpg'] }),
      async (dir) => {
        await symlink(path.join(dir, 'outside.jpg'), path.join(dir, 'images/cactihog/link.jpg'));
        await writeFile(path.join(dir, 'outside.jpg'), 'x');
        return undefined;
      },
      /records\.jsonl:1: image path "cactihog\/link\.jpg" is a symlink to .*outside\.jpg, outside the image folder/,
    ],
    [
      'a label used in two pairs',
      jsonl(good, { ...other, negative_promt: 'hedgehog' }),
      async () => undefined,
      /records\.jsonl:2: label "hedgehog" is already used in pair "cactihog" \(.*records\.jsonl:1\)/,
    ],
    [
      'an empty class',
      jsonl({ ...good, negative_list: [] }),
      async () => undefined,
      /records\.jsonl:1: concept "hedgehog" has no support images \(an empty class\)/,
    ],
    [
      'malformed JSON',
      `${jsonl(good)}\n{"image_name": `,
      async () => undefined,
      /records\.jsonl:2: malformed JSON/,
    ],
    [
      'a missing field',
      jsonl(good, { ...other, positive_list: undefined }),
      async () => undefined,
      /records\.jsonl:2: field positive_list: .*expected array/,
    ],
    [
      'a label_name of neither concept',
      jsonl({ ...good, label_name: 'porcupine' }),
      async () => undefined,
      /records\.jsonl:1: label_name "porcupine" is neither positive_promt "cactihog" nor negative_promt "hedgehog"/,
    ],
    [
      'the same bytes under two concepts',
      jsonl({ ...good, negative_list: ['cactihog/pos1.jpg'] }),
      async () => undefined,
      /records\.jsonl:1: image "cactihog\/pos1\.jpg" .*belongs to another concept|has the same bytes/,
    ],
  ];

  it.each(cases)('refuses %s', async (_why, content, setup, message) => {
    const dir = await isekaiCopy();
    await setup(dir);
    const records = path.join(dir, 'records.jsonl');
    await writeFile(records, content);
    const outParent = await tempDir();
    const error = await importDataset({
      format: 'isekai',
      input: records,
      images: path.join(dir, 'images'),
      out: path.join(outParent, 'out'),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as Error).message).toMatch(message);
    expect(await listing(outParent)).toEqual([]);
  });

  it('names the line of a record inside a JSON array', async () => {
    const dir = await isekaiCopy();
    const records = path.join(dir, 'records.json');
    await writeFile(
      records,
      `[\n  ${JSON.stringify(good)},\n\n  ${JSON.stringify({ ...other, label_name: 'x' })}\n]`,
    );
    await expect(importIsekai(records, { images: path.join(dir, 'images') })).rejects.toThrow(
      /records\.json:4: label_name "x"/,
    );
  });

  it('names the line of a syntax error inside a JSON array', async () => {
    const dir = await isekaiCopy();
    const records = path.join(dir, 'records.json');
    await writeFile(records, `[\n  ${JSON.stringify(good)},\n  {"image_name": }\n]`);
    await expect(importIsekai(records)).rejects.toThrow(/records\.json:3: malformed JSON/);
  });
});
