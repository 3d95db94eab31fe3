import { describe, expect, it } from 'vitest';
import { type ChatMessage, readModelInput } from '../../src/baselines/request';

const img = (byte: number) =>
  `data:image/png;base64,${Buffer.from([byte, 1, 2]).toString('base64')}`;
const user = (text: string, byte?: number): ChatMessage => ({
  role: 'user',
  content:
    byte === undefined
      ? [{ type: 'text', text }]
      : [
          { type: 'text', text },
          { type: 'image_url', image_url: { url: img(byte) } },
        ],
});

describe('readModelInput', () => {
  it('reads lcl demonstrations: the quoted label of each answer, and the query last', () => {
    const input = readModelInput([
      { role: 'system', content: 'You should find the causal relationship…' },
      user('[BEGIN EXAMPLE] What is in the image ', 1),
      { role: 'assistant', content: 'there is "cactihog" in the image. [END EXAMPLE]' },
      user('[BEGIN EXAMPLE] What is in the image ', 2),
      { role: 'assistant', content: 'there is "hedgehog" in the image. [END EXAMPLE]' },
      user('[FINAL QUESTION]: Based on the previous examples, what is in the image ', 3),
    ]);
    expect(input.support.map((s) => [s.image[0], s.label])).toEqual([
      [1, 'cactihog'],
      [2, 'hedgehog'],
    ]);
    expect(input.query[0]).toBe(3);
    expect(input.candidates).toEqual(['cactihog', 'hedgehog']);
  });

  it('reads icl demonstrations, whose answers are the bare label', () => {
    const input = readModelInput([
      user('What is in the image? ', 1),
      { role: 'assistant', content: 'ice cream' },
      user('What is in the image? ', 2),
    ]);
    expect(input.support[0]?.label).toBe('ice cream');
  });

  it('takes the candidates of a zero-shot question from its quotes', () => {
    const input = readModelInput([user('What is in the image? Is it "icemic" or "ice cream"?', 9)]);
    expect(input.support).toEqual([]);
    expect(input.candidates).toEqual(['icemic', 'ice cream']);
  });

  it('fingerprints what was asked: same request, same print; another image, another', () => {
    const a = readModelInput([user('q', 1)]);
    expect(readModelInput([user('q', 1)]).fingerprint).toBe(a.fingerprint);
    expect(readModelInput([user('q', 2)]).fingerprint).not.toBe(a.fingerprint);
  });

  it.each([
    [[user('no image')], /the last user turn must hold the query image/, 'no query'],
    [
      [
        {
          role: 'user',
          content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }],
        },
      ],
      /must be a base64 data URL/,
      'remote image URLs are not fetched',
    ],
  ] as [ChatMessage[], RegExp, string][])('refuses %#: %s', (messages, message) => {
    expect(() => readModelInput(messages)).toThrow(message);
  });
});
