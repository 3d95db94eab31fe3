import { describe, expect, it } from 'vitest';
import { controlCharacterInJson, freeText, oneLine } from '../src/external-text';

describe('the one primitive for strings from outside', () => {
  it('refuses NUL and other control characters in a line, naming the character', () => {
    const line = oneLine(50);
    expect(line.safeParse('Llama-3-8B').success).toBe(true);
    for (const [bad, named] of [
      ['a\u0000b', 'U+0000'],
      ['a\nb', 'U+000A'],
      ['a\u001bb', 'U+001B'],
      ['a\u007fb', 'U+007F'],
    ] as const) {
      const parsed = line.safeParse(bad);
      expect(parsed.success, JSON.stringify(bad)).toBe(false);
      expect(parsed.error?.issues[0]?.message).toContain(named);
    }
  });

  it('lets free text keep lines and tabs, nothing else', () => {
    expect(freeText(100).safeParse('one\ntwo\tthree\r\n').success).toBe(true);
    expect(freeText(100).safeParse('one\u0000').success).toBe(false);
  });

  it('finds a control character anywhere in a JSON body, with its path', () => {
    expect(controlCharacterInJson({ name: 'ok', tags: ['a', 'b\u0000'] })).toEqual({
      path: 'tags.1',
      character: 'U+0000',
    });
    expect(controlCharacterInJson({ name: 'ok', n: 3, nested: { deep: null } })).toBeNull();
    expect(controlCharacterInJson('\u0007')).toEqual({ path: '(body)', character: 'U+0007' });
  });
});
