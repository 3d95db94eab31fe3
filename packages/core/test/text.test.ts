import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  controlCharacterIn,
  invisibleCharacterIn,
  modelNameKey,
  nameProblem,
  skeleton,
} from '../src/text';

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

describe('modelNameKey: look-alikes by the TR39 skeleton', () => {
  // Each class of look-alike, with the name it passes for.
  it.each([
    ['doubled spaces', 'Llama  3  8B', 'Llama 3 8B'],
    [
      'other white space (no-break, ideographic, a tab) and spaces at the ends',
      ' Llama\u00a03\u3000\t8B ',
      'Llama 3 8B',
    ],
    ['a capital I for the small l', 'LIama-3-8B', 'Llama-3-8B'],
    ['a digit 1 for the l', 'L1ama-3-8B', 'Llama-3-8B'],
    ['a vertical bar for the l', 'L|ama-3-8B', 'Llama-3-8B'],
    ['Lisu letters (L, I, B)', '\uA4E1\uA4F2ama-3-8\uA4D0', 'Llama-3-8B'],
    ['a Malayalam digit zero for the 0', 'Llama-3-7\u0D66B', 'Llama-3-70B'],
    ['a Malayalam letter tta for the 0', 'Llama-3-7\u0D20B', 'Llama-3-70B'],
    ['a Devanagari digit zero for the 0', 'Llama-3-7\u0966B', 'Llama-3-70B'],
    ['hyphens U+2010', 'Llama\u20103\u20108B', 'Llama-3-8B'],
    ['non-breaking hyphens U+2011', 'Llama\u20113\u20118B', 'Llama-3-8B'],
    ['en dashes U+2013', 'Llama\u20133\u20138B', 'Llama-3-8B'],
    ['em dashes U+2014', 'Llama\u20143\u20148B', 'Llama-3-8B'],
    ['minus signs U+2212', 'Llama\u22123\u22128B', 'Llama-3-8B'],
    ['hyphen bullets U+2043', 'Llama\u20433\u20438B', 'Llama-3-8B'],
    ['rn for the m', 'Llarna-3-8B', 'Llama-3-8B'],
    ['small capitals', '\u029F\u029F\u1D00\u1D0D\u1D00-3-8\u0299', 'Llama-3-8B'],
    ['a Cyrillic em, drawn as a small capital M', 'Lla\u043Ca-3-8B', 'Llama-3-8B'],
    ['Cherokee letters', '\u13DE\u13DEAMA-3-8\u13F4', 'Llama-3-8B'],
    ['a letter O for the digit 0', 'Llama-3-7OB', 'Llama-3-70B'],
  ])('%s: %j looks like %j', (_class, name, base) => {
    expect(modelNameKey(name)).toBe(modelNameKey(base));
  });

  // Real names that differ visibly: each must keep a key of its own.
  const distinct = [
    'Llama-3-8B',
    'Llama-3-70B',
    'Llama-3.1-8B',
    'Llama-3.1-70B',
    'Llama-3.2-11B-Vision',
    'Llama-2-13B',
    'Llama 3 8B',
    'Llama_3_8B',
    'Llama-3-8B-Instruct',
    'LLaVA-1.5-7B',
    'LLaVA-1.6-7B',
    'LLaVA-1.5-13B',
    'Mistral-7B',
    'Mixtral-8x7B',
    'Qwen2-VL-7B',
    'Qwen2-VL-2B',
    'Qwen2.5-VL-7B',
    'Qwen-VL-Chat',
    'GPT-4',
    'GPT-4o',
    'GPT-4o-mini',
    'GPT-4-turbo',
    'o1',
    'o3',
    'Gemma-2-9B',
    'Gemma-2-27B',
    'Gemini-1.5-Pro',
    'Gemini-1.5-Flash',
    'Phi-3-mini',
    'Phi-3-small',
    'Phi-3.5-vision',
    'Claude-3-Opus',
    'Claude-3-Sonnet',
    'Claude-3-Haiku',
    'InternVL2-8B',
    'InternLM2-8B',
    'Idefics2-8B',
    'Idefics3-8B',
    'MiniCPM-V-2.5',
    'MiniCPM-V-2.6',
    'CogVLM',
    'CogVLM2',
    'DeepSeek-VL-7B',
    'DeepSeek-V3',
    'Yi-34B',
    'Yi-6B',
    'Fuyu-8B',
    'OpenFlamingo-9B',
    'OpenFlamingo-3B',
    'BLIP-2',
    'InstructBLIP',
    'Pixtral-12B',
  ];
  it('keeps real names that differ visibly apart', () => {
    const keys = new Map<string, string>();
    for (const name of distinct) {
      const key = modelNameKey(name);
      expect(keys.get(key), `${name} and ${keys.get(key)}`).toBeUndefined();
      keys.set(key, name);
    }
  });

  it('builds on the TR39 skeleton of Unicode’s confusables data', () => {
    // The skeleton itself: case kept, confusables mapped (capital I and digit 1 to l, m to rn).
    expect(skeleton('LIama')).toBe(skeleton('Llama'));
    expect(skeleton('Llama')).toBe('Llarna');
    expect(skeleton('l1|I')).toBe('llll');
    expect(skeleton('m')).toBe('rn');
    expect(skeleton('\u0430')).toBe('a');
    expect(skeleton('A')).not.toBe(skeleton('a'));
    // The key: readable enough to debug, never shown.
    expect(modelNameKey('Llama-3-8B')).toBe('llarna-3-8b');
    expect(modelNameKey('  GPT\u20134o  ')).toBe('gpt-4o');
  });

  it('folds no further: a space is not a hyphen, nor one hyphen two', () => {
    expect(modelNameKey('Llama 3 8B')).not.toBe(modelNameKey('Llama-3-8B'));
    expect(modelNameKey('Llama-3-8B')).not.toBe(modelNameKey('Llama--3-8B'));
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
