import { describe, expect, it } from 'vitest';
import { buildEpisodes, exportOptions, indexBenchmark, parsePredictions } from '../src';
import { fixtureManifest } from '../src/testing';

const known = new Set(['e1', 'e2', 'e3']);

describe('parsePredictions', () => {
  it('reads answers by episode id, a null answer included', () => {
    const answers = parsePredictions(
      '{"episode_id":"e1","answer":"a"}\n\n{"episode_id":"e2","answer":null}\n{"episode_id":"e3","answer":""}\n',
      'p.jsonl',
      known,
    );
    expect([...answers]).toEqual([
      ['e1', 'a'],
      ['e2', null],
      ['e3', ''],
    ]);
  });

  it('refuses a file that leaves episodes out, naming how many and how to export them all', () => {
    // Exported at one draw where the submission asks two: half its episodes would be errors.
    const index = indexBenchmark(fixtureManifest({ pairs: 2 }));
    const asked = [...buildEpisodes(index, { shots: [2, 4], policies: ['lcl'], draws: 2 })];
    const exported = [...buildEpisodes(index, { shots: [2, 4], policies: ['lcl'], draws: 1 })];
    const text = exported.map((e) => JSON.stringify({ episode_id: e.id, answer: 'x' })).join('\n');
    const ids = new Set(asked.map((e) => e.id));
    expect(exported.length * 2).toBe(asked.length);
    expect(() => parsePredictions(text, 'p.jsonl', ids, exportOptions(asked))).toThrow(
      `p.jsonl: answers ${exported.length} of this submission's ${asked.length} episodes; every episode needs a line ("answer": null for one the model did not answer, scored as an error): export them with linkboard episodes --shots 2,4 --policy lcl --draws 2`,
    );
    // The same file, read for the episodes it was exported for, is whole.
    expect(parsePredictions(text, 'p.jsonl', new Set(exported.map((e) => e.id))).size).toBe(
      exported.length,
    );
  });

  it('names the options that export the episodes of a setting', () => {
    const index = indexBenchmark(fixtureManifest({ pairs: 2 }));
    const episodes = [
      ...buildEpisodes(index, { shots: [8, 2], policies: ['lcl', 'flip'], draws: 3 }),
    ];
    expect(exportOptions(episodes)).toBe('--shots 2,8 --policy lcl,flip --draws 3');
    expect(exportOptions([])).toBe('');
  });

  it.each([
    [
      '{"episode_id":"e1","answer":"a"}\n{"episode_id":',
      /p\.jsonl:2: malformed JSON/,
      'a broken line',
    ],
    [
      '{"episode_id":"e9","answer":"a"}',
      /p\.jsonl:1: unknown episode_id "e9"/,
      'an id not in the episode set',
    ],
    [
      '{"episode_id":"e1","answer":"a"}\n{"episode_id":"e1","answer":"b"}',
      /p\.jsonl:2: duplicate episode_id "e1"/,
      'a duplicate',
    ],
    ['{"episode":"e1","answer":"a"}', /p\.jsonl:1: field episode_id: /, 'a missing field'],
    [
      `{"episode_id":"e1","answer":"${'x'.repeat(8_001)}"}`,
      /p\.jsonl:1: field answer: longer than 8000 characters/,
      'a runaway answer',
    ],
    [
      '{"episode_id":"e1","answer":"a"}\n{"episode_id":"e2","answer":"cacti\\u0000hog"}',
      /p\.jsonl:2: field answer: holds a NUL character \(U\+0000\)/,
      'a NUL PostgreSQL cannot store',
    ],
  ])('refuses %j with its line (%s)', (text, message) => {
    expect(() => parsePredictions(text, 'p.jsonl', known)).toThrow(message);
  });
});
