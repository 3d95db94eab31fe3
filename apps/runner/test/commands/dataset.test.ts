import { access, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ISEKAI_SAMPLE, importSample, run, tempDir } from '../helpers';

describe('linkboard dataset import', () => {
  it('imports the ISEKAI sample and says what it made', async () => {
    const out = await importSample();
    await access(path.join(out, 'manifest.json'));
    expect((await readdir(path.join(out, 'images'))).length).toBeGreaterThan(0);
  });

  it('prints the summary: pairs, images, hash and the largest shot count', async () => {
    const out = path.join(await tempDir(), 'o');
    const { code, stdout } = await run([
      'dataset',
      'import',
      '--format',
      'isekai',
      path.join(ISEKAI_SAMPLE, 'ISEKAI-sample.json'),
      '--images',
      path.join(ISEKAI_SAMPLE, 'images'),
      '--out',
      out,
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('3 pairs, 9 images (3 queries)');
    expect(stdout).toMatch(/manifest hash: [0-9a-f]{64}/);
    expect(stdout).toContain('largest shot count every query supports: 2');
  });

  it('refuses a bad record with file and line, exit code 1, and writes nothing', async () => {
    const dir = await tempDir();
    const records = path.join(dir, 'bad.jsonl');
    await writeFile(records, '{"image_name": "a.jpg"}\n');
    const parent = await tempDir();
    const { code, stderr } = await run([
      'dataset',
      'import',
      '--format',
      'isekai',
      records,
      '--out',
      path.join(parent, 'o'),
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^linkboard: .*bad\.jsonl:1: field positive_list: /);
    expect(await readdir(parent)).toEqual([]);
  });

  it('refuses --queries-per-class for a format other than imagenet100', async () => {
    const parent = await tempDir();
    const { code, stderr } = await run([
      'dataset',
      'import',
      '--format',
      'isekai',
      path.join(ISEKAI_SAMPLE, 'ISEKAI-sample.json'),
      '--queries-per-class',
      '10',
      '--out',
      path.join(parent, 'o'),
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/--queries-per-class applies to --format imagenet100 only, not isekai/);
    expect(await readdir(parent)).toEqual([]);
  });

  it('refuses an unknown format before reading anything', async () => {
    const { code, stderr } = await run([
      'dataset',
      'import',
      '--format',
      'coco',
      'x',
      '--out',
      'y',
    ]);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(
      /argument 'coco' is invalid. Allowed choices are isekai, imagenet100, folder/,
    );
  });
});

describe('linkboard dataset generate', () => {
  const small = ['--pairs', '1', '--per-concept', '3', '--queries', '1'];

  it.each([
    [[], 'isekai-synth@2.1'],
    [['--generator-version', '2'], 'isekai-synth@2.1'],
    [['--generator-version', '3'], 'isekai-synth@3.1'],
    [['--generator-version', '3', '--names', 'descriptive'], 'isekai-synth@3.1+descriptive'],
  ])('%j draws %s', async (flags, named) => {
    const out = path.join(await tempDir(), 'synth');
    const { code, stdout } = await run(['dataset', 'generate', ...small, ...flags, '--out', out]);
    expect(code).toBe(0);
    expect(stdout).toContain(`imported ${named}: 1 pairs`);
    await access(path.join(out, 'sheets', 'overview.png'));
  });

  it.each([
    [['--generator-version', '4'], /--generator-version.*4.*invalid|Allowed choices are 2, 3/i],
    [['--names', 'nonce'], /--names needs v3/],
  ])('refuses %j', async (flags, message) => {
    const out = path.join(await tempDir(), 'synth');
    const { code, stderr } = await run(['dataset', 'generate', ...small, ...flags, '--out', out]);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
  });
});
