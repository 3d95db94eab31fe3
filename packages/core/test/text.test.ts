import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { controlCharacterIn, invisibleCharacterIn, modelNameKey, nameProblem } from '../src/text';

describe('modelNameKey', () => {
  it.each([
    ['case', 'a-public-model'],
    ['a Cyrillic А', '\u0410-public-model'],
    ['a Greek Α and ο', '\u0391-public-m\u03bfdel'],
    ['a zero-width space', 'A-pub\u200blic-model'],
    ['a right-to-left override', 'A-public-\u202emodel'],
    ['fullwidth letters', 'Ａ-public-model'],
    ['an accent', 'Á-public-model'],
    ['a digit for an o', 'A-public-m0del'],
  ])('gives %s the key of A-public-model', (_why, name) => {
    expect(modelNameKey(name)).toBe(modelNameKey('A-public-model'));
  });

  it('keeps names that do not look alike apart', () => {
    expect(modelNameKey('A-public-model')).not.toBe(modelNameKey('B-public-model'));
    expect(modelNameKey('qwen2-vl-7b')).not.toBe(modelNameKey('qwen2-vl-2b'));
    // Greek capital Eta is an H, its lower case an n.
    expect(modelNameKey('\u0397ELLO')).toBe(modelNameKey('hello'));
    expect(modelNameKey('\u03b7ice')).toBe(modelNameKey('nice'));
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (name) => {
        const key = modelNameKey(name);
        expect(modelNameKey(key)).toBe(key);
      }),
    );
  });

  it('ignores the case of Latin names', () => {
    // Not of every script: a Greek capital Eta looks like H and its lower case like n, and each
    // is keyed as what it looks like (above).
    const latin = fc.constantFrom(
      ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./: ',
    );
    fc.assert(
      fc.property(fc.string({ unit: latin, maxLength: 30 }), (name) => {
        expect(modelNameKey(name.toUpperCase())).toBe(modelNameKey(name.toLowerCase()));
      }),
    );
  });
});

describe('name checks', () => {
  it('finds control characters, NUL first among them', () => {
    expect(controlCharacterIn('a\u0000b')).toBe('U+0000');
    expect(controlCharacterIn('a\nb')).toBe('U+000A');
    expect(controlCharacterIn('a\u0085b')).toBe('U+0085');
    expect(controlCharacterIn('Qwen/Qwen2-VL-7B')).toBeNull();
  });

  it('finds invisible and bidi characters', () => {
    for (const char of ['\u200b', '\u200d', '\u202e', '\u2066', '\u00ad', '\ufeff', '\u2028'])
      expect(invisibleCharacterIn(`model${char}`)).toMatch(/^U\+[0-9A-F]{4}$/);
    expect(invisibleCharacterIn('Модель 7B')).toBeNull();
  });

  it('says what is wrong', () => {
    expect(nameProblem('a\u0000')).toMatch(/control character \(U\+0000\)/);
    expect(nameProblem('a\u200b')).toBeNull();
    expect(nameProblem('a\u200b', { visible: true })).toMatch(/invisible .*U\+200B/);
    expect(nameProblem('My model', { visible: true })).toBeNull();
  });
});
