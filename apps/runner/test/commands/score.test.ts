import { describe, expect, it } from 'vitest';
import { run } from '../helpers';

const input = [
  { prediction: 'there is "cactihog" in the image.', label: 'cactihog', other: 'hedgehog' },
  { prediction: 'Cactihog', label: 'cactihog', other: 'hedgehog' },
  { prediction: 'a hedgehog', label: 'cactihog', other: 'hedgehog' },
  { prediction: null, label: 'cactihog', other: 'hedgehog' },
]
  .map((l) => JSON.stringify(l))
  .join('\n');

describe('linkboard score', () => {
  it('writes one verdict per input line with the official rule when asked', async () => {
    const { code, stdout } = await run(['score', '--scorer', 'official'], {
      stdin: `${input}\n`,
    });
    expect(code).toBe(0);
    expect(
      stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { correct: true, outcome: 'correct', rule: 'substring-label' },
      { correct: false, outcome: 'neither', rule: 'substring-none' },
      { correct: false, outcome: 'other-label', rule: 'substring-other' },
      { correct: false, outcome: 'error', rule: 'no-answer' },
    ]);
  });

  it('uses the strict scorer (the ranked one) by default', async () => {
    const { stdout } = await run(['score'], { stdin: input });
    expect(JSON.parse(stdout.split('\n')[1]!)).toEqual({
      correct: true,
      outcome: 'correct',
      rule: 'word-label',
    });
  });

  it.each([
    ['{"prediction": "x", "label": "a"}', /stdin:2: field other: /, 'a missing field'],
    ['{"prediction": ', /stdin:2: malformed JSON/, 'broken JSON'],
  ])('stops at a bad line with its number: %s (%s)', async (bad, message) => {
    const first = JSON.stringify({ prediction: 'a', label: 'a', other: 'b' });
    const { code, stdout, stderr } = await run(['score'], {
      stdin: `${first}\n${bad}\n${first}\n`,
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(stdout.trim().split('\n')).toHaveLength(1);
  });

  it('refuses an unknown scorer', async () => {
    const { code, stderr } = await run(['score', '--scorer', 'fuzzy']);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/unknown scorer "fuzzy"/);
  });
});
