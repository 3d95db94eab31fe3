import { describe, expect, it } from 'vitest';
import { parsePredictions } from '../src';

const known = new Set(['e1', 'e2', 'e3']);

describe('parsePredictions', () => {
  it('reads answers by episode id, a null answer included', () => {
    const answers = parsePredictions(
      '{"episode_id":"e1","answer":"a"}\n\n{"episode_id":"e2","answer":null}\n',
      'p.jsonl',
      known,
    );
    expect([...answers]).toEqual([
      ['e1', 'a'],
      ['e2', null],
    ]);
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
