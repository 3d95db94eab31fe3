import { access } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { importSample, run } from '../helpers';

describe('linkboard episodes', () => {
  it('writes one JSONL line per query × shot × draw × policy, with prompts and image paths', async () => {
    const dir = await importSample();
    const { code, stdout } = await run([
      'episodes',
      '--manifest',
      dir,
      '--shots',
      '2',
      '--policy',
      'lcl,icl',
      '--draws',
      '2',
    ]);
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3 * 1 * 2 * 2);
    expect(new Set(lines.map((l) => l.id)).size).toBe(lines.length);
    const first = lines.find((l) => l.policy === 'lcl');
    expect(first.prompt_text).toContain(
      '[FINAL QUESTION]: Based on the previous examples, what is in the image <image>?',
    );
    expect(first.support).toHaveLength(2);
    expect(first.demo_hash).toMatch(/^[0-9a-f]{64}$/);
    const imageParts = first.messages.flatMap((m: { content: { type: string; path?: string }[] }) =>
      m.content.filter((p) => p.type === 'image'),
    );
    expect(imageParts).toHaveLength(3);
    for (const part of imageParts) await access(part.path);
  });

  it('renders flip episodes with the pair’s labels swapped in the demonstrations and the answer', async () => {
    const dir = await importSample();
    const { code, stdout } = await run([
      'episodes',
      '--manifest',
      dir,
      '--shots',
      '2',
      '--policy',
      'lcl,flip',
    ]);
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const lcl = lines.find((l) => l.policy === 'lcl' && l.query.label === 'cactihog');
    const flip = lines.find((l) => l.policy === 'flip' && l.query.image_id === lcl.query.image_id);
    expect(flip.id).not.toBe(lcl.id);
    // The same images in the same order; each labelled with the pair's other name.
    expect(flip.support.map((s: { image_id: string }) => s.image_id)).toEqual(
      lcl.support.map((s: { image_id: string }) => s.image_id),
    );
    const swap: Record<string, string> = { cactihog: 'hedgehog', hedgehog: 'cactihog' };
    expect(flip.support.map((s: { label: string }) => s.label)).toEqual(
      lcl.support.map((s: { label: string }) => swap[s.label]),
    );
    expect(flip.prompt_text).toContain('there is "hedgehog" in the image. [END EXAMPLE]');
    expect(flip.prompt_text).toBe(
      lcl.prompt_text
        .replace('"cactihog"', '"SWAP"')
        .replace('"hedgehog"', '"cactihog"')
        .replace('"SWAP"', '"hedgehog"'),
    );
    // The query is still a cactihog; the answer that follows the demonstrations is "hedgehog".
    expect(flip.query).toMatchObject({
      query_class: lcl.query.query_class,
      label: 'hedgehog',
      other: 'cactihog',
    });
  });

  it('gives the same episodes on every run (what external harnesses rely on)', async () => {
    const dir = await importSample();
    const a = await run(['episodes', '--manifest', `${dir}/manifest.json`, '--shots', '2']);
    const b = await run(['episodes', '--manifest', dir, '--shots', '2']);
    expect(a.stdout).toBe(b.stdout);
  });

  it('writes flat text with the image files listed', async () => {
    const dir = await importSample();
    const { stdout } = await run([
      'episodes',
      '--manifest',
      dir,
      '--shots',
      '0',
      '--policy',
      'zero-shot',
      '--format',
      'text',
    ]);
    expect(stdout.match(/^### episode /gm)).toHaveLength(3);
    expect(stdout).toMatch(
      /USER: What is in the image <image>\? Is it "(cactihog|hedgehog)" or "(cactihog|hedgehog)"\?\nASSISTANT:/,
    );
  });

  it.each([
    [
      ['--shots', '4'],
      /4-shot episodes need 2 support images per class .* at most 2 shots/,
      'the sample has one image per class',
    ],
    [['--shots', '3'], /policy lcl needs an even number of shots/, 'odd shots'],
    [
      ['--shots', '2', '--policy', 'lcx'],
      /unknown policy "lcx"; choose from lcl, icl, zero-shot, flip/,
      'typo in a policy',
    ],
    [['--shots', '2', '--draws', '0'], /"0" is not a positive integer/, 'zero draws'],
  ])('refuses %j (%s)', async (args, message) => {
    const dir = await importSample();
    const { code, stdout, stderr } = await run(['episodes', '--manifest', dir, ...args]);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });

  it('says a usage error in its line and where to read more, without the whole help', async () => {
    const dir = await importSample();
    const { code, stderr } = await run([
      'episodes',
      '--manifest',
      dir,
      '--shots',
      '2',
      '--draws',
      '0',
    ]);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      `error: option '--draws <n>' argument '0' is invalid. "0" is not a positive integer`,
      '(add --help for usage)',
    ]);
  });

  it('says so when the folder holds no dataset', async () => {
    const { code, stderr } = await run(['episodes', '--manifest', '/nonexistent', '--shots', '2']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/\/nonexistent\/manifest\.json: no manifest here/);
  });
});
